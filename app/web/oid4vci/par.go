package oid4vci

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"credmint/app/authz"
)

// AuthzHandlers serve credmint's authorization server: PAR, the
// authorization endpoint, the upstream login's callback and the consent
// page. Protocol rules live in app/authz.
type AuthzHandlers struct {
	az *authz.Service
	// basePath prefixes the cookie path; secure marks cookies Secure
	// (https public URL).
	basePath string
	secure   bool
	// issuerName is shown on the consent page.
	issuerName string
}

// NewAuthz returns the handlers over az.
func NewAuthz(az *authz.Service, basePath, issuerName string, secure bool) *AuthzHandlers {
	return &AuthzHandlers{az: az, basePath: basePath, issuerName: issuerName, secure: secure}
}

// PAR serves the pushed authorization request endpoint (RFC 9126 §2):
// 201 with request_uri and expires_in, Cache-Control: no-store.
func (h *AuthzHandlers) PAR(c *gin.Context) error {
	form, err := readForm(c.Request)
	if err != nil {
		return err
	}
	resp, err := h.az.Push(c.Request.Context(), form)
	if err != nil {
		return err
	}
	noStore(c, http.StatusCreated, resp)
	return nil
}
