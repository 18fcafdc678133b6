package issuance

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/go-jose/go-jose/v4"

	"credmint/app/credential"
	"credmint/app/keys"
)

// Signed metadata (OID4VCI 1.0 §12.2.3).
const (
	// MediaTypeJWT is the media type of the signed metadata.
	MediaTypeJWT = "application/jwt"
	// TypeSignedMetadata is the typ header of the signed metadata.
	TypeSignedMetadata = "openidvci-issuer-metadata+jwt"
	// signedMetadataLifetime is exp − iat of the signed metadata: as long
	// as a superseded metadata key stays published.
	signedMetadataLifetime = keys.DefaultPublicationGrace
)

// IssuerMetadata is the Credential Issuer Metadata document (OID4VCI §12.2.4).
// authorization_servers is omitted: credmint is its own authorization server.
type IssuerMetadata struct {
	CredentialIssuer         string                    `json:"credential_issuer"`
	CredentialEndpoint       string                    `json:"credential_endpoint"`
	NonceEndpoint            string                    `json:"nonce_endpoint"`
	NotificationEndpoint     string                    `json:"notification_endpoint"`
	DeferredEndpoint         string                    `json:"deferred_credential_endpoint,omitempty"`
	BatchCredentialIssuance  *BatchIssuance            `json:"batch_credential_issuance,omitempty"`
	Display                  []Display                 `json:"display,omitempty"`
	CredentialConfigurations map[string]map[string]any `json:"credential_configurations_supported"`
}

// BatchIssuance is batch_credential_issuance.
type BatchIssuance struct {
	BatchSize int `json:"batch_size"`
}

// IssuerMetadata builds the metadata from the enabled configurations.
func (s *Service) IssuerMetadata(ctx context.Context) (*IssuerMetadata, error) {
	configs, err := s.Catalog.Enabled(ctx)
	if err != nil {
		return nil, err
	}
	m := &IssuerMetadata{
		CredentialIssuer:         s.Issuer,
		CredentialEndpoint:       s.CredentialEndpoint(),
		NonceEndpoint:            s.NonceEndpoint(),
		NotificationEndpoint:     s.NotificationEndpoint(),
		Display:                  s.Display,
		CredentialConfigurations: make(map[string]map[string]any, len(configs)),
	}
	if s.Deferred != nil { // §12.2.4 deferred_credential_endpoint
		m.DeferredEndpoint = s.DeferredEndpoint()
	}
	if s.Policy.BatchSize >= 2 {
		m.BatchCredentialIssuance = &BatchIssuance{BatchSize: s.Policy.BatchSize}
	}
	for i := range configs {
		c := &configs[i]
		f, ok := s.Formats.Lookup(c.Format)
		if !ok {
			continue // Validate refused it at start; never publish what cannot be issued
		}
		e := configurationMetadata(c, f)
		s.draftMembers(c, e) // draft_twin.go
		m.CredentialConfigurations[c.ID] = e
	}
	return m, nil
}

// SignedIssuerMetadata returns the metadata as a JWT signed with the
// metadata key (OID4VCI 1.0 §12.2.3): typ openidvci-issuer-metadata+jwt,
// kid and x5c (leaf first, trust anchor excluded) in the header; every
// metadata parameter as a top-level claim, with sub (the issuer
// identifier, required), iss, iat and exp.
func (s *Service) SignedIssuerMetadata(ctx context.Context) (string, error) {
	m, err := s.IssuerMetadata(ctx)
	if err != nil {
		return "", err
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("issuance: encode metadata: %w", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		return "", fmt.Errorf("issuance: encode metadata: %w", err)
	}
	now := s.now()
	claims["sub"], claims["iss"] = s.Issuer, s.Issuer
	claims["iat"], claims["exp"] = now.Unix(), now.Add(signedMetadataLifetime).Unix()
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("issuance: encode metadata: %w", err)
	}
	signer, err := s.Signers.Active(keys.PurposeMetadata)
	if err != nil {
		return "", fmt.Errorf("issuance: signed metadata: %w", err)
	}
	return keys.SignJWT(ctx, signer, TypeSignedMetadata, "", payload)
}

// configurationMetadata is one credential_configurations_supported entry.
func configurationMetadata(c *credential.Configuration, f credential.Format) map[string]any {
	e := map[string]any{"format": c.Format}
	if c.Scope != "" {
		e["scope"] = c.Scope
	}
	if len(c.SigningAlgs) > 0 {
		e["credential_signing_alg_values_supported"] = c.SigningAlgs
	}
	if c.RequiresBinding() {
		e["cryptographic_binding_methods_supported"] = c.BindingMethods
		e["proof_types_supported"] = map[string]any{
			credential.ProofTypeJWT: map[string]any{"proof_signing_alg_values_supported": c.ProofSigningAlgs},
		}
	}
	meta := map[string]any{}
	if len(c.Display) > 0 {
		meta["display"] = c.Display
	}
	if len(c.Claims) > 0 {
		claims := make([]map[string]any, len(c.Claims))
		for i, cl := range c.Claims {
			d := map[string]any{"path": cl.Path}
			if cl.Mandatory {
				d["mandatory"] = true
			}
			if len(cl.Display) > 0 {
				d["display"] = cl.Display
			}
			claims[i] = d
		}
		meta["claims"] = claims
	}
	if len(meta) > 0 {
		e["credential_metadata"] = meta
	}
	for k, v := range f.Metadata(c) {
		e[k] = v
	}
	return e
}

// AuthorizationServerMetadata is the RFC 8414 document for credmint's own
// authorization server (OID4VCI §12.3).
func (s *Service) AuthorizationServerMetadata() map[string]any {
	m := map[string]any{
		"issuer":                                          s.Issuer,
		"token_endpoint":                                  s.TokenEndpoint(),
		"grant_types_supported":                           []string{GrantPreAuthorizedCode},
		"token_endpoint_auth_methods_supported":           []string{"none"},
		"authorization_details_types_supported":           []string{AuthDetailsType},
		"pre-authorized_grant_anonymous_access_supported": s.Policy.AnonymousPreAuthorized,
	}
	if s.CodeGrant != nil {
		m["grant_types_supported"] = []string{GrantAuthorizationCode, GrantPreAuthorizedCode}
		s.CodeGrant.ServerMetadata(m)
	}
	return m
}

// JWTVCIssuerMetadata is the SD-JWT VC issuer metadata
// (/.well-known/jwt-vc-issuer, draft-ietf-oauth-sd-jwt-vc-13 §5).
type JWTVCIssuerMetadata struct {
	Issuer string             `json:"issuer"`
	JWKS   jose.JSONWebKeySet `json:"jwks"`
}

// JWTVCIssuerMetadata returns the issuer's published signing keys.
func (s *Service) JWTVCIssuerMetadata() *JWTVCIssuerMetadata {
	return &JWTVCIssuerMetadata{Issuer: s.Issuer, JWKS: s.Signers.PublicJWKS()}
}
