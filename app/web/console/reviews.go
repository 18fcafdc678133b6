package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"credmint/app/applicants"
	"credmint/app/issuance"
	"credmint/views/components"
	"credmint/views/reviews"
)

// IssuanceReviews is the dashboard's ReviewQueue over the issuance service.
type IssuanceReviews struct {
	Issuance *issuance.Service
}

// PendingReviews counts the unexpired pending deferred requests with one
// aggregate query.
func (r IssuanceReviews) PendingReviews(ctx context.Context) (int, error) {
	return r.Issuance.CountPendingDeferred(ctx)
}

// ReviewList serves GET /console/reviews: pending requests oldest first,
// optionally of one configuration.
func (h *Handlers) ReviewList(c *gin.Context) error {
	ctx := c.Request.Context()
	cfgID := c.Query("configuration")
	ds, err := h.Issuance.ListDeferred(ctx, issuance.DeferredFilter{State: issuance.DeferredPending, ConfigurationID: cfgID})
	if err != nil {
		return err
	}
	cfgs, err := h.Configurations.List(ctx)
	if err != nil {
		return err
	}
	now, sla := h.Now(), h.Issuance.ReviewSLA()
	p := reviews.ListProps{Layout: h.Layout(c, "Reviews"), Configuration: cfgID, SLA: age(sla)}
	for _, cf := range cfgs {
		p.Configurations = append(p.Configurations, cf.ID)
	}
	for i := range ds {
		d := &ds[i]
		if d.EffectiveState(now) != issuance.DeferredPending {
			continue
		}
		waited := now.Sub(d.CreatedAt)
		p.Rows = append(p.Rows, reviews.Row{ID: d.ID, ConfigurationID: d.ConfigurationID, Reasons: d.Reasons,
			CreatedAt: d.CreatedAt, Age: age(waited), Overdue: waited > sla})
	}
	return render(c, http.StatusOK, reviews.List(p))
}

// Review serves GET /console/reviews/:id.
func (h *Handlers) Review(c *gin.Context) error {
	return h.reviewPage(c, http.StatusOK, nil, "", nil)
}

// ApproveReview serves POST /console/reviews/:id/approve: the claims form
// is compared with the stored claims; changed claims go to ApproveDeferred,
// which checks and audits them.
func (h *Handlers) ApproveReview(c *gin.Context) error {
	ctx := c.Request.Context()
	d, err := h.Issuance.GetDeferred(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	edited, errs := editedClaims(c, d)
	if len(errs) > 0 {
		return h.reviewPage(c, http.StatusBadRequest, d, "", errs)
	}
	_, err = h.Issuance.ApproveDeferred(ctx, d.ID, CurrentUser(c).ID, edited)
	var ce *issuance.ClaimsError
	switch {
	case errors.Is(err, issuance.ErrFourEyes):
		return h.reviewPage(c, http.StatusConflict, d, "", components.Errors{"": "Four-eyes review: you created this offer, so another reviewer must approve it."})
	case errors.As(err, &ce):
		errs = components.Errors{"": "The edited claims do not fit the configuration."}
		for _, f := range ce.Fields {
			errs["claim."+strings.SplitN(f.Field, ".", 2)[0]] = f.Reason
		}
		return h.reviewPage(c, http.StatusBadRequest, d, "", errs)
	case errors.Is(err, issuance.ErrConflict):
		return h.redirect(c, "/console/reviews", "!That request is no longer pending.")
	case err != nil:
		return err
	}
	return h.redirect(c, "/console/reviews", "Request "+d.ID+" approved: the wallet collects the credential on its next poll.")
}

// RejectReview serves POST /console/reviews/:id/reject with a required
// reason.
func (h *Handlers) RejectReview(c *gin.Context) error {
	ctx := c.Request.Context()
	reason := c.PostForm("reason")
	_, err := h.Issuance.RejectDeferred(ctx, c.Param("id"), CurrentUser(c).ID, reason)
	var ve *issuance.ValidationError
	switch {
	case errors.As(err, &ve):
		return h.reviewPage(c, http.StatusBadRequest, nil, reason, components.Errors(ve.Fields))
	case errors.Is(err, issuance.ErrConflict):
		return h.redirect(c, "/console/reviews", "!That request is no longer pending.")
	case err != nil:
		return err
	}
	return h.redirect(c, "/console/reviews", "Request rejected.")
}

// BulkApproveReviews serves POST /console/reviews/approve: every checked
// request is approved with its claims unchanged; refusals are counted in
// the flash.
func (h *Handlers) BulkApproveReviews(c *gin.Context) error {
	ids := c.PostFormArray("id")
	if len(ids) == 0 {
		return h.redirect(c, "/console/reviews", "!Select at least one request.")
	}
	ok, fourEyes, incomplete, failed := 0, 0, 0, 0
	for _, id := range ids {
		_, err := h.Issuance.ApproveDeferred(c.Request.Context(), id, CurrentUser(c).ID, nil)
		var ce *issuance.ClaimsError
		switch {
		case err == nil:
			ok++
		case errors.Is(err, issuance.ErrFourEyes):
			fourEyes++
		case errors.As(err, &ce):
			incomplete++
		case errors.Is(err, issuance.ErrNotFound), errors.Is(err, issuance.ErrConflict):
			failed++
		default:
			return err
		}
	}
	msg := fmt.Sprintf("%d approved.", ok)
	if fourEyes > 0 {
		msg += fmt.Sprintf(" %d need another reviewer (four-eyes: you created their offers).", fourEyes)
	}
	if incomplete > 0 {
		msg += fmt.Sprintf(" %d have incomplete claims: open them to fill the missing claims.", incomplete)
	}
	if failed > 0 {
		msg += fmt.Sprintf(" %d were no longer pending.", failed)
	}
	if ok < len(ids) {
		msg = "!" + msg
	}
	return h.redirect(c, "/console/reviews", msg)
}

// reviewPage renders a request's page; d is loaded when nil.
func (h *Handlers) reviewPage(c *gin.Context, status int, d *issuance.DeferredDetail, reason string, errs components.Errors) error {
	ctx := c.Request.Context()
	if d == nil {
		var err error
		if d, err = h.Issuance.GetDeferred(ctx, c.Param("id")); err != nil {
			return err
		}
	}
	now := h.Now()
	waited := now.Sub(d.CreatedAt)
	p := reviews.DetailProps{Layout: h.Layout(c, "Review"), ID: d.ID, ConfigurationID: d.ConfigurationID, OfferID: d.OfferID,
		State: string(d.EffectiveState(now)), Reasons: d.Reasons, CreatedAt: d.CreatedAt, ExpiresAt: d.ExpiresAt,
		Age: age(waited), Overdue: waited > h.Issuance.ReviewSLA(), Claims: claimFields(d.Claims), Reason: reason, Errors: errs}
	if err := h.reviewDecision(ctx, &p, d); err != nil {
		return err
	}
	for _, m := range d.Missing {
		p.Claims = append(p.Claims, reviews.Claim{Name: m.Name, JSON: !m.String, Missing: true, Mandatory: m.Mandatory})
	}
	for _, f := range d.Problems {
		p.Problems = append(p.Problems, f.Field+" "+f.Reason)
	}
	if u := d.Upstream; u != nil {
		p.Upstream = &reviews.Upstream{Issuer: u.Issuer, Subject: u.Subject, Email: u.Email, Claims: claimFields(u.Mapped[d.ConfigurationID])}
	}
	if d.ApplicantID != "" && h.Applicants != nil {
		ap, err := h.Applicants.Get(ctx, d.ApplicantID)
		if err != nil && !errors.Is(err, applicants.ErrNotFound) {
			return err
		}
		if ap != nil {
			p.Applicant = &reviews.Applicant{ID: ap.ID, Name: ap.Name, Email: ap.Email, ExternalID: ap.ExternalID,
				Flags: ap.Flags, Claims: claimFields(ap.Claims)}
		}
	}
	return render(c, status, reviews.Detail(p))
}

// reviewDecision names, with one lookup, who made the request's offer and
// who decided it, and says how it was decided.
func (h *Handlers) reviewDecision(ctx context.Context, p *reviews.DetailProps, d *issuance.DeferredDetail) error {
	names, err := h.Reports.ActorNames(ctx, []string{d.OfferCreatedBy, d.ApprovedBy, d.RejectedBy})
	if err != nil {
		return err
	}
	if d.OfferID != "" {
		p.OfferCreatedBy = names.ByID(d.OfferCreatedBy)
	}
	if d.DecidedAt == nil {
		return nil
	}
	p.DecidedAt = *d.DecidedAt
	if d.State == issuance.DeferredRejected {
		p.Decision, p.DecidedBy, p.RejectReason = "rejected", names.ByID(d.RejectedBy), d.RejectReason
	} else {
		p.Decision, p.DecidedBy = "approved", names.ByID(d.ApprovedBy)
	}
	return nil
}

// claimFields lists top-level claims by name: strings as they are, other
// values as JSON.
func claimFields(claims map[string]any) []reviews.Claim {
	out := make([]reviews.Claim, 0, len(claims))
	for k, v := range claims {
		if s, ok := v.(string); ok {
			out = append(out, reviews.Claim{Name: k, Value: s})
			continue
		}
		raw, _ := json.Marshal(v)
		out = append(out, reviews.Claim{Name: k, Value: string(raw), JSON: true})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// editedClaims reads the claim.* fields of the approve form against the
// stored claims of d: nil when nothing changed (approve as stored). A claim
// left out of the form keeps its value; a non-string claim must be valid
// JSON; a missing claim of the configuration is added when filled in.
func editedClaims(c *gin.Context, d *issuance.DeferredDetail) (map[string]any, components.Errors) {
	stored := d.Claims
	out := make(map[string]any, len(stored))
	errs := components.Errors{}
	changed := false
	for _, m := range d.Missing {
		text := strings.TrimSpace(c.PostForm("claim." + m.Name))
		if text == "" {
			continue
		}
		var nv any = text
		if !m.String {
			if err := json.Unmarshal([]byte(text), &nv); err != nil {
				errs["claim."+m.Name] = "Enter a JSON value."
				continue
			}
		}
		out[m.Name], changed = nv, true
	}
	for k, v := range stored {
		out[k] = v
		text, sent := c.GetPostForm("claim." + k)
		if !sent {
			continue
		}
		var nv any = text
		if _, isString := v.(string); !isString {
			if err := json.Unmarshal([]byte(text), &nv); err != nil {
				errs["claim."+k] = "Enter a JSON value."
				continue
			}
		}
		if !sameJSON(v, nv) {
			out[k], changed = nv, true
		}
	}
	if len(errs) > 0 {
		errs[""] = "Some claims are not valid."
		return nil, errs
	}
	if !changed {
		return nil, nil
	}
	return out, nil
}

// sameJSON reports whether a and b encode to equal JSON values.
func sameJSON(a, b any) bool {
	ra, _ := json.Marshal(a)
	rb, _ := json.Marshal(b)
	var x, y any
	_ = json.Unmarshal(ra, &x)
	_ = json.Unmarshal(rb, &y)
	return reflect.DeepEqual(x, y)
}

// age is a short human duration: "3d 4h", "5h 12m", "7m".
func age(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf("%dd %dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
	case d >= time.Hour:
		return fmt.Sprintf("%dh %dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dm", int(d/time.Minute))
}
