package authz

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"regexp"

	"credmint/app/audit"
	"credmint/app/issuance"
)

// pkceVerifier is a code_verifier: 43 to 128 unreserved characters
// (RFC 7636 §4.1).
var pkceVerifier = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// ExchangeCode serves the token endpoint's authorization_code grant
// (RFC 6749 §4.1.3, OID4VCI §6): the code must be known, unexpired and
// unused, issued to client_id for redirect_uri, and code_verifier must
// match its PKCE challenge (RFC 7636 §4.6). The code is spent by one
// conditional update together with the token's insertion; a second use
// fails and revokes the token the first use got (RFC 6749 §4.1.2).
func (s *Service) ExchangeCode(ctx context.Context, req issuance.TokenRequest) (*issuance.TokenResponse, error) {
	switch {
	case req.Code == "":
		return nil, jsonError(http.StatusBadRequest, CodeInvalidRequest, "code is required")
	case req.CodeVerifier == "":
		return nil, jsonError(http.StatusBadRequest, CodeInvalidRequest, "code_verifier is required (PKCE)")
	case req.ClientID == "":
		// A public client identifies itself (RFC 6749 §4.1.3).
		return nil, jsonError(http.StatusBadRequest, CodeInvalidRequest, "client_id is required")
	case req.RedirectURI == "":
		return nil, jsonError(http.StatusBadRequest, CodeInvalidRequest, "redirect_uri is required: it was part of the authorization request")
	}
	h := hash(req.Code)
	c, err := s.Store.AuthCode(ctx, h)
	if errors.Is(err, issuance.ErrNotFound) {
		return nil, invalidGrant("unknown authorization code")
	} else if err != nil {
		return nil, err
	}
	if c.UsedAt != nil {
		return nil, s.reused(ctx, c)
	}
	switch {
	case c.ClientID != req.ClientID:
		return nil, invalidGrant("the authorization code was issued to another client")
	case c.RedirectURI != req.RedirectURI:
		return nil, invalidGrant("redirect_uri differs from the authorization request's")
	case !pkceVerifier.MatchString(req.CodeVerifier) || !pkceMatches(req.CodeVerifier, c.CodeChallenge):
		return nil, invalidGrant("code_verifier does not match the code_challenge")
	case !s.now().Before(c.ExpiresAt):
		return nil, invalidGrant("the authorization code has expired")
	}
	tok, rt, resp, err := s.newToken(c)
	if err != nil {
		return nil, err
	}
	now := s.now()
	ev := audit.New(ctx, now, "authorization_code.redeemed", "auth_request", c.RequestID, map[string]string{"access_token_id": tok.ID, "client_id": c.ClientID})
	err = s.Store.RedeemAuthCode(ctx, h, now, tok, rt, ev)
	if errors.Is(err, issuance.ErrConflict) {
		// Lost a race, expired meanwhile, or the offer is gone: read again.
		if c, rerr := s.Store.AuthCode(ctx, h); rerr == nil && c.UsedAt != nil {
			return nil, s.reused(ctx, c)
		}
		return nil, invalidGrant("the authorization code has expired, or its credential offer is no longer valid")
	} else if err != nil {
		return nil, err
	}
	return resp, nil
}

// reused answers a second use of code c: it revokes the token of the first
// use (RFC 6749 §4.1.2, RFC 9700 §4.5) and refuses.
func (s *Service) reused(ctx context.Context, c *Code) error {
	now := s.now()
	ev := audit.New(ctx, now, "authorization_code.reused", "auth_request", c.RequestID, map[string]string{"access_token_id": c.AccessTokenID, "client_id": c.ClientID})
	if err := s.Store.RevokeAuthCodeTokens(ctx, c.Hash, now, ev); err != nil {
		return err
	}
	s.Log.Warn("authorization code used twice: its access token is revoked", "request_id", c.RequestID)
	return invalidGrant("the authorization code was already used")
}

// pkceMatches compares BASE64URL(SHA256(verifier)) with the challenge.
func pkceMatches(verifier, challenge string) bool {
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// newToken builds the access token of code c and the token response: the
// datasets move from the code (sealed for its request) into the token
// (sealed for the token); RAR requests get credential_identifiers
// (OID4VCI §6.2); with refresh tokens on, the response carries the first
// refresh token of the code's family (RFC 6749 §5.1).
func (s *Service) newToken(c *Code) (*issuance.AccessToken, *RefreshToken, *issuance.TokenResponse, error) {
	value, err := s.random(32)
	if err != nil {
		return nil, nil, nil, err
	}
	now := s.now()
	tok := &issuance.AccessToken{Hash: hash(value), OfferID: c.OfferID, ConfigurationIDs: c.ConfigurationIDs, ClientID: c.ClientID,
		ApplicantID: c.ApplicantID, CreatedAt: now, ExpiresAt: now.Add(s.Policy.AccessTokenLifetime)}
	if tok.ID, err = s.randomID("tok_"); err != nil {
		return nil, nil, nil, err
	}
	datasets, err := s.openDatasets(c.RequestID, c.DatasetsSealed)
	if err != nil {
		return nil, nil, nil, err
	}
	if tok.ClaimsSealed, err = issuance.SealDatasets(s.Sealer, tok.ID, datasets); err != nil {
		return nil, nil, nil, err
	}
	resp := &issuance.TokenResponse{AccessToken: value, TokenType: issuance.TokenTypeBearer, ExpiresIn: int(s.Policy.AccessTokenLifetime.Seconds())}
	if c.AuthorizationDetails {
		tok.CredentialIdentifiers = map[string]string{}
		for _, id := range c.ConfigurationIDs {
			ident := credentialIdentifier(c.ID, id)
			tok.CredentialIdentifiers[ident] = id
			resp.AuthorizationDetails = append(resp.AuthorizationDetails, issuance.AuthorizationDetail{
				Type: issuance.AuthDetailsType, CredentialConfigurationID: id, CredentialIdentifiers: []string{ident}})
		}
	}
	rt, rtValue, err := s.newRefreshToken(tok, datasets, c.ID, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	resp.RefreshToken = rtValue
	return tok, rt, resp, nil
}

// credentialIdentifier names the one dataset of a grant for a
// configuration, stable for the grant.
func credentialIdentifier(grantID, configID string) string {
	sum := sha256.Sum256([]byte(grantID + "\x00" + configID))
	return configID + "." + base64.RawURLEncoding.EncodeToString(sum[:9])
}
