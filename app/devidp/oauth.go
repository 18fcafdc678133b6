package devidp

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"

	views "credmint/views/devidp"
)

// OAuth 2.0 error codes (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1; OpenID
// Connect Core §3.1.2.6).
const (
	errInvalidRequest          = "invalid_request"
	errInvalidClient           = "invalid_client"
	errInvalidGrant            = "invalid_grant"
	errUnsupportedGrantType    = "unsupported_grant_type"
	errUnsupportedResponseType = "unsupported_response_type"
	errInvalidScope            = "invalid_scope"
	errAccessDenied            = "access_denied"
	errLoginRequired           = "login_required"
	errInvalidToken            = "invalid_token"
)

// oauthError is an error in the protocol's vocabulary.
type oauthError struct {
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
	status      int
}

func (e *oauthError) Error() string { return e.Code + ": " + e.Description }

func failure(status int, code, format string, args ...any) *oauthError {
	return &oauthError{Code: code, Description: fmt.Sprintf(format, args...), status: status}
}

// writeJSON answers v as JSON. Token and UserInfo responses carry secrets or
// personal data: Cache-Control: no-store (RFC 6749 §5.1).
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers e as {error, error_description} with its status.
func writeError(w http.ResponseWriter, e *oauthError) {
	writeJSON(w, e.status, e)
}

// styleHash allows the pages' inline stylesheet and nothing else.
var styleHash = func() string {
	sum := sha256.Sum256([]byte(views.Style))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

// render writes an HTML page. formTargets are the origins the page's form
// may post to and be redirected to (browsers apply form-action to the
// redirect after a form post).
func (p *Provider) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component, formTargets ...string) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		http.Error(w, "devidp: rendering failed", http.StatusInternalServerError)
		return
	}
	formAction := "'none'"
	if len(formTargets) > 0 {
		formAction = "'self' " + strings.Join(formTargets, " ")
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src "+styleHash+"; form-action "+formAction+"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorPage is for errors that must not go back to the client: an unknown
// client or redirect URI (RFC 6749 §4.1.2.1), an expired sign-in.
func (p *Provider) errorPage(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	p.render(w, r, status, views.Error(views.ErrorProps{Title: title, Message: msg}))
}

// redirect sends the browser back to the client's redirect URI with params
// and iss (RFC 9207 §2).
func (p *Provider) redirect(w http.ResponseWriter, r *http.Request, redirectURI string, params url.Values) {
	u, err := url.Parse(redirectURI)
	if err != nil { // registered URIs were checked by New
		p.errorPage(w, r, http.StatusInternalServerError, "Bad redirect URI", "The registered redirect URI cannot be parsed.")
		return
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	q.Set("iss", p.issuer)
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// redirectError returns an authorization error to a trusted redirect URI
// (RFC 6749 §4.1.2.1), with the client's state.
func (p *Provider) redirectError(w http.ResponseWriter, r *http.Request, redirectURI, state string, e *oauthError) {
	params := url.Values{"error": {e.Code}, "error_description": {e.Description}}
	if state != "" {
		params.Set("state", state)
	}
	p.redirect(w, r, redirectURI, params)
}

// random returns n random bytes from the injected source, base64url encoded.
func (p *Provider) random(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(p.rand, b); err != nil {
		return "", fmt.Errorf("devidp: reading randomness: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// hash is how handles, codes and tokens are kept: they are 256-bit random,
// so plain SHA-256 suffices.
func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
