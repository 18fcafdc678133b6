package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// WalletClient is a wallet registered for the authorization code flow.
type WalletClient struct {
	ClientID string `yaml:"client_id"`
	// Name is shown on the consent page.
	Name string `yaml:"name"`
	// RedirectURIs are matched exactly.
	RedirectURIs []string `yaml:"redirect_uris"`
	// Pre10 marks a wallet that speaks a pre-1.0 draft: c_nonce in its token
	// responses, the draft request and response shapes, and 400
	// issuance_pending instead of 202 while a deferred request waits (SPEC
	// §10, §20). Console-registered clients have the same flag.
	Pre10 bool `yaml:"pre_1_0"`
}

// AuthorizationConfig tunes credmint's authorization server.
type AuthorizationConfig struct {
	// RequirePAR refuses authorization requests that were not pushed to
	// /par first (FAPI 2.0, HAIP). Default true.
	RequirePAR *bool `yaml:"require_par" env:"REQUIRE_PAR"`
	// UnregisteredClients admits wallets that are not in wallet_clients.
	UnregisteredClients UnregisteredClientsConfig `yaml:"unregistered_clients" envPrefix:"UNREGISTERED_CLIENTS_"`
	// RefreshTokens makes the authorization_code grant's token response
	// carry a refresh token (RFC 6749 §6), rotated on every use. Off by
	// default; never for the pre-authorized code grant.
	RefreshTokens bool `yaml:"refresh_tokens" env:"REFRESH_TOKENS"`
	// RefreshTokenLifetime is how long after the login the wallet may keep
	// refreshing (rotation does not extend it). Default 24h.
	RefreshTokenLifetime time.Duration `yaml:"refresh_token_lifetime" env:"REFRESH_TOKEN_LIFETIME"`
}

// RefreshTokenLifetime is authorization.refresh_token_lifetime, 24h when
// unset.
func (c *Config) RefreshTokenLifetime() time.Duration {
	if c.Authorization.RefreshTokenLifetime == 0 {
		return 24 * time.Hour
	}
	return c.Authorization.RefreshTokenLifetime
}

// UnregisteredClientsConfig is the policy for unregistered public wallets.
type UnregisteredClientsConfig struct {
	Allowed bool `yaml:"allowed" env:"ALLOWED"`
	// RedirectURISchemes are the redirect URI schemes they may use.
	RedirectURISchemes []string `yaml:"redirect_uri_schemes" env:"REDIRECT_URI_SCHEMES" envSeparator:","`
}

// validateAuthz checks upstream_oidc, wallet_clients and authorization.
func (c *Config) validateAuthz() error {
	if err := c.UpstreamOIDC.validate(c.Environment); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, w := range c.WalletClients {
		field := fmt.Sprintf("wallet_clients[%d]", i)
		if strings.TrimSpace(w.ClientID) == "" {
			return &FieldError{field + ".client_id", "is required"}
		}
		if seen[w.ClientID] {
			return &FieldError{field + ".client_id", fmt.Sprintf("%q appears twice", w.ClientID)}
		}
		seen[w.ClientID] = true
		if len(w.RedirectURIs) == 0 {
			return &FieldError{field + ".redirect_uris", "must list at least one redirect URI"}
		}
		for j, raw := range w.RedirectURIs {
			if reason := redirectURIProblem(raw, c.Environment); reason != "" {
				return &FieldError{fmt.Sprintf("%s.redirect_uris[%d]", field, j), reason}
			}
		}
	}
	if d := c.Authorization.RefreshTokenLifetime; d != 0 && (d < time.Minute || d > 90*24*time.Hour) {
		return &FieldError{"authorization.refresh_token_lifetime", "must be between 1m and 2160h (90 days), such as 24h"}
	}
	u := c.Authorization.UnregisteredClients
	if u.Allowed && len(u.RedirectURISchemes) == 0 {
		return &FieldError{"authorization.unregistered_clients.redirect_uri_schemes", "must list the redirect URI schemes unregistered wallets may use (e.g. https)"}
	}
	for i, s := range u.RedirectURISchemes {
		field := fmt.Sprintf("authorization.unregistered_clients.redirect_uri_schemes[%d]", i)
		if s == "" || strings.ContainsAny(s, ":/ ") {
			return &FieldError{field, fmt.Sprintf("%q is not a URI scheme (write https, not https://)", s)}
		}
		if slices.Contains([]string{"javascript", "data", "vbscript", "file"}, strings.ToLower(s)) {
			return &FieldError{field, fmt.Sprintf("%q is not a scheme a browser may be sent to", s)}
		}
		if c.Environment == Production && strings.EqualFold(s, "http") {
			return &FieldError{field, "must not be http in production"}
		}
	}
	return nil
}

// redirectURIProblem says what is wrong with a wallet's redirect URI.
func redirectURIProblem(raw, environment string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Scheme == "":
		return fmt.Sprintf("%q is not an absolute URI", raw)
	case strings.Contains(raw, "#"):
		return "must not have a fragment (RFC 6749 §3.1.2)"
	case (u.Scheme == "http" || u.Scheme == "https") && u.Host == "":
		return fmt.Sprintf("%q has no host", raw)
	case slices.Contains([]string{"javascript", "data", "vbscript", "file"}, strings.ToLower(u.Scheme)):
		return fmt.Sprintf("%q has a scheme a browser must not be sent to", raw)
	case environment == Production && u.Scheme == "http":
		return "must not be http in production"
	}
	return ""
}

// validate checks the upstream provider, when one is configured.
func (o *UpstreamOIDCConfig) validate(environment string) error {
	if o.Issuer == "" {
		if o.ClientID != "" || o.ClientSecret != "" {
			return &FieldError{"upstream_oidc.issuer", "is required when upstream_oidc is configured"}
		}
		return nil
	}
	u, err := url.Parse(o.Issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" || u.Fragment != "" {
		return &FieldError{"upstream_oidc.issuer", fmt.Sprintf("%q is not an issuer URL (https, no query or fragment)", o.Issuer)}
	}
	if environment == Production && u.Scheme != "https" {
		return &FieldError{"upstream_oidc.issuer", "must be https in production"}
	}
	if o.ClientID == "" {
		return &FieldError{"upstream_oidc.client_id", "is required: the client credmint is registered as at the provider"}
	}
	for i, s := range o.Scopes {
		if s == "" || strings.ContainsAny(s, " \"\\") {
			return &FieldError{fmt.Sprintf("upstream_oidc.scopes[%d]", i), fmt.Sprintf("%q is not a scope", s)}
		}
	}
	return nil
}

// RequirePAR reports authorization.require_par (default true).
func (c *Config) RequirePAR() bool {
	return c.Authorization.RequirePAR == nil || *c.Authorization.RequirePAR
}
