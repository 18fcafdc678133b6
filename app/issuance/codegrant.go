package issuance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// CodeGrant is the authorization code grant, served by credmint's own
// authorization server (app/authz). The issuance core only routes to it and
// publishes its metadata.
type CodeGrant interface {
	// ExchangeCode serves grant_type=authorization_code (RFC 6749 §4.1.3,
	// OID4VCI §6.1).
	ExchangeCode(ctx context.Context, req TokenRequest) (*TokenResponse, error)
	// Refresh serves grant_type=refresh_token (RFC 6749 §6);
	// unsupported_grant_type when refresh tokens are off.
	Refresh(ctx context.Context, req TokenRequest) (*TokenResponse, error)
	// ServerMetadata adds the authorization endpoint's members to the
	// authorization server metadata (RFC 8414 §2).
	ServerMetadata(m map[string]any)
}

// SecretHash is how credmint stores high-entropy secrets (codes, tokens,
// request URIs, issuer_state): hex SHA-256.
func SecretHash(secret string) string { return hashSecret(secret) }

// IssuerState derives the issuer_state of an authorization_code offer from
// the offer's handle, as the pre-authorized code is derived for the other
// grant: fetching the offer twice gives the same value, only its hash is
// stored (as the offer's CodeHash).
func IssuerState(handle string) string {
	sum := sha256.Sum256([]byte("credmint issuer_state v1\x00" + handle))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// datasetsAAD binds sealed datasets to the access token that carries them.
func datasetsAAD(tokenID string) []byte { return []byte("access_token datasets\x00" + tokenID) }

// SealDatasets seals the credential datasets of an access token (by
// configuration id) for AccessToken.ClaimsSealed.
func SealDatasets(sealer Sealer, tokenID string, datasets map[string]map[string]any) ([]byte, error) {
	raw, err := json.Marshal(datasets)
	if err != nil {
		return nil, fmt.Errorf("issuance: encoding datasets: %w", err)
	}
	b, err := sealer.Seal(raw, datasetsAAD(tokenID))
	if err != nil {
		return nil, fmt.Errorf("issuance: sealing datasets: %w", err)
	}
	return b, nil
}

// tokenOffer is the offer behind tok, nil for a token of the
// authorization code flow without one. A revoked offer ends its tokens.
func (s *Service) tokenOffer(ctx context.Context, tok *AccessToken) (*Offer, error) {
	if tok.OfferID == "" {
		return nil, nil
	}
	o, err := s.Store.Offer(ctx, tok.OfferID)
	if err != nil {
		return nil, err
	}
	if o.State == OfferRevoked {
		return nil, invalidToken("the offer behind this access token was revoked")
	}
	return o, nil
}

// tokenClaims is the credential dataset tok issues for configuration
// configID: the datasets sealed in the token (authorization code flow),
// else the claims of its offer o (tokenOffer).
func (s *Service) tokenClaims(tok *AccessToken, o *Offer, configID string) (map[string]any, error) {
	if o != nil && len(tok.ClaimsSealed) == 0 {
		return s.offerClaims(o)
	}
	if len(tok.ClaimsSealed) == 0 {
		return nil, fmt.Errorf("issuance: access token %s has neither an offer nor datasets", tok.ID)
	}
	raw, err := s.Sealer.Open(tok.ClaimsSealed, datasetsAAD(tok.ID))
	if err != nil {
		return nil, fmt.Errorf("issuance: opening datasets of token %s: %w", tok.ID, err)
	}
	var datasets map[string]map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&datasets); err != nil {
		return nil, fmt.Errorf("issuance: decoding datasets of token %s: %w", tok.ID, err)
	}
	claims, ok := datasets[configID]
	if !ok { // a draft twin issues its base's dataset (draft_twin.go)
		claims, ok = datasets[twinBase(configID)]
	}
	if !ok {
		return nil, fmt.Errorf("issuance: access token %s has no dataset for %s", tok.ID, configID)
	}
	return claims, nil
}
