package console

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"credmint/app/staff"
	"credmint/views/components"
	"credmint/views/login"
)

// ssoCookie binds a single sign-on round trip to the browser that started
// it; with the __Host- prefix (which requires Secure) over https.
func (h *Handlers) ssoCookie() string {
	if h.SecureCookies {
		return "__Host-credmint_sso"
	}
	return "credmint_sso"
}

// ssoName is the label of the single sign-on button, "" when it is off.
func (h *Handlers) ssoName() string {
	if h.SSO == nil {
		return ""
	}
	return h.SSOName
}

// SSOStart serves GET /console/sso/start: it starts a sign-in at the
// organisation's provider and sends the browser there.
func (h *Handlers) SSOStart(c *gin.Context) error {
	authURL, secret, err := h.SSO.Start(c.Request.Context(), safeNext(c.Query("next")))
	if errors.Is(err, staff.ErrSSOUnavailable) {
		return h.ssoRefused(c, http.StatusServiceUnavailable, "Single sign-on is not available",
			"Your organisation's sign-in service cannot be reached right now. Try again in a minute, or sign in with your password.")
	} else if err != nil {
		return err
	}
	// SameSite=Lax: the provider's redirect back is a top-level GET, which
	// carries it.
	http.SetCookie(c.Writer, &http.Cookie{Name: h.ssoCookie(), Value: secret, Path: "/", MaxAge: 600,
		HttpOnly: true, Secure: h.SecureCookies, SameSite: http.SameSiteLaxMode})
	c.Redirect(http.StatusSeeOther, authURL)
	return nil
}

// SSOCallback serves GET /console/sso/callback: the provider's answer.
// A verified person with a mapped role gets a session exactly as with a
// password; a refusal is shown on the sign-in page.
func (h *Handlers) SSOCallback(c *gin.Context) error {
	secret, _ := c.Cookie(h.ssoCookie())
	u, next, err := h.SSO.Callback(c.Request.Context(), c.Request.URL.Query(), secret)
	var r *staff.SSORefusal
	if errors.As(err, &r) {
		// The cookie stays: a forged callback must not spoil the real one.
		return h.ssoRefused(c, r.Status, r.Title, r.Message)
	} else if err != nil {
		return err
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: h.ssoCookie(), Path: "/", MaxAge: -1, HttpOnly: true, Secure: h.SecureCookies, SameSite: http.SameSiteLaxMode})
	return h.signIn(c, u, next)
}

// ssoRefused shows the sign-in page with why single sign-on failed.
func (h *Handlers) ssoRefused(c *gin.Context, status int, title, msg string) error {
	return render(c, status, login.Page(login.Props{BasePath: h.BasePath, SSOName: h.ssoName(),
		Errors: components.Errors{"": title + ". " + msg}}))
}
