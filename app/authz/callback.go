package authz

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"credmint/app/audit"
	"credmint/app/issuance"
)

// Browser gives the browser binding secret of a request: the value of the
// cookie BrowserCookie(requestID), "" when the browser has none.
type Browser func(requestID string) string

// Callback serves the upstream provider's redirect back to credmint
// ({public_url}/authorize/callback, OpenID Connect Core §3.1.2.5). It
// finds the request by the hash of state, checks the browser binding,
// redeems the provider's code with the PKCE verifier, verifies the ID token
// and its nonce, maps the person's claims to the requested credentials'
// datasets and returns the consent page's URL. Errors are *PageError, or
// *RedirectError (access_denied) once the request is known.
func (s *Service) Callback(ctx context.Context, q url.Values, browser Browser) (string, error) {
	r, err := s.loginRequest(ctx, q.Get("state"), browser)
	if err != nil {
		return "", err
	}
	deny := func(reason, desc string) error {
		if err := s.close(ctx, r, StageLogin, nil, "authorization.denied", reason); err != nil {
			return err
		}
		return &RedirectError{Code: CodeAccessDenied, Description: desc, RedirectURI: r.RedirectURI, State: r.State}
	}
	// RFC 9207 §2.4: a response from another provider is a mix-up.
	if iss := q.Get("iss"); iss != "" && iss != s.Upstream.Issuer() {
		s.Log.Warn("upstream login refused: iss of the response is not the provider's", "request_id", r.ID)
		return "", deny("upstream_iss_mismatch", "the login response came from an unexpected identity provider")
	}
	if q.Get("error") != "" || q.Get("code") == "" {
		s.Log.Info("upstream login ended without a code", "request_id", r.ID, "upstream_error", safeCode(q.Get("error")))
		return "", deny("upstream_error", "the login at the identity provider was cancelled or failed")
	}
	id, err := s.upstreamLogin(ctx, r, q.Get("code"))
	if err != nil {
		// The cause is logged, never shown: it may quote the provider.
		s.Log.Warn("upstream login could not be verified", "request_id", r.ID, "error", err.Error())
		return "", deny("upstream_unverified", "the login at the identity provider could not be verified")
	}
	datasets, applicantID, perr := s.datasets(ctx, r, id)
	if perr != nil {
		if err := s.close(ctx, r, StageLogin, nil, "authorization.denied", perr.Code); err != nil {
			return "", err
		}
		perr.ReturnURL = (&RedirectError{Code: perr.Code, Description: perr.Title, RedirectURI: r.RedirectURI, State: r.State}).Location(s.Issuer)
		return "", perr
	}
	sealed, err := s.sealDatasets(r.ID, datasets)
	if err != nil {
		return "", s.internal(r, err)
	}
	err = s.Store.FinishLogin(ctx, r.ID, sealed, applicantID, s.now())
	if errors.Is(err, issuance.ErrConflict) {
		return "", expiredLogin()
	} else if err != nil {
		return "", s.internal(r, err)
	}
	return s.ConsentURL(r.ID), nil
}

// loginRequest finds the request waiting for the upstream login with state
// and checks that this browser started it.
func (s *Service) loginRequest(ctx context.Context, state string, browser Browser) (*Request, error) {
	if state == "" {
		return nil, expiredLogin()
	}
	r, err := s.Store.AuthRequestByState(ctx, hash(state))
	if errors.Is(err, issuance.ErrNotFound) {
		return nil, expiredLogin()
	} else if err != nil {
		return nil, err
	}
	if r.Stage != StageLogin || !s.now().Before(r.ExpiresAt) {
		return nil, expiredLogin()
	}
	if err := s.checkBrowser(r, browser); err != nil {
		return nil, err
	}
	return r, nil
}

// checkBrowser compares the browser's binding cookie with the request's.
func (s *Service) checkBrowser(r *Request, browser Browser) error {
	got := hash(browser(r.ID))
	if r.BrowserHash == "" || subtle.ConstantTimeCompare([]byte(got), []byte(r.BrowserHash)) != 1 {
		s.Log.Warn("authorization step refused: not the browser that started it", "request_id", r.ID)
		return NewPageError(http.StatusForbidden, CodeAccessDenied, ProblemOtherBrowser)
	}
	return nil
}

func expiredLogin() *PageError {
	return NewPageError(http.StatusBadRequest, CodeInvalidRequest, ProblemLoginExpired)
}

// upstreamLogin redeems the provider's code and verifies the ID token,
// comparing its nonce with the request's.
func (s *Service) upstreamLogin(ctx context.Context, r *Request, code string) (*Identity, error) {
	verifier, err := s.Sealer.Open(r.VerifierSealed, verifierAAD(r.ID))
	if err != nil {
		return nil, err
	}
	p, err := s.Upstream.Provider(ctx)
	if err != nil {
		return nil, err
	}
	checkNonce := func(nonce string) bool {
		return nonce != "" && subtle.ConstantTimeCompare([]byte(hash(nonce)), []byte(r.NonceHash)) == 1
	}
	return s.Upstream.Exchange(ctx, p, code, string(verifier), checkNonce)
}

// close moves r from stage from to done, with code when issued, and writes
// the audit event action.
func (s *Service) close(ctx context.Context, r *Request, from Stage, code *Code, action, reason string) error {
	details := map[string]string{"client_id": r.ClientID, "credential_configuration_ids": strings.Join(r.ConfigurationIDs, " ")}
	if reason != "" {
		details["reason"] = reason
	}
	if r.OfferID != "" {
		details["offer_id"] = r.OfferID
	}
	if r.ApplicantID != "" {
		details["applicant_id"] = r.ApplicantID
	}
	now := s.now()
	err := s.Store.CloseAuthRequest(ctx, r.ID, []Stage{from}, now, code, audit.New(ctx, now, action, "auth_request", r.ID, details))
	if errors.Is(err, issuance.ErrConflict) {
		return expiredLogin()
	} else if err != nil {
		return s.internal(r, err)
	}
	return nil
}

// safeCode keeps an upstream error code loggable: a short token only.
func safeCode(s string) string {
	if len(s) > 40 || strings.ContainsFunc(s, func(r rune) bool { return !(r == '_' || r >= 'a' && r <= 'z') }) {
		return "other"
	}
	return s
}
