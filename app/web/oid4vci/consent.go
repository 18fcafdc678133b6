package oid4vci

import (
	"bytes"
	"net/http"

	"github.com/gin-gonic/gin"

	"credmint/app/authz"
	"credmint/views/consent"
)

// Consent serves the consent page: which credential, which claims with
// their values, which wallet, in the display locale of the credentials the
// browser's Accept-Language prefers (the page's own words in English,
// German or French). Its form may only be posted back here, and the
// decision's redirect may only go to the wallet (CSP form-action).
func (h *AuthzHandlers) Consent(c *gin.Context) error {
	v, err := h.az.Consent(c.Request.Context(), c.Query("request"), h.browser(c), c.GetHeader("Accept-Language"))
	if err != nil {
		return err
	}
	p := consent.Props{BasePath: h.basePath, T: consent.TextsFor(v.Locale), Locale: v.Locale, Action: h.basePath + "/authorize/consent",
		RequestID: v.RequestID, ClientName: v.ClientName, ClientRegistered: v.ClientRegistered, IssuerName: h.issuerName}
	for _, cr := range v.Credentials {
		pc := consent.Credential{Name: cr.Name}
		for _, cl := range cr.Claims {
			pc.Claims = append(pc.Claims, consent.Claim{Label: cl.Label, Value: cl.Value, Bool: cl.Bool})
		}
		p.Credentials = append(p.Credentials, pc)
	}
	var buf bytes.Buffer
	if err := consent.Page(p).Render(c.Request.Context(), &buf); err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Vary", "Accept-Language")
	c.Header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self' "+v.RedirectOrigin)
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
	return nil
}

// decisionForm is the consent page's form.
type decisionForm struct {
	Request  string `form:"request"`
	Decision string `form:"decision"`
}

// Decide serves the consent page's form: Approve sends the browser to the
// wallet with a code, Cancel with access_denied.
func (h *AuthzHandlers) Decide(c *gin.Context) error {
	var f decisionForm
	if err := c.ShouldBind(&f); err != nil || (f.Decision != "approve" && f.Decision != "cancel") {
		return authz.NewPageError(http.StatusBadRequest, authz.CodeInvalidRequest, authz.ProblemNoDecision)
	}
	next, err := h.az.Decide(c.Request.Context(), f.Request, f.Decision == "approve", h.browser(c))
	if err != nil {
		return err
	}
	http.SetCookie(c.Writer, h.cookie(authz.BrowserCookie(f.Request), "", -1))
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusSeeOther, next)
	return nil
}
