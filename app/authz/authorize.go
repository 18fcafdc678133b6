package authz

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"credmint/app/issuance"
)

// LoginRedirect is the authorization endpoint's answer: send the browser
// to the upstream provider, bound to this browser by a cookie.
type LoginRedirect struct {
	// URL is the upstream provider's authorization URL.
	URL       string
	RequestID string
	// BrowserSecret goes into the cookie BrowserCookie(RequestID); the
	// callback and the consent page require it, so that nobody can finish
	// a login someone else's browser started.
	BrowserSecret string
	MaxAge        time.Duration
}

// BrowserCookie is the name of the cookie binding request id to a browser.
func BrowserCookie(requestID string) string { return "credmint_authz_" + requestID }

// Authorize serves the authorization endpoint (RFC 6749 §4.1.1, OID4VCI
// §5.1): a pushed request (client_id and request_uri, RFC 9126 §4) or, when
// PAR is not required, the parameters themselves. Errors are *PageError
// while the client or redirect URI is not trusted, *RedirectError after.
func (s *Service) Authorize(ctx context.Context, q url.Values) (*LoginRedirect, error) {
	var r *Request
	var err error
	if q.Has("request_uri") {
		r, err = s.pushedRequest(ctx, q)
	} else {
		r, err = s.directRequest(ctx, q)
	}
	if err != nil {
		return nil, err
	}
	fail := func(code, desc string) error {
		return &RedirectError{Code: code, Description: desc, RedirectURI: r.RedirectURI, State: r.State}
	}
	p, err := s.Upstream.Provider(ctx)
	if err != nil {
		s.Log.Warn("authorization refused: upstream identity provider unavailable", "client_id", r.ClientID)
		return nil, fail(CodeTemporarilyUnavailable, "the identity provider is not reachable at the moment; try again in a minute")
	}
	secrets, login, err := s.newLogin(r.ID)
	if err != nil {
		return nil, s.internal(r, err)
	}
	now := s.now()
	if r.Stage == StagePushed {
		err = s.Store.StartLogin(ctx, r.ID, login, now)
		if errors.Is(err, issuance.ErrConflict) {
			return nil, fail(CodeInvalidRequestURI, "request_uri was already used or has expired")
		}
	} else {
		r.Stage, r.CreatedAt = StageLogin, now
		r.UpstreamStateHash, r.NonceHash, r.VerifierSealed, r.BrowserHash, r.ExpiresAt = login.UpstreamStateHash, login.NonceHash, login.VerifierSealed, login.BrowserHash, login.ExpiresAt
		err = s.Store.CreateAuthRequest(ctx, r)
	}
	if err != nil {
		return nil, s.internal(r, err)
	}
	return &LoginRedirect{URL: s.Upstream.AuthURL(p, secrets.state, secrets.nonce, secrets.verifier), RequestID: r.ID,
		BrowserSecret: secrets.browser, MaxAge: s.Policy.LoginLifetime}, nil
}

// pushedRequest resolves request_uri (RFC 9126 §4): the parameters are the
// pushed ones only; the request_uri must belong to client_id, be unused and
// unexpired.
func (s *Service) pushedRequest(ctx context.Context, q url.Values) (*Request, error) {
	unknown := NewPageError(http.StatusBadRequest, CodeInvalidRequestURI, ProblemRequestNotFound)
	if err := singleValued(q); err != nil || q.Get("client_id") == "" {
		return nil, unknown
	}
	r, err := s.Store.AuthRequestByURI(ctx, hash(q.Get("request_uri")))
	if errors.Is(err, issuance.ErrNotFound) {
		return nil, unknown
	} else if err != nil {
		return nil, err
	}
	if r.ClientID != q.Get("client_id") || s.Clients.Lookup(ctx, r.ClientID, r.RedirectURI) == nil {
		return nil, unknown
	}
	if r.Stage != StagePushed || !s.now().Before(r.ExpiresAt) {
		return nil, &RedirectError{Code: CodeInvalidRequestURI, Description: "request_uri was already used or has expired", RedirectURI: r.RedirectURI, State: r.State}
	}
	return r, nil
}

// directRequest checks an authorization request that was not pushed.
func (s *Service) directRequest(ctx context.Context, q url.Values) (*Request, error) {
	if len(q["client_id"]) > 1 || len(q["redirect_uri"]) > 1 {
		return nil, NewPageError(http.StatusBadRequest, CodeInvalidRequest, ProblemRepeatedParameter)
	}
	cl, perr := s.Clients.Resolve(ctx, q.Get("client_id"), q.Get("redirect_uri"))
	if perr != nil {
		return nil, perr
	}
	fail := func(code, desc string) error {
		return &RedirectError{Code: code, Description: desc, RedirectURI: q.Get("redirect_uri"), State: q.Get("state")}
	}
	if s.Policy.RequirePAR {
		return nil, fail(CodeInvalidRequest, "pushed authorization requests are required: send the request to "+s.PAREndpoint()+" first")
	}
	r, err := s.newRequest(ctx, cl, q.Get("redirect_uri"), q)
	var pe *paramError
	if errors.As(err, &pe) {
		return nil, fail(pe.code, pe.description)
	} else if err != nil {
		return nil, err
	}
	if r.ID, err = s.randomID("azr_"); err != nil {
		return nil, err
	}
	return r, nil
}

type loginSecrets struct {
	state, nonce, verifier, browser string
}

// newLogin draws the upstream state, nonce and PKCE verifier and the
// browser binding of request id, and returns them with what is stored:
// hashes, and the verifier sealed (it must be sent to the provider later).
func (s *Service) newLogin(id string) (*loginSecrets, Login, error) {
	var sec loginSecrets
	for _, v := range []*string{&sec.state, &sec.nonce, &sec.verifier, &sec.browser} {
		var err error
		if *v, err = s.random(32); err != nil {
			return nil, Login{}, err
		}
	}
	sealed, err := s.Sealer.Seal([]byte(sec.verifier), verifierAAD(id))
	if err != nil {
		return nil, Login{}, err
	}
	return &sec, Login{UpstreamStateHash: hash(sec.state), NonceHash: hash(sec.nonce), VerifierSealed: sealed,
		BrowserHash: hash(sec.browser), ExpiresAt: s.now().Add(s.Policy.LoginLifetime)}, nil
}

func verifierAAD(requestID string) []byte { return []byte("authz upstream verifier\x00" + requestID) }
