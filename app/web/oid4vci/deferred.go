package oid4vci

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"credmint/app/issuance"
	"credmint/app/web/wire"
)

// Deferred serves the deferred credential endpoint (OID4VCI §9): the access
// token of the original request and {transaction_id}.
func (h *Handlers) Deferred(c *gin.Context) error {
	ctx := c.Request.Context()
	tok, err := accessToken(c, h.svc.AuthenticateDeferred)
	if err != nil {
		return err
	}
	var req issuance.DeferredCredentialRequest
	if err := wire.DecodeJSON(c.Request, &req, wire.Options{}); err != nil {
		return asBodyError(issuance.CodeInvalidCredentialRequest, err)
	}
	resp, draft, pending, err := h.svc.DeferredCredential(ctx, tok, req)
	switch {
	case err != nil:
		return err
	case draft != nil: // the draft 13 shape of the original request
		noStore(c, draft.Status, draft)
	case pending != nil && pending.Draft: // drafts ≤ 15 (SPEC §10)
		noStore(c, http.StatusBadRequest, gin.H{"error": issuance.CodeIssuancePending, "interval": pending.Interval})
	case pending != nil:
		noStore(c, http.StatusAccepted, pending)
	default:
		noStore(c, http.StatusOK, resp)
	}
	return nil
}
