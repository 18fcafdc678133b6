package oid4vci

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"credmint/app/issuance"
	"credmint/app/web/wire"
)

// Credential serves the credential endpoint (OID4VCI §8).
func (h *Handlers) Credential(c *gin.Context) error {
	ctx := c.Request.Context()
	tok, err := accessToken(c, h.svc.Authenticate)
	if err != nil {
		return err
	}
	var req issuance.DraftCredentialRequest // 1.0, or a draft shape (SPEC §20)
	if err := wire.DecodeJSON(c.Request, &req, wire.Options{}); err != nil {
		return asBodyError(issuance.CodeInvalidCredentialRequest, err)
	}
	resp, draft, err := h.svc.CredentialAnyShape(ctx, tok, req)
	var de *issuance.DraftError
	switch {
	case errors.As(err, &de): // the draft's error body carries a c_nonce
		noStore(c, de.Err.Status, de.Body())
		return nil
	case err != nil:
		return err
	case draft != nil:
		noStore(c, draft.Status, draft)
		return nil
	}
	if resp.Deferred != nil { // waits for a reviewer (§8.3)
		noStore(c, http.StatusAccepted, resp.Deferred)
		return nil
	}
	noStore(c, http.StatusOK, resp)
	return nil
}

// asBodyError keeps a too-large body a 413 and names every other decoding
// problem in the endpoint's error code.
func asBodyError(code string, err error) error {
	if _, ok := err.(*http.MaxBytesError); ok {
		return err
	}
	return badBody(code, err)
}
