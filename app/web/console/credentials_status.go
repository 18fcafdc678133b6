package console

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"credmint/app/audit"
	"credmint/app/issuance"
	"credmint/app/staff"
	"credmint/app/status"
	"credmint/views/credentials"
)

// maxBulkCredentials bounds one bulk action of the console.
const maxBulkCredentials = 500

// credentialStatuses adds each listed credential's status and, for staff
// who may change them, the actions, to p.
func (h *Handlers) credentialStatuses(c *gin.Context, p *credentials.Props, f credentialFilterForm) error {
	if h.Status == nil || len(p.Credentials) == 0 {
		return nil
	}
	ids := make([]string, len(p.Credentials))
	for i, cr := range p.Credentials {
		ids[i] = cr.ID
	}
	list, err := h.Status.Credentials(c.Request.Context(), status.Selector{IDs: ids})
	if err != nil {
		return err
	}
	changes, err := h.Reports.LatestStatusChanges(c.Request.Context(), ids)
	if err != nil {
		return err
	}
	actors := make([]audit.Actor, 0, len(changes))
	for _, ev := range changes {
		actors = append(actors, ev.Actor)
	}
	names, err := h.Reports.ActorNames(c.Request.Context(), audit.ActorIDs(actors))
	if err != nil {
		return err
	}
	p.Statuses = make(map[string]credentials.Status, len(list))
	for _, cr := range list {
		st := credentials.Status{State: string(cr.Status), HasEntry: cr.ListID != "", CanSuspend: cr.ListBits >= 2,
			URI: h.Status.URI(cr.ListID), Index: cr.Index}
		if ev, ok := changes[cr.ID]; ok {
			st.Change, st.ChangedBy = strings.TrimPrefix(ev.Action, "credential."), names.Of(ev.Actor)
			st.ChangedAt, st.Reason = ev.At.UTC().Format("2006-01-02 15:04"), ev.Details["reason"]
		}
		p.Statuses[cr.ID] = st
	}
	p.CanChange = Can(c, staff.PermManageCredentials)
	p.Back = f.values().Encode()
	return nil
}

// statusForm is the form of the credential status actions.
type statusForm struct {
	IDs         []string `form:"ids"`
	Action      string   `form:"action"`
	Reason      string   `form:"reason"`
	ApplicantID string   `form:"applicant_id"`
	// Back is the credentials page's query string to return to.
	Back string `form:"back"`
}

// backTo is the credentials page with the filter of query back (only its
// known parameters, so no redirect leaves the page).
func backTo(back string) string {
	q, _ := url.ParseQuery(back)
	keep := url.Values{}
	for _, k := range []string{"configuration_id", "offer_id", "applicant_id", "thumbprint", "from", "to", "before", "after"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	if len(keep) == 0 {
		return "/console/credentials"
	}
	return "/console/credentials?" + keep.Encode()
}

// ChangeCredentialStatus returns the handler of POST
// /console/credentials/:id/{revoke,suspend,unsuspend}.
func (h *Handlers) ChangeCredentialStatus(a status.Action) func(*gin.Context) error {
	return func(c *gin.Context) error {
		var f statusForm
		if err := c.ShouldBind(&f); err != nil {
			return err
		}
		id := c.Param("id")
		_, err := h.Status.ChangeOne(c.Request.Context(), a, id, strings.TrimSpace(f.Reason))
		var ce *status.ConflictError
		switch {
		case errors.As(err, &ce):
			return h.redirect(c, backTo(f.Back), "!Not changed: "+ce.Error()+".")
		case errors.Is(err, issuance.ErrNotFound):
			return h.redirect(c, backTo(f.Back), "!No credential "+id+".")
		case err != nil:
			return err
		}
		return h.redirect(c, backTo(f.Back), fmt.Sprintf("Credential %s %s.", id, pastTense(a)))
	}
}

// BulkCredentialStatus serves POST /console/credentials/bulk: one action on
// the ticked credentials, or on every credential of applicant_id.
func (h *Handlers) BulkCredentialStatus(c *gin.Context) error {
	var f statusForm
	if err := c.ShouldBind(&f); err != nil {
		return err
	}
	a, ok := status.ParseAction(f.Action)
	switch {
	case !ok:
		return h.redirect(c, backTo(f.Back), "!Choose revoke, suspend or unsuspend.")
	case len(f.IDs) == 0 && f.ApplicantID == "":
		return h.redirect(c, backTo(f.Back), "!Tick the credentials to change first.")
	case len(f.IDs) > maxBulkCredentials:
		return h.redirect(c, backTo(f.Back), fmt.Sprintf("!At most %d credentials at once.", maxBulkCredentials))
	}
	sel := status.Selector{IDs: f.IDs}
	if len(f.IDs) == 0 {
		sel.ApplicantID = f.ApplicantID
	}
	out, err := h.Status.Change(c.Request.Context(), a, sel, strings.TrimSpace(f.Reason))
	if err != nil {
		return err
	}
	changed, skipped := status.Counts(out)
	msg := fmt.Sprintf("%d credential(s) %s", changed, pastTense(a))
	if skipped > 0 {
		msg += fmt.Sprintf("; %d left as they were (the action did not apply)", skipped)
	}
	if changed == 0 {
		msg = "!" + msg
	}
	return h.redirect(c, backTo(f.Back), msg+".")
}

func pastTense(a status.Action) string {
	switch a {
	case status.Revoke:
		return "revoked"
	case status.Suspend:
		return "suspended"
	}
	return "unsuspended"
}
