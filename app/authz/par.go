package authz

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// requestURIPrefix starts every request_uri (RFC 9126 §2.2).
const requestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// PARResponse is the answer to a pushed authorization request (RFC 9126
// §2.2), sent with 201 and Cache-Control: no-store.
type PARResponse struct {
	RequestURI string `json:"request_uri"`
	ExpiresIn  int    `json:"expires_in"`
}

// Push serves the pushed authorization request endpoint (RFC 9126 §2):
// the form holds the authorization request parameters; they are checked as
// the authorization endpoint would, stored, and stand for a single-use,
// short-lived request_uri bound to the client. Errors are *issuance.Error
// in the token endpoint's format (§2.3).
func (s *Service) Push(ctx context.Context, form url.Values) (*PARResponse, error) {
	if form.Has("request_uri") {
		return nil, jsonError(http.StatusBadRequest, CodeInvalidRequest, "request_uri must not be sent to the pushed authorization request endpoint")
	}
	cl, perr := s.Clients.Resolve(ctx, form.Get("client_id"), form.Get("redirect_uri"))
	if perr != nil {
		code := CodeInvalidRequest
		if perr.Code == CodeInvalidClient {
			// 400, not 401: no client authentication was attempted
			// (RFC 6749 §5.2).
			code = CodeInvalidClient
		}
		return nil, jsonError(http.StatusBadRequest, code, "%s", perr.Message)
	}
	r, err := s.newRequest(ctx, cl, form.Get("redirect_uri"), form)
	var pe *paramError
	if errors.As(err, &pe) {
		return nil, jsonError(http.StatusBadRequest, pe.code, "%s", pe.description)
	} else if err != nil {
		return nil, err
	}
	uri, err := s.random(32)
	if err != nil {
		return nil, err
	}
	uri = requestURIPrefix + uri
	now := s.now()
	r.Stage, r.RequestURIHash, r.CreatedAt, r.ExpiresAt = StagePushed, hash(uri), now, now.Add(s.Policy.RequestURILifetime)
	if r.ID, err = s.randomID("azr_"); err != nil {
		return nil, err
	}
	if err := s.Store.CreateAuthRequest(ctx, r); err != nil {
		return nil, err
	}
	return &PARResponse{RequestURI: uri, ExpiresIn: int(s.Policy.RequestURILifetime.Seconds())}, nil
}
