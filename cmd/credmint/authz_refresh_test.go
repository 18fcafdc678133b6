package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"credmint/config"
)

// withRefreshTokens turns refresh tokens on.
func withRefreshTokens(c *config.Config) { c.Authorization.RefreshTokens = true }

// refreshJSON is a token response with its refresh token.
type refreshJSON struct {
	tokenJSON
	RefreshToken string `json:"refresh_token"`
}

// refresh presents refreshToken at the token endpoint (RFC 6749 §6).
func (aw *authzWallet) refresh(refreshToken, clientID string) *response {
	aw.t.Helper()
	return aw.h.postForm(aw.h.url+"/token", map[string]string{"grant_type": "refresh_token", "refresh_token": refreshToken, "client_id": clientID})
}

// codeTokens runs the flow with authorization_details and returns the
// token response.
func codeTokens(t *testing.T, aw *authzWallet) refreshJSON {
	t.Helper()
	details := mustJSON(t, []map[string]any{{"type": "openid_credential", "credential_configuration_id": "staff_badge"}})
	code, _ := aw.throughConsent(aw.par(map[string]string{"authorization_details": details}), "dev-ada-lovelace")
	res := aw.token(code, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("token: got %d\n%s", res.Status, res.Body)
	}
	var tok refreshJSON
	res.JSON(t, &tok)
	return tok
}

// TestRefreshTokens: with refresh tokens on, the code's token response
// carries one; refreshing gives a new access token with the same
// credential_identifiers, usable at the credential endpoint, and a new
// refresh token; the old one presented again revokes the family.
func TestRefreshTokens(t *testing.T) {
	h := newHarness(t, withAuthz(withRefreshTokens))
	aw := newAuthzWallet(t, h)
	as := authorizationServerMetadata(t, h)
	if list, _ := as["grant_types_supported"].([]any); !slices.Contains(list, any("refresh_token")) {
		t.Errorf("AS metadata grant_types_supported: got %v, want refresh_token in it", as["grant_types_supported"])
	}
	first := codeTokens(t, aw)
	if first.RefreshToken == "" {
		t.Fatal("token response: no refresh_token with refresh tokens on")
	}
	ident := first.AuthorizationDetails[0].CredentialIdentifiers[0]

	res := aw.refresh(first.RefreshToken, "someone-else")
	tokenRefused(t, res, "invalid_grant")

	res = aw.refresh(first.RefreshToken, testWalletClient)
	if res.Status != http.StatusOK {
		t.Fatalf("refresh: got %d\n%s", res.Status, res.Body)
	}
	var second refreshJSON
	res.JSON(t, &second)
	switch {
	case second.AccessToken == "" || second.AccessToken == first.AccessToken:
		t.Fatalf("refresh: got access token %q, want a new one", second.AccessToken)
	case second.RefreshToken == "" || second.RefreshToken == first.RefreshToken:
		t.Fatal("refresh: the refresh token was not rotated")
	case len(second.AuthorizationDetails) != 1 || !slices.Equal(second.AuthorizationDetails[0].CredentialIdentifiers, []string{ident}):
		t.Fatalf("refresh: got authorization_details %s, want the same credential_identifiers [%s]", res.Body, ident)
	}
	res = aw.credential(second.AccessToken, map[string]any{"credential_identifier": ident})
	if res.Status != http.StatusOK {
		t.Fatalf("credential with the refreshed access token: got %d\n%s", res.Status, res.Body)
	}
	var cred credentialJSON
	res.JSON(t, &cred)
	c := checkSDJWT(t, h, cred.Credentials[0].Credential)
	wantClaims(t, c.Claims, map[string]any{"given_name": "Ada", "family_name": "Lovelace"})

	// Reuse of the spent first refresh token: refused, and the family goes
	// (RFC 9700 §4.14.2): the second refresh token and its access token too.
	tokenRefused(t, aw.refresh(first.RefreshToken, testWalletClient), "invalid_grant")
	tokenRefused(t, aw.refresh(second.RefreshToken, testWalletClient), "invalid_grant")
	res = aw.credential(second.AccessToken, map[string]any{"credential_identifier": ident})
	if res.Status != http.StatusUnauthorized {
		t.Fatalf("credential after the family was revoked: got %d, want 401\n%s", res.Status, res.Body)
	}
}

// TestRefreshTokenExpires: a refresh token past refresh_token_lifetime is
// invalid_grant; an unknown one too.
func TestRefreshTokenExpires(t *testing.T) {
	h := newHarness(t, withAuthz(withRefreshTokens, func(c *config.Config) { c.Authorization.RefreshTokenLifetime = time.Hour }))
	aw := newAuthzWallet(t, h)
	tok := codeTokens(t, aw)
	tokenRefused(t, aw.refresh("not-a-refresh-token", testWalletClient), "invalid_grant")
	tokenRefused(t, aw.refresh("", testWalletClient), "invalid_request")
	h.clock.Advance(time.Hour + time.Second)
	tokenRefused(t, aw.refresh(tok.RefreshToken, testWalletClient), "invalid_grant")
}

// TestRefreshTokensOffByDefault: no refresh_token in the token response,
// grant_type=refresh_token is unsupported_grant_type, and the metadata does
// not announce it; the pre-authorized grant never gets one.
func TestRefreshTokensOffByDefault(t *testing.T) {
	h := newHarness(t, withAuthz())
	aw := newAuthzWallet(t, h)
	if list, _ := authorizationServerMetadata(t, h)["grant_types_supported"].([]any); slices.Contains(list, any("refresh_token")) {
		t.Errorf("AS metadata grant_types_supported: got %v, want no refresh_token", list)
	}
	var raw map[string]any
	res := aw.token(func() string {
		code, _ := aw.throughConsent(aw.par(map[string]string{"scope": "staff_badge"}), "dev-ada-lovelace")
		return code
	}(), nil)
	if err := json.Unmarshal(res.Body, &raw); err != nil || res.Status != http.StatusOK {
		t.Fatalf("token: got %d %s", res.Status, res.Body)
	}
	if _, ok := raw["refresh_token"]; ok {
		t.Errorf("token response: got a refresh_token with refresh tokens off: %s", res.Body)
	}
	tokenRefused(t, aw.refresh("anything", testWalletClient), "unsupported_grant_type")
}

// TestRefreshTokensNeverForPreAuthorized: with refresh tokens on, the
// pre-authorized code grant still gets none.
func TestRefreshTokensNeverForPreAuthorized(t *testing.T) {
	h := newHarness(t, withAuthz(withRefreshTokens))
	w := newWallet(t, h)
	created := h.createOffer(staffBadgeOffer())
	offer := w.resolveOffer(created.OfferURI)
	res := h.postForm(h.url+"/token", map[string]string{"grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
		"pre-authorized_code": offer.Grants.PreAuth.Code, "tx_code": created.TxCode})
	var raw map[string]any
	if err := json.Unmarshal(res.Body, &raw); err != nil || res.Status != http.StatusOK {
		t.Fatalf("token: got %d %s", res.Status, res.Body)
	}
	if _, ok := raw["refresh_token"]; ok {
		t.Errorf("pre-authorized token response: got a refresh_token: %s", res.Body)
	}
}

// TestRefreshTokenRevokedByCodeReuse: a second use of the authorization
// code revokes the refresh token the first use got (RFC 6749 §4.1.2).
func TestRefreshTokenRevokedByCodeReuse(t *testing.T) {
	h := newHarness(t, withAuthz(withRefreshTokens))
	aw := newAuthzWallet(t, h)
	code, _ := aw.throughConsent(aw.par(map[string]string{"scope": "staff_badge"}), "dev-ada-lovelace")
	res := aw.token(code, nil)
	var tok refreshJSON
	res.JSON(t, &tok)
	if res.Status != http.StatusOK || tok.RefreshToken == "" {
		t.Fatalf("token: got %d %s, want a refresh token", res.Status, res.Body)
	}
	tokenRefused(t, aw.token(code, nil), "invalid_grant")
	tokenRefused(t, aw.refresh(tok.RefreshToken, testWalletClient), "invalid_grant")
}
