package authz

import (
	"context"
	"errors"
	"net/http"
	"time"

	"credmint/app/audit"
	"credmint/app/issuance"
)

// RefreshToken is a refresh token of the authorization code flow (RFC 6749
// §1.5, §6), stored by hash. It carries the grant's authorization (client,
// configurations, credential identifiers, offer, applicant and datasets) so
// that a refreshed access token authorizes exactly what the first did. It
// is used once: every refresh rotates it (RFC 9700 §4.14.2), and all the
// tokens descended from one authorization code form its family.
type RefreshToken struct {
	ID   string
	Hash string
	// FamilyID is the id of the authorization code the family began with.
	FamilyID         string
	ClientID         string
	ConfigurationIDs []string
	// CredentialIdentifiers are the token response's credential
	// identifiers by identifier (nil without authorization_details); they
	// stay the same across refreshes.
	CredentialIdentifiers map[string]string
	OfferID               string
	ApplicantID           string
	// DatasetsSealed are the credential datasets, sealed for this token.
	DatasetsSealed []byte
	// AccessTokenID is the access token issued together with this one.
	AccessTokenID string
	CreatedAt     time.Time
	ExpiresAt     time.Time
	UsedAt        *time.Time
	RevokedAt     *time.Time
}

// RefreshStore keeps refresh tokens. Missing records are
// issuance.ErrNotFound; refused conditional changes issuance.ErrConflict.
type RefreshStore interface {
	// RefreshToken returns the refresh token whose Hash is hash.
	RefreshToken(ctx context.Context, hash string) (*RefreshToken, error)
	// RotateRefreshToken spends the refresh token whose Hash is hash with
	// one conditional update (unused, unrevoked, unexpired at now), then
	// inserts tok and next and writes ev, in one transaction;
	// issuance.ErrConflict, with nothing written, when the update is
	// refused.
	RotateRefreshToken(ctx context.Context, hash string, now time.Time, tok *issuance.AccessToken, next *RefreshToken, ev audit.Event) error
	// RevokeRefreshFamily revokes every refresh token of family familyID
	// and the access tokens issued with them, and writes ev.
	RevokeRefreshFamily(ctx context.Context, familyID string, at time.Time, ev audit.Event) error
}

// refreshAAD names what a refresh token's datasets are sealed for.
func refreshAAD(id string) string { return "refresh_token\x00" + id }

// newRefreshToken builds the refresh token issued with access token tok and
// its value, when refresh tokens are on (Policy.RefreshTokens); nil and ""
// otherwise. from is the token it replaces, nil for the first of a family
// (whose FamilyID is then familyID). A rotated token keeps its family's
// expiry: refresh_token_lifetime bounds how long one login lasts.
func (s *Service) newRefreshToken(tok *issuance.AccessToken, datasets map[string]map[string]any, familyID string, from *RefreshToken) (*RefreshToken, string, error) {
	if !s.Policy.RefreshTokens {
		return nil, "", nil
	}
	value, err := s.random(32)
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	rt := &RefreshToken{Hash: hash(value), FamilyID: familyID, ClientID: tok.ClientID, ConfigurationIDs: tok.ConfigurationIDs,
		CredentialIdentifiers: tok.CredentialIdentifiers, OfferID: tok.OfferID, ApplicantID: tok.ApplicantID,
		AccessTokenID: tok.ID, CreatedAt: now, ExpiresAt: now.Add(s.Policy.RefreshTokenLifetime)}
	if from != nil {
		rt.FamilyID, rt.ExpiresAt = from.FamilyID, from.ExpiresAt
	}
	if rt.ID, err = s.randomID("rt_"); err != nil {
		return nil, "", err
	}
	if rt.DatasetsSealed, err = s.sealDatasets(refreshAAD(rt.ID), datasets); err != nil {
		return nil, "", err
	}
	return rt, value, nil
}

// RefreshTokensEnabled reports whether the token endpoint issues and
// accepts refresh tokens.
func (s *Service) RefreshTokensEnabled() bool { return s.Policy.RefreshTokens }

// Refresh serves grant_type=refresh_token (RFC 6749 §6): a new access token
// with the same authorization as the refresh token's (the same
// configurations, datasets and credential_identifiers, OID4VCI §6.2), and a
// new refresh token in place of the presented one, which is spent by one
// conditional update. A spent or revoked refresh token presented again
// revokes its whole family (RFC 9700 §4.14.2). Refresh tokens are never
// issued for the pre-authorized code grant.
func (s *Service) Refresh(ctx context.Context, req issuance.TokenRequest) (*issuance.TokenResponse, error) {
	if !s.Policy.RefreshTokens {
		return nil, jsonError(http.StatusBadRequest, issuance.CodeUnsupportedGrantType, "refresh tokens are not enabled on this issuer")
	}
	switch {
	case req.RefreshToken == "":
		return nil, jsonError(http.StatusBadRequest, CodeInvalidRequest, "refresh_token is required")
	case req.ClientID == "":
		// A public client identifies itself (RFC 6749 §6, §3.2.1).
		return nil, jsonError(http.StatusBadRequest, CodeInvalidRequest, "client_id is required")
	}
	h := hash(req.RefreshToken)
	old, err := s.Store.RefreshToken(ctx, h)
	if errors.Is(err, issuance.ErrNotFound) {
		return nil, invalidGrant("unknown refresh token")
	} else if err != nil {
		return nil, err
	}
	switch {
	case old.ClientID != req.ClientID:
		// RFC 6749 §6: the refresh token must have been issued to the client.
		return nil, invalidGrant("the refresh token was issued to another client")
	case old.UsedAt != nil || old.RevokedAt != nil:
		return nil, s.refreshReused(ctx, old)
	case !s.now().Before(old.ExpiresAt):
		return nil, invalidGrant("the refresh token has expired")
	}
	tok, next, resp, err := s.refreshedTokens(old)
	if err != nil {
		return nil, err
	}
	now := s.now()
	ev := audit.New(ctx, now, "refresh_token.rotated", "auth_code", old.FamilyID, map[string]string{"access_token_id": tok.ID, "client_id": old.ClientID})
	err = s.Store.RotateRefreshToken(ctx, h, now, tok, next, ev)
	if errors.Is(err, issuance.ErrConflict) {
		// Lost a race with another use, or expired meanwhile.
		if again, rerr := s.Store.RefreshToken(ctx, h); rerr == nil && (again.UsedAt != nil || again.RevokedAt != nil) {
			return nil, s.refreshReused(ctx, again)
		}
		return nil, invalidGrant("the refresh token has expired")
	} else if err != nil {
		return nil, err
	}
	return resp, nil
}

// refreshedTokens builds the access token and refresh token that replace
// old, and the token response.
func (s *Service) refreshedTokens(old *RefreshToken) (*issuance.AccessToken, *RefreshToken, *issuance.TokenResponse, error) {
	datasets, err := s.openDatasets(refreshAAD(old.ID), old.DatasetsSealed)
	if err != nil {
		return nil, nil, nil, err
	}
	value, err := s.random(32)
	if err != nil {
		return nil, nil, nil, err
	}
	now := s.now()
	tok := &issuance.AccessToken{Hash: hash(value), OfferID: old.OfferID, ConfigurationIDs: old.ConfigurationIDs, ClientID: old.ClientID,
		CredentialIdentifiers: old.CredentialIdentifiers, ApplicantID: old.ApplicantID, CreatedAt: now, ExpiresAt: now.Add(s.Policy.AccessTokenLifetime)}
	if tok.ID, err = s.randomID("tok_"); err != nil {
		return nil, nil, nil, err
	}
	if tok.ClaimsSealed, err = issuance.SealDatasets(s.Sealer, tok.ID, datasets); err != nil {
		return nil, nil, nil, err
	}
	next, nextValue, err := s.newRefreshToken(tok, datasets, old.FamilyID, old)
	if err != nil {
		return nil, nil, nil, err
	}
	resp := &issuance.TokenResponse{AccessToken: value, TokenType: issuance.TokenTypeBearer,
		ExpiresIn: int(s.Policy.AccessTokenLifetime.Seconds()), RefreshToken: nextValue}
	resp.AuthorizationDetails = authorizationDetails(old.ConfigurationIDs, old.CredentialIdentifiers)
	return tok, next, resp, nil
}

// authorizationDetails lists the credential identifiers by configuration
// (OID4VCI §6.2), in the order of configIDs; nil without identifiers.
func authorizationDetails(configIDs []string, idents map[string]string) []issuance.AuthorizationDetail {
	if idents == nil {
		return nil
	}
	var out []issuance.AuthorizationDetail
	for _, id := range configIDs {
		d := issuance.AuthorizationDetail{Type: issuance.AuthDetailsType, CredentialConfigurationID: id}
		for ident, cfg := range idents {
			if cfg == id {
				d.CredentialIdentifiers = append(d.CredentialIdentifiers, ident)
			}
		}
		out = append(out, d)
	}
	return out
}

// refreshReused answers a spent or revoked refresh token presented again:
// an attacker or the legitimate client holds a stolen copy, so the whole
// family (refresh and access tokens) is revoked (RFC 9700 §4.14.2).
func (s *Service) refreshReused(ctx context.Context, rt *RefreshToken) error {
	now := s.now()
	ev := audit.New(ctx, now, "refresh_token.reused", "auth_code", rt.FamilyID, map[string]string{"client_id": rt.ClientID})
	if err := s.Store.RevokeRefreshFamily(ctx, rt.FamilyID, now, ev); err != nil {
		return err
	}
	s.Log.Warn("refresh token used twice: its family is revoked", "family_id", rt.FamilyID)
	return invalidGrant("the refresh token was already used or revoked")
}
