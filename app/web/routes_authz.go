package web

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"credmint/app/authz"
	"credmint/app/credential"
	"credmint/app/web/oid4vci"
	"credmint/views/consent"
)

// authzRoutes registers credmint's authorization server on g when it is
// configured: PAR (JSON), and the browser-facing authorization endpoint,
// upstream callback and consent page.
func (s *Server) authzRoutes(g *gin.RouterGroup) {
	if s.deps.Authz == nil {
		return
	}
	h := oid4vci.NewAuthz(s.deps.Authz, s.deps.BasePath, s.deps.IssuerName, strings.HasPrefix(s.deps.Issuance.Issuer, "https://"))
	pub := g.Group("", walletActor)
	public(pub, http.MethodPost, "/par", limitBody(limitSmall), s.protocol(h.PAR))
	pub.GET("/authorize", s.authzPage(h.Authorize))
	pub.GET("/authorize/callback", s.authzPage(h.Callback))
	pub.GET("/authorize/consent", s.authzPage(h.Consent))
	pub.POST("/authorize/consent", limitBody(limitSmall), s.csrf, s.authzPage(h.Decide))
}

// authzPage adapts a handler of the authorization endpoint's pages: an
// *authz.RedirectError sends the browser back to the wallet with the error
// (RFC 6749 §4.1.2.1), an *authz.PageError is shown to the person, and
// anything else is logged and shown as a generic problem page.
func (s *Server) authzPage(h handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		err := h(c)
		if err == nil {
			return
		}
		c.Header("Cache-Control", "no-store")
		var re *authz.RedirectError
		var pe *authz.PageError
		switch {
		case errors.As(err, &re):
			s.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "authorization error sent to the wallet",
				slog.String("request_id", requestID(c)), slog.String("error_code", re.Code))
			c.Redirect(http.StatusFound, re.Location(s.deps.Issuance.Issuer))
			c.Abort()
		case errors.As(err, &pe):
			s.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "authorization page refused",
				slog.String("request_id", requestID(c)), slog.String("error_code", pe.Code), slog.Int("status", pe.Status))
			s.renderProblem(c, pe, "")
		default:
			s.log.LogAttrs(c.Request.Context(), slog.LevelError, "authorization request failed",
				slog.String("request_id", requestID(c)), slog.String("route", c.FullPath()), slog.String("error", err.Error()))
			s.renderProblem(c, authz.ServerFailure(), requestID(c))
		}
	}
}

// renderProblem shows pe to the person, in the language of the page's
// words their browser's Accept-Language prefers, else the issuer's.
func (s *Server) renderProblem(c *gin.Context, pe *authz.PageError, requestID string) {
	fallback := "en"
	if s.deps.Authz != nil { // the issuer's language: de-CH speaks de
		fallback, _, _ = strings.Cut(strings.ToLower(s.deps.Authz.Locale), "-")
	}
	lang := credential.BestLocale(c.GetHeader("Accept-Language"), authz.ProblemLanguages, fallback)
	p := consent.ProblemProps{BasePath: s.deps.BasePath, T: consent.TextsFor(lang), ReturnURL: pe.ReturnURL, RequestID: requestID}
	p.Title, p.Message = pe.In(lang)
	var buf bytes.Buffer
	_ = consent.Problem(p).Render(c.Request.Context(), &buf)
	c.Header("Vary", "Accept-Language")
	c.Data(pe.Status, "text/html; charset=utf-8", buf.Bytes())
	c.Abort()
}
