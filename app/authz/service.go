package authz

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"credmint/app/applicants"
	"credmint/app/credential"
	"credmint/app/issuance"
)

// Catalog gives the enabled credential configurations.
type Catalog interface {
	Enabled(ctx context.Context) ([]credential.Configuration, error)
	Configuration(ctx context.Context, id string) (*credential.Configuration, error)
}

// Applicants finds the uploaded record of a person who logged in.
// *applicants.Service satisfies it.
type Applicants interface {
	Match(ctx context.Context, configurationID, field, value string) (*applicants.Applicant, error)
}

// Sealer encrypts data at rest with the master key.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// Policy holds the lifetimes and switches of the authorization server.
type Policy struct {
	// RequirePAR refuses authorization requests that were not pushed
	// (FAPI 2.0, HAIP; require_pushed_authorization_requests).
	RequirePAR bool
	// RequestURILifetime is how long a PAR request_uri is valid (60 s).
	RequestURILifetime time.Duration
	// LoginLifetime is how long the person has from the authorization
	// endpoint to the consent decision (10 min).
	LoginLifetime time.Duration
	// CodeLifetime is an authorization code's lifetime (60 s, FAPI 2.0).
	CodeLifetime time.Duration
	// AccessTokenLifetime is the lifetime of the access tokens issued.
	AccessTokenLifetime time.Duration
	// RefreshTokens turns on refresh tokens for the authorization code
	// grant (RFC 6749 §6); RefreshTokenLifetime bounds a family (24 h).
	RefreshTokens        bool
	RefreshTokenLifetime time.Duration
}

// Deps are the collaborators of a Service.
type Deps struct {
	Store   Store
	Catalog Catalog
	// Applicants matches people to uploaded records; nil means no
	// configuration's applicant_match ever finds one.
	Applicants Applicants
	Sealer     Sealer
	Clients    *Clients
	// Upstream is the provider people log in at.
	Upstream *Upstream
	// Issuer is the Credential Issuer Identifier, which is also this
	// authorization server's issuer (RFC 8414, RFC 9207).
	Issuer string
	// Locale is the issuer's language (issuer.locale), for the consent
	// page when the browser prefers none of the credentials' locales.
	Locale string
	Policy Policy
	Log    *slog.Logger
	Now    func() time.Time
	Rand   io.Reader
}

// Service is credmint's authorization server.
type Service struct {
	Deps
}

// New validates d, fills defaults and returns a Service.
func New(d Deps) (*Service, error) {
	switch {
	case d.Store == nil, d.Catalog == nil, d.Sealer == nil, d.Clients == nil, d.Upstream == nil:
		return nil, errors.New("authz: Store, Catalog, Sealer, Clients and Upstream are required")
	case d.Issuer == "":
		return nil, errors.New("authz: Issuer is required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Locale == "" {
		d.Locale = "en"
	}
	p := &d.Policy
	for _, v := range []struct {
		d   *time.Duration
		def time.Duration
	}{{&p.RequestURILifetime, time.Minute}, {&p.LoginLifetime, 10 * time.Minute}, {&p.CodeLifetime, time.Minute}, {&p.AccessTokenLifetime, 5 * time.Minute}, {&p.RefreshTokenLifetime, 24 * time.Hour}} {
		if *v.d <= 0 {
			*v.d = v.def
		}
	}
	return &Service{Deps: d}, nil
}

// Endpoint URLs under the issuer identifier.
func (s *Service) AuthorizationEndpoint() string { return s.Issuer + "/authorize" }
func (s *Service) PAREndpoint() string           { return s.Issuer + "/par" }

// CallbackURL is the redirect URI to register at the upstream provider.
func (s *Service) CallbackURL() string { return s.Issuer + "/authorize/callback" }

// ConsentURL is the consent page of a request.
func (s *Service) ConsentURL(requestID string) string {
	return s.Issuer + "/authorize/consent?request=" + requestID
}

// ServerMetadata adds the authorization endpoint's members to the
// authorization server metadata (RFC 8414 §2, RFC 9126 §5, RFC 9207 §3).
func (s *Service) ServerMetadata(m map[string]any) {
	m["authorization_endpoint"] = s.AuthorizationEndpoint()
	m["pushed_authorization_request_endpoint"] = s.PAREndpoint()
	m["require_pushed_authorization_requests"] = s.Policy.RequirePAR
	m["response_types_supported"] = []string{"code"}
	m["response_modes_supported"] = []string{"query"}
	m["code_challenge_methods_supported"] = []string{"S256"}
	m["authorization_response_iss_parameter_supported"] = true
	if gt, ok := m["grant_types_supported"].([]string); ok && s.Policy.RefreshTokens {
		m["grant_types_supported"] = append(gt, issuance.GrantRefreshToken) // RFC 8414 §2
	}
	if scopes := s.scopes(context.Background()); len(scopes) > 0 {
		m["scopes_supported"] = scopes
	}
}

// scopes are the scopes of the enabled configurations.
func (s *Service) scopes(ctx context.Context) []string {
	configs, err := s.Catalog.Enabled(ctx)
	if err != nil {
		s.Log.Warn("authz: reading configurations for scopes_supported failed", "error", err.Error())
		return nil
	}
	var out []string
	for _, c := range configs {
		if c.Scope != "" {
			out = append(out, c.Scope)
		}
	}
	return out
}

// now is the service clock in UTC, at the precision both databases store.
func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// random returns n random bytes, base64url encoded.
func (s *Service) random(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.Rand, b); err != nil {
		return "", fmt.Errorf("authz: reading randomness: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// randomID returns a prefixed random identifier.
func (s *Service) randomID(prefix string) (string, error) {
	t, err := s.random(15)
	if err != nil {
		return "", err
	}
	return prefix + t, nil
}

// hash is how the authorization server stores its secrets.
func hash(secret string) string { return issuance.SecretHash(secret) }

// s256 is the PKCE S256 transformation (RFC 7636 §4.2).
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
