package oid4vci

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// Callback serves {public_url}/authorize/callback, where the upstream
// provider sends the browser after the login (OpenID Connect Core
// §3.1.2.5); on success the browser goes on to the consent page.
func (h *AuthzHandlers) Callback(c *gin.Context) error {
	next, err := h.az.Callback(c.Request.Context(), c.Request.URL.Query(), h.browser(c))
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusSeeOther, next)
	return nil
}
