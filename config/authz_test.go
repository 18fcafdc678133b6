package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"credmint/app/credential"
)

func TestAuthzConfigFromFileAndEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credmint.yaml")
	yaml := `
upstream_oidc:
  issuer: https://login.example.org/realms/staff
  client_id: credmint
  scopes: [openid, email]
wallet_clients:
  - client_id: wallet.example
    name: Example Wallet
    redirect_uris: [https://wallet.example/cb, eudi-openid4vci://cb]
authorization:
  unregistered_clients:
    allowed: true
    redirect_uri_schemes: [https]
credential_configurations:
  - id: staff_badge
    format: dc+sd-jwt
    vct: urn:x:staff_badge
    claims: [{path: [given_name]}, {path: [birthdate]}]
    upstream_claims:
      - {claim: given_name, from: given_name}
      - {claim: birthdate, from: birthdate, transform: date}
    applicant_match: {by: email, upstream_claim: email, data: fill_gaps}
    no_match: review
`
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CREDMINT_UPSTREAM_OIDC_CLIENT_SECRET", "s3cret")
	t.Setenv("CREDMINT_UPSTREAM_OIDC_USERINFO", "true")
	t.Setenv("CREDMINT_AUTHORIZATION_REQUIRE_PAR", "false")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.UpstreamOIDC.ClientSecret != "s3cret" || !c.UpstreamOIDC.UserInfo || !slices.Equal(c.UpstreamOIDC.Scopes, []string{"openid", "email"}) {
		t.Errorf("upstream_oidc: got %+v", c.UpstreamOIDC)
	}
	if c.RequirePAR() || len(c.WalletClients) != 1 || len(c.WalletClients[0].RedirectURIs) != 2 || !c.Authorization.UnregisteredClients.Allowed {
		t.Errorf("authorization: got %+v, wallet clients %+v", c.Authorization, c.WalletClients)
	}
	cc := c.CredentialConfigurations[0]
	if len(cc.UpstreamClaims) != 2 || cc.UpstreamClaims[1].Transform != credential.TransformDate || cc.ApplicantMatch.MergePolicy() != credential.DataFillGaps || cc.NoMatchPolicy() != credential.NoMatchReview {
		t.Errorf("upstream mapping: got %+v / %+v / %q", cc.UpstreamClaims, cc.ApplicantMatch, cc.NoMatch)
	}
}

func TestRefreshTokensDefaultOff(t *testing.T) {
	c := &Config{}
	if c.Authorization.RefreshTokens || c.RefreshTokenLifetime() != 24*time.Hour {
		t.Errorf("refresh tokens: got %v, lifetime %v; want off and 24h", c.Authorization.RefreshTokens, c.RefreshTokenLifetime())
	}
	t.Setenv("CREDMINT_AUTHORIZATION_REFRESH_TOKENS", "true")
	t.Setenv("CREDMINT_AUTHORIZATION_REFRESH_TOKEN_LIFETIME", "2h")
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("authorization: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Authorization.RefreshTokens || c.RefreshTokenLifetime() != 2*time.Hour {
		t.Errorf("from the environment: got %v, %v; want on and 2h", c.Authorization.RefreshTokens, c.RefreshTokenLifetime())
	}
}

func TestRequirePARDefaultsToTrue(t *testing.T) {
	c := &Config{}
	if !c.RequirePAR() {
		t.Error("require_par: got false by default, want true")
	}
}

func TestAuthzValidateNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, field string
		env               map[string]string
	}{
		{"upstream without issuer", "upstream_oidc: {client_id: x}", "upstream_oidc.issuer", nil},
		{"upstream issuer not a URL", "upstream_oidc: {issuer: login.example.org, client_id: x}", "upstream_oidc.issuer", nil},
		{"upstream without client", "upstream_oidc: {issuer: https://login.example.org}", "upstream_oidc.client_id", nil},
		{"upstream http in production", "upstream_oidc: {issuer: http://login.example.org, client_id: x}", "upstream_oidc.issuer",
			map[string]string{"CREDMINT_ENVIRONMENT": "production", "CREDMINT_PUBLIC_URL": "https://issuer.example.org", "CREDMINT_MASTER_KEY": "x"}},
		{"wallet without id", "wallet_clients: [{redirect_uris: [https://w.example/cb]}]", "wallet_clients[0].client_id", nil},
		{"wallet twice", "wallet_clients: [{client_id: a, redirect_uris: [https://w.example/cb]}, {client_id: a, redirect_uris: [https://w.example/cb]}]", "wallet_clients[1].client_id", nil},
		{"wallet without redirect", "wallet_clients: [{client_id: a}]", "wallet_clients[0].redirect_uris", nil},
		{"wallet redirect with fragment", "wallet_clients: [{client_id: a, redirect_uris: ['https://w.example/cb#x']}]", "wallet_clients[0].redirect_uris[0]", nil},
		{"wallet javascript redirect", "wallet_clients: [{client_id: a, redirect_uris: ['javascript:alert(1)']}]", "wallet_clients[0].redirect_uris[0]", nil},
		{"unregistered without schemes", "authorization: {unregistered_clients: {allowed: true}}", "authorization.unregistered_clients.redirect_uri_schemes", nil},
		{"refresh token lifetime too short", "authorization: {refresh_tokens: true, refresh_token_lifetime: 10s}", "authorization.refresh_token_lifetime", nil},
		{"refresh token lifetime from the environment", "authorization: {}", "authorization.refresh_token_lifetime", map[string]string{"CREDMINT_AUTHORIZATION_REFRESH_TOKEN_LIFETIME": "-1h"}},
		{"unregistered scheme with colon", "authorization: {unregistered_clients: {allowed: true, redirect_uri_schemes: ['https://']}}", "authorization.unregistered_clients.redirect_uri_schemes[0]", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("got %v, want a *FieldError for %s", err, tc.field)
			}
		})
	}
}
