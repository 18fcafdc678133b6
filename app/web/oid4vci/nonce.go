package oid4vci

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// Nonce serves the nonce endpoint (OID4VCI §7): no access token, no body.
func (h *Handlers) Nonce(c *gin.Context) error {
	n, err := h.svc.Nonce(c.Request.Context())
	if err != nil {
		return err
	}
	noStore(c, http.StatusOK, n)
	return nil
}
