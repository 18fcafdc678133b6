package authz

import (
	"fmt"
	"net/http"
	"net/url"

	"credmint/app/issuance"
)

// Error codes of the authorization endpoint (RFC 6749 §4.1.2.1, RFC 9396
// §5, RFC 9126 §4) and of PAR and the token endpoint (RFC 6749 §5.2).
const (
	CodeInvalidRequest              = "invalid_request"
	CodeUnauthorizedClient          = "unauthorized_client"
	CodeAccessDenied                = "access_denied"
	CodeUnsupportedResponseType     = "unsupported_response_type"
	CodeInvalidScope                = "invalid_scope"
	CodeServerError                 = "server_error"
	CodeTemporarilyUnavailable      = "temporarily_unavailable"
	CodeInvalidAuthorizationDetails = "invalid_authorization_details"
	CodeInvalidRequestURI           = "invalid_request_uri"
	CodeInvalidClient               = "invalid_client"
	CodeInvalidGrant                = "invalid_grant"
)

// RedirectError is an authorization error response sent to the wallet's
// redirect URI (RFC 6749 §4.1.2.1) with iss (RFC 9207 §2). It is only made
// once the client and the redirect URI are trusted.
type RedirectError struct {
	Code        string
	Description string
	RedirectURI string
	State       string
}

func (e *RedirectError) Error() string { return "authorization error " + e.Code + ": " + e.Description }

// Location is the URL the browser is sent to.
func (e *RedirectError) Location(issuer string) string {
	q := url.Values{"error": {e.Code}, "iss": {issuer}}
	if e.Description != "" {
		q.Set("error_description", issuance.SafeDescription(e.Description))
	}
	if e.State != "" {
		q.Set("state", e.State)
	}
	return addQuery(e.RedirectURI, q)
}

// PageError is shown to the person in the browser, never redirected: the
// client or its redirect URI is not trusted, or the step cannot go on.
// ReturnURL, when set, leads back to the wallet with the matching error
// response (for refusals after the login).
type PageError struct {
	Status int
	// Code is the OAuth error the situation corresponds to, for logs.
	Code string
	// Problem and Args word the page in the person's language (In); Title
	// and Message are its English words.
	Problem        Problem
	Args           []any
	Title, Message string
	ReturnURL      string
}

func (e *PageError) Error() string { return "authorization page " + e.Code + ": " + e.Title }

// paramError is a bad authorization request parameter; PAR answers it as
// JSON, the authorization endpoint at the redirect URI.
type paramError struct {
	code, description string
}

func (e *paramError) Error() string { return e.code + ": " + e.description }

func badParam(code, format string, args ...any) *paramError {
	return &paramError{code: code, description: fmt.Sprintf(format, args...)}
}

// jsonError is an error of PAR or the token endpoint, written as
// {error, error_description} with Cache-Control: no-store.
func jsonError(status int, code, format string, args ...any) *issuance.Error {
	return &issuance.Error{Code: code, Description: fmt.Sprintf(format, args...), Status: status}
}

func invalidGrant(format string, args ...any) *issuance.Error {
	return jsonError(http.StatusBadRequest, CodeInvalidGrant, format, args...)
}

// addQuery appends q to the query of raw (a redirect URI may carry its own,
// RFC 6749 §3.1.2).
func addQuery(raw string, q url.Values) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	existing := u.Query()
	for k, vs := range q {
		existing[k] = vs
	}
	u.RawQuery = existing.Encode()
	return u.String()
}

// internal answers an unexpected failure of a trusted request with
// server_error at its redirect URI (RFC 6749 §4.1.2.1); the cause is
// logged, never sent.
func (s *Service) internal(r *Request, cause error) error {
	s.Log.Error("authorization request failed", "request_id", r.ID, "error", cause.Error())
	return &RedirectError{Code: CodeServerError, Description: "the issuer could not complete the request", RedirectURI: r.RedirectURI, State: r.State}
}
