package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"credmint/app/staff"
	"credmint/views/components"
	"credmint/views/login"
)

// SessionCookie returns the name of the session cookie: with the __Host-
// prefix (which requires Secure) when served over https.
func (h *Handlers) SessionCookie() string {
	if h.SecureCookies {
		return "__Host-credmint_session"
	}
	return "credmint_session"
}

type loginForm struct {
	Email    string `form:"email"`
	Password string `form:"password"`
	Next     string `form:"next"`
}

// LoginPage serves GET /console/login.
func (h *Handlers) LoginPage(c *gin.Context) error {
	return render(c, http.StatusOK, login.Page(login.Props{BasePath: h.BasePath, Next: safeNext(c.Query("next")), SSOName: h.ssoName()}))
}

// Login serves POST /console/login: a new session (a new id: rotation) on
// success, the form with a message otherwise.
func (h *Handlers) Login(c *gin.Context) error {
	var f loginForm
	if err := c.ShouldBind(&f); err != nil {
		return err
	}
	ctx := c.Request.Context()
	u, err := h.Staff.Login(ctx, f.Email, f.Password, c.ClientIP())
	if err != nil {
		msg := "Email or password is wrong."
		status := http.StatusUnauthorized
		switch {
		case errors.Is(err, staff.ErrThrottled):
			msg, status = "Too many failed sign-ins. Wait 15 minutes and try again.", http.StatusTooManyRequests
		case !errors.Is(err, staff.ErrBadCredentials):
			return err
		}
		return render(c, status, login.Page(login.Props{BasePath: h.BasePath, Email: f.Email, Next: safeNext(f.Next), Errors: components.Errors{"": msg}, SSOName: h.ssoName()}))
	}
	return h.signIn(c, u, f.Next)
}

// signIn starts a session for u, the same for every way of signing in: a
// new id (rotation; the old session ends), the cookie's flags, and the
// redirect to next.
func (h *Handlers) signIn(c *gin.Context, u *staff.User, next string) error {
	ctx := c.Request.Context()
	if old, err := c.Cookie(h.SessionCookie()); err == nil && old != "" {
		_ = h.Staff.Logout(ctx, old) // a fresh id at login; the old one dies
	}
	id, sess, err := h.Staff.StartSession(ctx, u, c.ClientIP(), c.Request.UserAgent())
	if err != nil {
		return err
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: h.SessionCookie(), Value: id, Path: "/", Expires: sess.ExpiresAt,
		HttpOnly: true, Secure: h.SecureCookies, SameSite: http.SameSiteLaxMode})
	c.Redirect(http.StatusSeeOther, h.BasePath+cmpOr(safeNext(next), "/console/"))
	return nil
}

// Logout serves POST /console/logout.
func (h *Handlers) Logout(c *gin.Context) error {
	if id, err := c.Cookie(h.SessionCookie()); err == nil && id != "" {
		if err := h.Staff.Logout(c.Request.Context(), id); err != nil {
			return err
		}
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: h.SessionCookie(), Path: "/", MaxAge: -1, HttpOnly: true, Secure: h.SecureCookies, SameSite: http.SameSiteLaxMode})
	c.Redirect(http.StatusSeeOther, h.BasePath+"/console/login")
	return nil
}

// safeNext keeps only a local console path, so the login form cannot be
// used to redirect elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/console/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return ""
	}
	return next
}
