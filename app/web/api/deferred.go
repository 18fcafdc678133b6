package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"credmint/app/audit"
	"credmint/app/issuance"
	"credmint/app/web/wire"
)

// deferredView is how the API shows a deferred request. Claims appear only
// on GET of one request.
type deferredView struct {
	ID              string         `json:"id"`
	State           string         `json:"state"`
	ConfigurationID string         `json:"credential_configuration_id"`
	OfferID         string         `json:"offer_id,omitempty"`
	ApplicantID     string         `json:"applicant_id,omitempty"`
	Reasons         []string       `json:"reasons"`
	HolderKeyCount  int            `json:"holder_key_count"`
	ApprovedBy      string         `json:"approved_by,omitempty"`
	RejectedBy      string         `json:"rejected_by,omitempty"`
	RejectReason    string         `json:"reject_reason,omitempty"`
	CreatedAt       time.Time      `json:"created_at"`
	ExpiresAt       time.Time      `json:"expires_at"`
	DecidedAt       *time.Time     `json:"decided_at,omitempty"`
	CollectedAt     *time.Time     `json:"collected_at,omitempty"`
	Claims          map[string]any `json:"claims,omitempty"`
}

func (h *Handlers) deferredView(d *issuance.DeferredRequest) deferredView {
	return deferredView{ID: d.ID, State: string(d.EffectiveState(h.svc.Now())), ConfigurationID: d.ConfigurationID,
		OfferID: d.OfferID, ApplicantID: d.ApplicantID, Reasons: d.Reasons, HolderKeyCount: holderKeyCount(d.HolderKeys),
		ApprovedBy: d.ApprovedBy, RejectedBy: d.RejectedBy, RejectReason: d.RejectReason,
		CreatedAt: d.CreatedAt, ExpiresAt: d.ExpiresAt, DecidedAt: d.DecidedAt, CollectedAt: d.CollectedAt}
}

// ListDeferred serves GET /api/v1/deferred?state=&credential_configuration_id=.
func (h *Handlers) ListDeferred(c *gin.Context) error {
	f := issuance.DeferredFilter{State: issuance.DeferredState(c.Query("state")), ConfigurationID: c.Query("credential_configuration_id")}
	list, err := h.svc.ListDeferred(c.Request.Context(), f)
	if err != nil {
		return err
	}
	out := make([]deferredView, len(list))
	for i := range list {
		out[i] = h.deferredView(&list[i])
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"deferred": out})
	return nil
}

// ShowDeferred serves GET /api/v1/deferred/{id}; {id} is the request id or
// the wallet's transaction_id.
func (h *Handlers) ShowDeferred(c *gin.Context) error {
	d, err := h.svc.GetDeferred(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	v := h.deferredView(&d.DeferredRequest)
	v.Claims = d.Claims
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, v)
	return nil
}

// approveBody is the body of POST /api/v1/deferred/{id}/approve.
type approveBody struct {
	Claims map[string]any `json:"claims"`
}

// ApproveDeferred serves POST /api/v1/deferred/{id}/approve. The reviewer
// is the API key.
func (h *Handlers) ApproveDeferred(c *gin.Context) error {
	var body approveBody
	if c.Request.ContentLength != 0 {
		if err := wire.DecodeJSON(c.Request, &body, wire.Options{UseNumber: true, Strict: true}); err != nil {
			return requestError(err)
		}
	}
	d, err := h.svc.ApproveDeferred(c.Request.Context(), c.Param("id"), reviewer(c), body.Claims)
	if err != nil {
		return reviewError(err)
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, h.deferredView(d))
	return nil
}

// rejectBody is the body of POST /api/v1/deferred/{id}/reject.
type rejectBody struct {
	Reason string `json:"reason"`
}

// RejectDeferred serves POST /api/v1/deferred/{id}/reject.
func (h *Handlers) RejectDeferred(c *gin.Context) error {
	var body rejectBody
	if err := wire.DecodeJSON(c.Request, &body, wire.Options{Strict: true}); err != nil {
		return requestError(err)
	}
	if body.Reason == "" {
		return &issuance.Error{Code: issuance.CodeInvalidRequest, Description: "reason is required", Status: http.StatusBadRequest}
	}
	d, err := h.svc.RejectDeferred(c.Request.Context(), c.Param("id"), reviewer(c), body.Reason)
	if err != nil {
		return reviewError(err)
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, h.deferredView(d))
	return nil
}

// reviewer is the API key reviewing: its id, as offers record their
// creator (Offer.CreatedBy), so four-eyes compares like with like.
func reviewer(c *gin.Context) string {
	return audit.ActorFrom(c.Request.Context()).ID
}

// reviewError maps review errors to API errors (409 four-eyes, 400 claims).
func reviewError(err error) error {
	var ce *issuance.ClaimsError
	switch {
	case errors.Is(err, issuance.ErrFourEyes):
		return &issuance.Error{Code: "four_eyes", Description: err.Error(), Status: http.StatusConflict}
	case errors.As(err, &ce):
		return &issuance.Error{Code: issuance.CodeInvalidRequest, Description: ce.Error(), Status: http.StatusBadRequest}
	}
	return err
}

// holderKeyCount counts the stored holder keys.
func holderKeyCount(raw []byte) int {
	var ks []json.RawMessage
	if json.Unmarshal(raw, &ks) != nil {
		return 0
	}
	return len(ks)
}
