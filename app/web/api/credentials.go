package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"credmint/app/issuance"
	"credmint/app/status"
	"credmint/app/web/wire"
)

// maxBulkIDs bounds one bulk status change, so that it stays one short
// transaction.
const maxBulkIDs = 1000

// Credentials serve the issued credentials and their status (revoke,
// suspend, unsuspend) under /api/v1/credentials.
type Credentials struct {
	status *status.Service
}

// NewCredentials returns the credential handlers over st.
func NewCredentials(st *status.Service) *Credentials { return &Credentials{status: st} }

// credentialView is how the API shows an issued credential.
type credentialView struct {
	ID              string          `json:"id"`
	Status          string          `json:"status"`
	StatusList      *statusRefView  `json:"status_list,omitempty"`
	ConfigurationID string          `json:"credential_configuration_id"`
	Format          string          `json:"format"`
	OfferID         string          `json:"offer_id,omitempty"`
	ApplicantID     string          `json:"applicant_id,omitempty"`
	SigningKeyID    string          `json:"signing_key_id,omitempty"`
	IssuedAt        time.Time       `json:"issued_at"`
	ExpiresAt       time.Time       `json:"expires_at"`
	StatusChangedAt *time.Time      `json:"status_changed_at,omitempty"`
	Outcome         *outcomeDetails `json:"outcome,omitempty"`
}

// statusRefView is the credential's entry as its status claim has it.
type statusRefView struct {
	URI   string `json:"uri"`
	Index int    `json:"idx"`
}

// outcomeDetails says what a bulk change did to one credential.
type outcomeDetails struct {
	Changed bool   `json:"changed"`
	Error   string `json:"error,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

func (h *Credentials) view(c *status.Credential) credentialView {
	v := credentialView{ID: c.ID, Status: string(c.Status), ConfigurationID: c.ConfigID, Format: c.Format, OfferID: c.OfferID,
		ApplicantID: c.ApplicantID, SigningKeyID: c.SigningKeyID, IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt, StatusChangedAt: c.ChangedAt}
	if c.ListID != "" {
		v.StatusList = &statusRefView{URI: h.status.URI(c.ListID), Index: c.Index}
	}
	return v
}

// ShowCredential serves GET /api/v1/credentials/{id}.
func (h *Credentials) ShowCredential(c *gin.Context) error {
	cred, err := h.status.Credential(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, h.view(cred))
	return nil
}

// defaultPage is how many credentials a page signed by one key holds
// unless limit says otherwise.
const defaultPage = 100

// ListCredentials serves GET /api/v1/credentials?status_list=URI&index=N
// (the credential at a status entry, as a verifier reports it),
// ?applicant_id=ID (every credential of an applicant) or
// ?signing_key_id=KID[&after=ID][&limit=N] (the credentials a key signed,
// a page at a time in id order; next_after names the next page).
func (h *Credentials) ListCredentials(c *gin.Context) error {
	ctx := c.Request.Context()
	var (
		creds []status.Credential
		next  string
	)
	uri, idx, applicant, keyID := c.Query("status_list"), c.Query("index"), c.Query("applicant_id"), c.Query("signing_key_id")
	if n := btoi(uri != "" || idx != "") + btoi(applicant != "") + btoi(keyID != ""); n > 1 {
		return &issuance.ValidationError{Fields: map[string]string{"status_list": "give one of status_list and index, applicant_id, or signing_key_id"}}
	}
	if keyID == "" && (c.Query("after") != "" || c.Query("limit") != "") {
		return &issuance.ValidationError{Fields: map[string]string{"after": "after and limit page through signing_key_id"}}
	}
	switch {
	case keyID != "":
		limit := defaultPage
		if l := c.Query("limit"); l != "" {
			n, err := strconv.Atoi(l)
			if err != nil || n < 1 || n > status.MaxPage {
				return &issuance.ValidationError{Fields: map[string]string{"limit": "must be an integer from 1 to " + strconv.Itoa(status.MaxPage)}}
			}
			limit = n
		}
		var err error
		if creds, next, err = h.status.CredentialsSignedBy(ctx, keyID, c.Query("after"), limit); err != nil {
			return err
		}
	case uri != "" || idx != "":
		n, err := strconv.Atoi(idx)
		if uri == "" || err != nil || n < 0 {
			return &issuance.ValidationError{Fields: map[string]string{"index": "status_list (the uri of a status claim) and index (its idx, a non-negative integer) go together"}}
		}
		cred, err := h.status.CredentialAt(ctx, uri, n)
		switch {
		case errors.Is(err, issuance.ErrNotFound):
		case err != nil:
			return err
		default:
			creds = append(creds, *cred)
		}
	case applicant != "":
		var err error
		if creds, err = h.status.Credentials(ctx, status.Selector{ApplicantID: applicant}); err != nil {
			return err
		}
	default:
		return &issuance.ValidationError{Fields: map[string]string{"status_list": "give status_list and index, applicant_id, or signing_key_id"}}
	}
	out := make([]credentialView, len(creds))
	for i := range creds {
		out[i] = h.view(&creds[i])
	}
	body := gin.H{"credentials": out}
	if next != "" {
		body["next_after"] = next
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, body)
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// statusChangeBody is the optional body of POST /credentials/{id}/revoke,
// /suspend and /unsuspend.
type statusChangeBody struct {
	Reason string `json:"reason"`
}

// ChangeStatus returns the handler of POST /api/v1/credentials/{id}/<a>.
// 409 with the reason when the change does not apply (revocation is final).
func (h *Credentials) ChangeStatus(a status.Action) func(*gin.Context) error {
	return func(c *gin.Context) error {
		var body statusChangeBody
		if c.Request.ContentLength != 0 {
			if err := wire.DecodeJSON(c.Request, &body, wire.Options{Strict: true}); err != nil {
				return requestError(err)
			}
		}
		if len(body.Reason) > 500 {
			return &issuance.ValidationError{Fields: map[string]string{"reason": "must be at most 500 characters"}}
		}
		cred, err := h.status.ChangeOne(c.Request.Context(), a, c.Param("id"), body.Reason)
		if err != nil {
			return statusError(err)
		}
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, h.view(cred))
		return nil
	}
}

// bulkBody is the body of POST /api/v1/credentials/bulk.
type bulkBody struct {
	Action        string   `json:"action"`
	CredentialIDs []string `json:"credential_ids"`
	ApplicantID   string   `json:"applicant_id"`
	Reason        string   `json:"reason"`
}

// BulkChangeStatus serves POST /api/v1/credentials/bulk: one action on a
// list of credentials or on every credential of an applicant, in one
// transaction. Credentials it does not apply to are reported, not failed.
func (h *Credentials) BulkChangeStatus(c *gin.Context) error {
	var body bulkBody
	if err := wire.DecodeJSON(c.Request, &body, wire.Options{Strict: true}); err != nil {
		return requestError(err)
	}
	a, ok := status.ParseAction(body.Action)
	fields := map[string]string{}
	if !ok {
		fields["action"] = "must be revoke, suspend or unsuspend"
	}
	if (len(body.CredentialIDs) == 0) == (body.ApplicantID == "") {
		fields["credential_ids"] = "give credential_ids or applicant_id, not both"
	}
	if len(body.CredentialIDs) > maxBulkIDs {
		fields["credential_ids"] = "at most " + strconv.Itoa(maxBulkIDs) + " ids per request"
	}
	if len(body.Reason) > 500 {
		fields["reason"] = "must be at most 500 characters"
	}
	if len(fields) > 0 {
		return &issuance.ValidationError{Fields: fields}
	}
	out, err := h.status.Change(c.Request.Context(), a, status.Selector{IDs: body.CredentialIDs, ApplicantID: body.ApplicantID}, body.Reason)
	if err != nil {
		return err
	}
	views := make([]credentialView, len(out))
	for i, o := range out {
		cred := o.Credential
		cred.Status = o.To
		views[i] = h.view(&cred)
		views[i].Outcome = &outcomeDetails{Changed: o.Changed}
		var ce *status.ConflictError
		switch {
		case errors.As(o.Err, &ce):
			views[i].Outcome.Error, views[i].Outcome.Reason = "conflict", ce.Reason
		case errors.Is(o.Err, issuance.ErrNotFound):
			views[i].Outcome.Error = "not_found"
		case o.Err != nil:
			return o.Err
		}
	}
	changed, skipped := status.Counts(out)
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"changed": changed, "skipped": skipped, "credentials": views})
	return nil
}

// statusError turns a refused status change into 409 with its reason.
func statusError(err error) error {
	var ce *status.ConflictError
	if errors.As(err, &ce) {
		return &issuance.Error{Code: "conflict", Description: ce.Error(), Status: http.StatusConflict}
	}
	return err
}
