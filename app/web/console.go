package web

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"credmint/app/access"
	"credmint/app/applicants"
	"credmint/app/audit"
	"credmint/app/credential"
	"credmint/app/issuance"
	"credmint/app/staff"
	"credmint/app/web/console"
	"credmint/views/layout"
)

// page adapts a console handler: errors become HTML error pages.
func (s *Server) page(h handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			s.writePageError(c, err)
		}
	}
}

// writePageError answers a console error with an HTML page that shows a
// safe message and the request id; the cause is logged, never shown.
func (s *Server) writePageError(c *gin.Context, err error) {
	status, title, msg := http.StatusInternalServerError, "Something went wrong", "The request failed. If it keeps failing, give your administrator the request id below."
	var ve *issuance.ValidationError
	switch {
	case errors.Is(err, console.ErrForbidden):
		status, title, msg = http.StatusForbidden, "Not allowed", "Your role does not allow this."
	case errors.Is(err, issuance.ErrNotFound), errors.Is(err, staff.ErrNotFound), errors.Is(err, access.ErrNotFound), errors.Is(err, credential.ErrNotFound),
		errors.Is(err, applicants.ErrNotFound):
		status, title, msg = http.StatusNotFound, "Not found", "There is nothing here. It may have been deleted."
	case errors.Is(err, issuance.ErrConflict), errors.Is(err, staff.ErrConflict), errors.Is(err, applicants.ErrConflict):
		status, title, msg = http.StatusConflict, "Not possible now", "This is not possible in the current state. Reload the page and try again."
	case errors.As(err, &ve):
		status, title, msg = http.StatusBadRequest, "Invalid request", "The form had invalid values."
	default:
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			status, title, msg = http.StatusRequestEntityTooLarge, "Too large", "The upload is larger than allowed."
			break
		}
		s.log.LogAttrs(c.Request.Context(), slog.LevelError, "console request failed",
			slog.String("request_id", requestID(c)), slog.String("route", c.FullPath()), slog.String("error", err.Error()))
	}
	s.renderError(c, status, title, msg)
}

func (s *Server) renderError(c *gin.Context, status int, title, msg string) {
	c.Header("Cache-Control", "no-store")
	buf := new(bytes.Buffer)
	_ = layout.ErrorPage(s.deps.BasePath, status, title, msg, requestID(c)).Render(c.Request.Context(), buf)
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
	c.Abort()
}

// csrf refuses cross-origin state-changing requests from browsers (Go's
// http.CrossOriginProtection: Sec-Fetch-Site, then Origin against Host).
func (s *Server) csrf(c *gin.Context) {
	if err := s.cop.Check(c.Request); err != nil {
		s.log.Warn("cross-origin request refused", "request_id", requestID(c), "route", c.FullPath())
		s.renderError(c, http.StatusForbidden, "Request refused", "This request came from another site and was refused.")
		return
	}
	c.Next()
}

// consoleNoStore keeps console pages (personal data) out of caches.
func consoleNoStore(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Next()
}

// consoleSession resumes the staff session from its cookie, or sends the
// browser to the sign-in page.
func (s *Server) consoleSession(c *gin.Context) {
	id, _ := c.Cookie(s.console.SessionCookie())
	u, _, err := s.deps.Staff.Resume(c.Request.Context(), id)
	if errors.Is(err, staff.ErrNotFound) {
		if c.Request.Method == http.MethodGet {
			next := c.Request.URL.Path[len(s.deps.BasePath):]
			if c.Request.URL.RawQuery != "" {
				next += "?" + c.Request.URL.RawQuery
			}
			c.Redirect(http.StatusSeeOther, s.deps.BasePath+"/console/login?next="+url.QueryEscape(next))
			c.Abort()
			return
		}
		s.renderError(c, http.StatusUnauthorized, "Signed out", "Your session has ended. Sign in again.")
		return
	} else if err != nil {
		s.writePageError(c, err)
		return
	}
	console.SetUser(c, u)
	// Audit events of console requests name the staff member.
	ctx := audit.WithActor(c.Request.Context(), audit.Actor{Kind: audit.ActorStaff, ID: u.ID, RemoteAddr: c.ClientIP(), RequestID: requestID(c)})
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

// require lets the request through only when the user's role has p.
func (s *Server) require(p staff.Permission) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !console.Can(c, p) {
			s.writePageError(c, console.ErrForbidden)
			return
		}
		c.Next()
	}
}
