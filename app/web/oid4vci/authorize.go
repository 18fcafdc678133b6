package oid4vci

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"credmint/app/authz"
)

// Authorize serves the authorization endpoint (RFC 6749 §4.1.1, OID4VCI
// §5.1): it sends the browser to the upstream provider's login and binds
// the request to this browser with a cookie. Errors are *authz.PageError
// or *authz.RedirectError, written by the caller.
func (h *AuthzHandlers) Authorize(c *gin.Context) error {
	res, err := h.az.Authorize(c.Request.Context(), c.Request.URL.Query())
	if err != nil {
		return err
	}
	http.SetCookie(c.Writer, h.cookie(authz.BrowserCookie(res.RequestID), res.BrowserSecret, int(res.MaxAge.Seconds())))
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusFound, res.URL)
	return nil
}

// cookie is the browser binding cookie: HttpOnly, SameSite=Lax (it must
// come along when the upstream provider sends the browser back), limited
// to the authorization endpoint's paths; maxAge < 0 deletes it.
func (h *AuthzHandlers) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: h.basePath + "/authorize", MaxAge: maxAge,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode}
}

// browser reads the binding cookies of the request.
func (h *AuthzHandlers) browser(c *gin.Context) authz.Browser {
	return func(requestID string) string {
		v, _ := c.Cookie(authz.BrowserCookie(requestID))
		return v
	}
}
