package oid4vci

import (
	"errors"
	"mime"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"credmint/app/issuance"
)

// Token serves the token endpoint (RFC 6749 §3.2, OID4VCI §6).
func (h *Handlers) Token(c *gin.Context) error {
	form, err := readForm(c.Request)
	if err != nil {
		return err
	}
	req := issuance.TokenRequest{
		GrantType:            form.Get("grant_type"),
		PreAuthorizedCode:    form.Get("pre-authorized_code"),
		ClientID:             form.Get("client_id"),
		AuthorizationDetails: form.Get("authorization_details"),
		Code:                 form.Get("code"),
		CodeVerifier:         form.Get("code_verifier"),
		RedirectURI:          form.Get("redirect_uri"),
		RefreshToken:         form.Get("refresh_token"),
	}
	if form.Has("tx_code") {
		v := form.Get("tx_code")
		req.TxCode = &v
	}
	resp, err := h.svc.Token(c.Request.Context(), req)
	if err != nil {
		return err
	}
	c.Header("Pragma", "no-cache")
	noStore(c, http.StatusOK, resp)
	return nil
}

// readForm parses an application/x-www-form-urlencoded body. RFC 6749 §3.2
// forbids repeated parameters.
func readForm(r *http.Request) (url.Values, error) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, badBody(issuance.CodeInvalidRequest, errors.New("the body must be application/x-www-form-urlencoded"))
	}
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, mbe
		}
		return nil, badBody(issuance.CodeInvalidRequest, errors.New("the body is not a valid form"))
	}
	for k, v := range r.PostForm {
		if len(v) > 1 {
			return nil, badBody(issuance.CodeInvalidRequest, errors.New("parameter "+k+" appears more than once"))
		}
	}
	return r.PostForm, nil
}
