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

// keyWarnings flags the active and scheduled keys (the mdoc IACA included)
// whose certificate or chain expires within keyWarningDays, the expired keys
// of a purpose no active key serves (an expired key that was replaced is
// normal: it stays published for verifiers until retired), and the keys
// waiting for the chain of their CSR.
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
		w := dashboard.KeyWarning{ID: k.ID, Purpose: k.Purpose, NotAfter: k.NotAfter, Imported: k.CertificateState == keys.CertificateImported}
		switch {
		case k.Retired:
		case k.State == keys.StatePending:
			w.Pending, w.CreatedAt = true, k.CreatedAt
			out = append(out, w)
		case (k.Active || k.State == keys.StateScheduled) && left < keyWarningDays*24*time.Hour:
			w.DaysLeft, w.Successor = int(left/(24*time.Hour)), hasSuccessor(infos, k)
			out = append(out, w)
		case !k.Active && left <= 0 && !served[k.Purpose]:
			w.Expired = true
			out = append(out, w)
		}
	}
	return out
}

// hasSuccessor reports whether a key of k's purpose is scheduled to sign
// after k and outlives it.
func hasSuccessor(infos []keys.Info, k keys.Info) bool {
	for _, o := range infos {
		if o.ID != k.ID && o.Purpose == k.Purpose && o.State == keys.StateScheduled && o.NotBefore.After(k.NotBefore) && o.NotAfter.After(k.NotAfter) {
			return true
		}
	}
	return false
}
