package console

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"credmint/app/keys"
	"credmint/views/dashboard"
)

// Dashboard windows.
const (
	activityDays   = 30
	keyWarningDays = 30
)

// Dashboard serves GET /console/.
func (h *Handlers) Dashboard(c *gin.Context) error {
	p, err := h.dashboard(c.Request.Context())
	if err != nil {
		return err
	}
	p.Layout = h.Layout(c, "Dashboard")
	return render(c, http.StatusOK, dashboard.Page(p))
}

// dashboard gathers the dashboard's figures: aggregate queries only.
func (h *Handlers) dashboard(ctx context.Context) (dashboard.Props, error) {
	now := h.Now().UTC()
	from := now.Truncate(24*time.Hour).AddDate(0, 0, 1-activityDays)
	days, err := h.Reports.DailyActivity(ctx, from, now)
	if err != nil {
		return dashboard.Props{}, err
	}
	p := dashboard.Props{Days: days, Chart: dashboard.NewChart(days), KeyWarnings: keyWarnings(h.Keys.Keys(), now)}
	if h.Reviews != nil {
		if p.PendingReviews, err = h.Reviews.PendingReviews(ctx); err != nil {
			return dashboard.Props{}, err
		}
		p.ReviewsEnabled = true
	}
	if h.Deliveries != nil {
		n, err := h.Deliveries.FailedDeliveries(ctx)
		if err != nil {
			return dashboard.Props{}, err
		}
		p.FailedDeliveries = &n
	}
	return p, nil
}

// keyWarnings flags the active keys whose certificate expires within
// keyWarningDays, and the expired keys of a purpose no active key serves
// (an expired key that was replaced is normal: it stays published for
// verifiers until retired).
func keyWarnings(infos []keys.Info, now time.Time) []dashboard.KeyWarning {
	served := map[string]bool{}
	for _, k := range infos {
		if k.Active {
			served[k.Purpose] = true
		}
	}
	var out []dashboard.KeyWarning
	for _, k := range infos {
		left := k.NotAfter.Sub(now)
		switch {
		case k.Retired:
		case k.Active && left < keyWarningDays*24*time.Hour:
			out = append(out, dashboard.KeyWarning{ID: k.ID, Purpose: k.Purpose, NotAfter: k.NotAfter, DaysLeft: int(left / (24 * time.Hour))})
		case !k.Active && left <= 0 && !served[k.Purpose]:
			out = append(out, dashboard.KeyWarning{ID: k.ID, Purpose: k.Purpose, NotAfter: k.NotAfter, Expired: true})
		}
	}
	return out
}
