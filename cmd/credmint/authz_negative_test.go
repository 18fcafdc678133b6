package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"credmint/config"
)

// tokenRefused checks a token response is error code with nothing issued.
func tokenRefused(t *testing.T, res *response, code string) {
	t.Helper()
	if res.Status != http.StatusBadRequest || res.errorCode(t) != code || !strings.Contains(res.Header.Get("Cache-Control"), "no-store") {
		t.Fatalf("token: got %d (Cache-Control %q) %s, want 400 %s", res.Status, res.Header.Get("Cache-Control"), res.Body, code)
	}
	if strings.Contains(string(res.Body), "access_token") {
		t.Fatalf("a refused token response carries an access token: %s", res.Body)
	}
}

// pageRefused checks res is an error page with status, and no redirect.
func pageRefused(t *testing.T, res *response, status int, what string) {
	t.Helper()
	if res.Status != status || res.Header.Get("Location") != "" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("%s: got %d (Location %q), want an error page %d and no redirect\n%s", what, res.Status, res.Header.Get("Location"), status, res.Body)
	}
}

// TestAuthorizationCodeRefusals: the token endpoint's checks of the code,
// each with the spec's error and nothing issued.
func TestAuthorizationCodeRefusals(t *testing.T) {
	h := newHarness(t, withAuthz())
	newCode := func() (*authzWallet, string) {
		aw := newAuthzWallet(t, h)
		code, _ := aw.throughConsent(aw.par(map[string]string{"scope": "staff_badge"}), "dev-ada-lovelace")
		return aw, code
	}

	t.Run("wrong code_verifier", func(t *testing.T) {
		aw, code := newCode()
		tokenRefused(t, aw.token(code, map[string]string{"code_verifier": strings.Repeat("x", 43)}), "invalid_grant")
		tokenRefused(t, aw.token(code, map[string]string{"code_verifier": ""}), "invalid_request")
	})
	t.Run("other client or redirect_uri", func(t *testing.T) {
		aw, code := newCode()
		tokenRefused(t, aw.token(code, map[string]string{"client_id": "other.wallet"}), "invalid_grant")
		tokenRefused(t, aw.token(code, map[string]string{"redirect_uri": "https://wallet.test/other"}), "invalid_grant")
	})
	t.Run("reused code revokes the first token", func(t *testing.T) {
		aw, code := newCode()
		res := aw.token(code, nil)
		var tok tokenJSON
		res.JSON(t, &tok)
		if tok.AccessToken == "" {
			t.Fatalf("first use: got %d %s", res.Status, res.Body)
		}
		tokenRefused(t, aw.token(code, nil), "invalid_grant")
		res = aw.credential(tok.AccessToken, map[string]any{"credential_configuration_id": "staff_badge"})
		if res.Status != http.StatusUnauthorized || res.errorCode(t) != "invalid_token" {
			t.Fatalf("credential with the token of a reused code: got %d %s, want 401 invalid_token", res.Status, res.Body)
		}
	})
	t.Run("expired code", func(t *testing.T) {
		aw, code := newCode()
		h.clock.Advance(61 * time.Second)
		tokenRefused(t, aw.token(code, nil), "invalid_grant")
	})
	t.Run("unknown code", func(t *testing.T) {
		tokenRefused(t, newAuthzWallet(t, h).token("not-a-code", nil), "invalid_grant")
	})
}

// TestPARRefusals: the pushed authorization request endpoint refuses bad
// requests with the token endpoint's JSON errors (RFC 9126 §2.3).
func TestPARRefusals(t *testing.T) {
	h := newHarness(t, withAuthz())
	details := func(id string) string {
		return mustJSON(t, []map[string]any{{"type": "openid_credential", "credential_configuration_id": id}})
	}
	for _, tc := range []struct {
		name   string
		params map[string]string
		status int
		code   string
	}{
		{"plain PKCE", map[string]string{"code_challenge_method": "plain", "scope": "staff_badge"}, 400, "invalid_request"},
		{"no PKCE", map[string]string{"code_challenge": "", "code_challenge_method": "", "scope": "staff_badge"}, 400, "invalid_request"},
		{"implicit", map[string]string{"response_type": "token", "scope": "staff_badge"}, 400, "unsupported_response_type"},
		{"unknown configuration", map[string]string{"authorization_details": details("nope")}, 400, "invalid_authorization_details"},
		{"only unknown scopes", map[string]string{"scope": "openid nothing"}, 400, "invalid_scope"},
		{"request_uri inside", map[string]string{"request_uri": "urn:x", "scope": "staff_badge"}, 400, "invalid_request"},
		{"unknown client", map[string]string{"client_id": "unknown.wallet", "scope": "staff_badge"}, 400, "invalid_client"},
		{"unregistered redirect_uri", map[string]string{"redirect_uri": "https://evil.test/cb", "scope": "staff_badge"}, 400, "invalid_request"},
		{"no redirect_uri", map[string]string{"redirect_uri": "", "scope": "staff_badge"}, 400, "invalid_request"},
		{"unknown issuer_state", map[string]string{"issuer_state": "forged", "scope": "staff_badge"}, 400, "invalid_request"},
	} {
		t.Run("PAR "+tc.name, func(t *testing.T) {
			res := h.postForm(h.url+"/par", newAuthzWallet(t, h).parForm(tc.params))
			if res.Status != tc.status || res.errorCode(t) != tc.code || !strings.Contains(res.Header.Get("Cache-Control"), "no-store") {
				t.Errorf("got %d %s, want %d %s with no-store", res.Status, res.Body, tc.status, tc.code)
			}
		})
	}
	if res := h.getJSON(h.url + "/par"); res.Status != http.StatusMethodNotAllowed {
		t.Errorf("GET /par: got %d, want 405", res.Status)
	}
}

// TestAuthorizeRefusals: error pages while the client or redirect URI is
// not trusted, errors at the redirect URI (with iss and state) after;
// request_uri bound to its client, used once, short-lived.
func TestAuthorizeRefusals(t *testing.T) {
	h := newHarness(t, withAuthz())
	aw := newAuthzWallet(t, h)
	direct := func(params map[string]string) *response {
		q := url.Values{}
		for k, v := range aw.parForm(params) {
			q.Set(k, v)
		}
		return aw.get(h.url + "/authorize?" + q.Encode())
	}
	pageRefused(t, direct(map[string]string{"client_id": "unknown.wallet"}), http.StatusBadRequest, "unknown client")
	pageRefused(t, direct(map[string]string{"redirect_uri": "https://evil.test/cb"}), http.StatusBadRequest, "redirect URI mismatch")
	pageRefused(t, direct(map[string]string{"redirect_uri": testWalletRedirect + "/"}), http.StatusBadRequest, "redirect URI not exactly equal")
	pageRefused(t, aw.get(aw.authorizeURL("urn:ietf:params:oauth:request_uri:unknown")), http.StatusBadRequest, "unknown request_uri")
	// PAR is required: a trusted client gets the error at its redirect URI.
	back := redirected(t, direct(map[string]string{"scope": "staff_badge"}), "authorization request without PAR")
	if errorOf(back) != "invalid_request" || back.Query().Get("iss") != h.url || back.Query().Get("state") == "" {
		t.Errorf("authorization request without PAR: got %s, want invalid_request with iss and state", back)
	}

	// A request_uri is bound to its client and used once.
	requestURI := aw.par(map[string]string{"scope": "staff_badge"})
	other := url.Values{"client_id": {"unknown.wallet"}, "request_uri": {requestURI}}
	pageRefused(t, aw.get(h.url+"/authorize?"+other.Encode()), http.StatusBadRequest, "another client's request_uri")
	redirected(t, aw.get(aw.authorizeURL(requestURI)), "first use of request_uri")
	back = redirected(t, aw.get(aw.authorizeURL(requestURI)), "replayed request_uri")
	if errorOf(back) != "invalid_request_uri" || back.Query().Get("iss") != h.url {
		t.Errorf("replayed request_uri: got %s, want invalid_request_uri with iss", back)
	}
	// An expired one too.
	requestURI = aw.par(map[string]string{"scope": "staff_badge"})
	h.clock.Advance(61 * time.Second)
	if back := redirected(t, aw.get(aw.authorizeURL(requestURI)), "expired request_uri"); errorOf(back) != "invalid_request_uri" {
		t.Errorf("expired request_uri: got %s, want invalid_request_uri", back)
	}
}

// TestAuthorizationLoginRefusals: a tampered state at the upstream
// callback, another browser, a cancelled consent and a cancelled login.
func TestAuthorizationLoginRefusals(t *testing.T) {
	h := newHarness(t, withAuthz())
	start := func() (*authzWallet, *url.URL) {
		aw := newAuthzWallet(t, h)
		loginURL := redirected(t, aw.get(aw.authorizeURL(aw.par(map[string]string{"scope": "staff_badge"}))), "authorize")
		return aw, loginURL
	}

	t.Run("tampered state", func(t *testing.T) {
		aw, loginURL := start()
		q := loginURL.Query()
		q.Set("state", q.Get("state")+"x")
		loginURL.RawQuery = q.Encode()
		pageRefused(t, aw.login(loginURL.String(), "dev-ada-lovelace"), http.StatusBadRequest, "callback with a tampered state")
	})
	t.Run("callback in another browser", func(t *testing.T) {
		aw, loginURL := start()
		aw.browser.Jar = nil // the cookie binding the request to the browser is gone
		pageRefused(t, aw.login(loginURL.String(), "dev-ada-lovelace"), http.StatusForbidden, "callback without the browser cookie")
	})
	t.Run("consent cancelled", func(t *testing.T) {
		aw, loginURL := start()
		consentURL := redirected(t, aw.login(loginURL.String(), "dev-ada-lovelace"), "callback")
		page := aw.consent(consentURL.String())
		back := aw.decide(page.RequestID, "cancel")
		if errorOf(back) != "access_denied" || back.Query().Get("iss") != h.url || back.Query().Get("state") == "" || back.Query().Get("code") != "" {
			t.Fatalf("cancelled consent: got %s, want access_denied with iss and state, no code", back)
		}
		// The decision is final.
		pageRefused(t, aw.send(http.MethodPost, h.url+"/authorize/consent", url.Values{"request": {page.RequestID}, "decision": {"approve"}}),
			http.StatusBadRequest, "approving after cancelling")
	})
	t.Run("decision posted from another site", func(t *testing.T) {
		aw, loginURL := start()
		consentURL := redirected(t, aw.login(loginURL.String(), "dev-ada-lovelace"), "callback")
		page := aw.consent(consentURL.String())
		res := aw.sendWith(http.MethodPost, h.url+"/authorize/consent", url.Values{"request": {page.RequestID}, "decision": {"approve"}},
			map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.test"})
		pageRefused(t, res, http.StatusForbidden, "cross-site consent decision")
		if back := aw.decide(page.RequestID, "approve"); back.Query().Get("code") == "" {
			t.Fatalf("the person's own decision after the refused one: got %s, want a code", back)
		}
	})
	t.Run("login cancelled at the provider", func(t *testing.T) {
		aw, loginURL := start()
		page := aw.get(loginURL.String())
		handle := between(string(page.Body), `name="login" value="`, `"`)
		back := redirected(t, aw.send(http.MethodPost, h.url+"/dev-idp/authorize", url.Values{"login": {handle}, "cancel": {"1"}}), "provider cancel")
		res := aw.get(back.String())
		if u := redirected(t, res, "callback after a cancelled login"); errorOf(u) != "access_denied" {
			t.Fatalf("cancelled login: got %s, want access_denied", u)
		}
	})
}

// TestAuthorizationProviderDown: with the upstream provider unreachable
// credmint starts, serves pre-authorized issuance, and the authorization
// endpoint answers temporarily_unavailable.
func TestAuthorizationProviderDown(t *testing.T) {
	h := newHarness(t, withAuthz(func(c *config.Config) {
		c.UpstreamOIDC = config.UpstreamOIDCConfig{Issuer: "http://127.0.0.1:1/idp", ClientID: "credmint", ClientSecret: "secret"}
	}))
	aw := newAuthzWallet(t, h)
	back := redirected(t, aw.get(aw.authorizeURL(aw.par(map[string]string{"scope": "staff_badge"}))), "authorize")
	if errorOf(back) != "temporarily_unavailable" {
		t.Fatalf("provider down: got %s, want temporarily_unavailable", back)
	}
	w := newWallet(t, h)
	f := startFlow(t, h, w, h.createOffer(staffBadgeOffer()), nil)
	if res := f.request(t, h, map[string]any{"credential_configuration_id": "staff_badge"}); res.Status != http.StatusOK {
		t.Fatalf("pre-authorized issuance with the provider down: got %d\n%s", res.Status, res.Body)
	}
}

func between(s, from, to string) string {
	_, rest, _ := strings.Cut(s, from)
	v, _, _ := strings.Cut(rest, to)
	return v
}
