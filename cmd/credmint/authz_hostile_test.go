package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"credmint/config"
)

// testProvider is a small OpenID provider written for the tests, which can
// misbehave: it logs anyone in at once as Ada and answers the token
// request with an ID token broken as mode says.
type testProvider struct {
	srv       *httptest.Server
	key, evil *ecdsa.PrivateKey
	mu        sync.Mutex
	mode      string
	nonce     string
	// userinfo is what the UserInfo endpoint answers.
	userinfo map[string]any
	// idToken is the last ID token handed out.
	idToken string
}

// Modes of the test provider.
const (
	modeGood         = "good"
	modeWrongNonce   = "wrong_nonce"
	modeWrongAud     = "wrong_audience"
	modeBadSignature = "bad_signature"
	modeExpired      = "expired"
	modeNoIDToken    = "no_id_token"
)

func newTestProvider(t *testing.T) *testProvider {
	t.Helper()
	p := &testProvider{mode: modeGood}
	var err error
	if p.key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	if p.evil, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeTestJSON(w, map[string]any{"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize", "token_endpoint": p.srv.URL + "/token",
			"jwks_uri": p.srv.URL + "/jwks", "userinfo_endpoint": p.srv.URL + "/userinfo", "id_token_signing_alg_values_supported": []string{"ES256"},
			"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		writeTestJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		p.mu.Lock()
		p.nonce = q.Get("nonce")
		p.mu.Unlock()
		back := url.Values{"code": {"provider-code"}, "state": {q.Get("state")}, "iss": {p.srv.URL}}
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+back.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) { writeTestJSON(w, p.tokenResponse(t)) })
	mux.HandleFunc("GET /userinfo", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		writeTestJSON(w, p.userinfo)
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *testProvider) setMode(m string) {
	p.mu.Lock()
	p.mode = m
	p.mu.Unlock()
}

// tokenResponse signs an ID token about Ada for the last nonce, broken as
// the mode says.
func (p *testProvider) tokenResponse(t *testing.T) map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	claims := map[string]any{"iss": p.srv.URL, "sub": "ada", "aud": "credmint", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"nonce": p.nonce, "given_name": "Ada", "family_name": "Lovelace", "birthdate": "10.12.1815", "employee_id": "e-1815"}
	key := p.key
	switch p.mode {
	case modeWrongNonce:
		claims["nonce"] = "another-nonce"
	case modeWrongAud:
		claims["aud"] = "someone-else"
	case modeBadSignature:
		key = p.evil
	case modeExpired:
		claims["exp"] = now.Add(-time.Hour).Unix()
	case modeNoIDToken:
		return map[string]any{"access_token": "at", "token_type": "Bearer"}
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Error(err)
		return nil
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Error(err)
		return nil
	}
	idToken, _ := jws.CompactSerialize()
	p.idToken = idToken
	return map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": idToken}
}

func writeTestJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// withTestProvider makes p the upstream provider.
func withTestProvider(p *testProvider, userinfo bool) func(*config.Config) {
	return func(c *config.Config) {
		c.UpstreamOIDC = config.UpstreamOIDCConfig{Issuer: p.srv.URL, ClientID: "credmint", ClientSecret: "secret", Scopes: []string{"profile"}, UserInfo: userinfo}
	}
}

// TestAuthorizationUpstreamIDTokenChecks: an ID token with a wrong nonce,
// another audience, a signature by another key, past its expiry, or none
// at all ends the request with access_denied at the wallet, and nothing is
// issued; a good one reaches consent (with the dates and case mapped).
func TestAuthorizationUpstreamIDTokenChecks(t *testing.T) {
	p := newTestProvider(t)
	h := newHarness(t, withAuthz(withTestProvider(p, false)))
	for _, mode := range []string{modeWrongNonce, modeWrongAud, modeBadSignature, modeExpired, modeNoIDToken, modeGood} {
		t.Run(mode, func(t *testing.T) {
			p.setMode(mode)
			aw := newAuthzWallet(t, h)
			loginURL := redirected(t, aw.get(aw.authorizeURL(aw.par(map[string]string{"scope": "staff_badge"}))), "authorize")
			callback := redirected(t, aw.get(loginURL.String()), "provider")
			next := redirected(t, aw.get(callback.String()), "callback")
			if mode == modeGood {
				page := aw.consent(next.String())
				if page.Claims["Date of birth"] != "1815-12-10" || page.Claims["Employee number"] != "E-1815" {
					t.Fatalf("consent with a good ID token: got %v, want the transformed date and employee number", page.Claims)
				}
				return
			}
			if errorOf(next) != "access_denied" || next.Query().Get("iss") != h.url || next.Query().Get("code") != "" {
				t.Fatalf("ID token %s: got %s, want access_denied at the wallet", mode, next)
			}
		})
	}
}

// TestAuthorizationUserInfo: UserInfo claims are merged under the ID
// token's when configured, and refused when about another subject.
func TestAuthorizationUserInfo(t *testing.T) {
	p := newTestProvider(t)
	h := newHarness(t, withAuthz(withTestProvider(p, true)))
	run := func() *url.URL {
		aw := newAuthzWallet(t, h)
		loginURL := redirected(t, aw.get(aw.authorizeURL(aw.par(map[string]string{"scope": "staff_badge"}))), "authorize")
		callback := redirected(t, aw.get(loginURL.String()), "provider")
		next := redirected(t, aw.get(callback.String()), "callback")
		if next.Query().Get("error") == "" {
			page := aw.consent(next.String())
			if page.Claims["First name"] != "Ada" || page.Claims["Employee number"] != "E-1815" {
				t.Errorf("consent: got %v, want the ID token's first name over UserInfo's", page.Claims)
			}
		}
		return next
	}
	p.userinfo = map[string]any{"sub": "ada", "given_name": "Not Ada"}
	if next := run(); errorOf(next) != "" {
		t.Fatalf("UserInfo about the same subject: got %s, want consent", next)
	}
	p.userinfo = map[string]any{"sub": "mallory", "given_name": "Mallory"}
	if next := run(); errorOf(next) != "access_denied" {
		t.Fatalf("UserInfo about another subject: got %s, want access_denied", next)
	}
}

// TestAuthorizationLogsHoldNoSecrets runs the authorization code flow, a
// reused code and a refused ID token at debug level and checks that no
// code, token, state, ID token or personal data reached the log.
func TestAuthorizationLogsHoldNoSecrets(t *testing.T) {
	var logs syncBuffer
	p := newTestProvider(t)
	h := newHarness(t, withAuthz(withTestProvider(p, false)), withLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	aw := newAuthzWallet(t, h)
	requestURI := aw.par(map[string]string{"scope": "staff_badge"})
	loginURL := redirected(t, aw.get(aw.authorizeURL(requestURI)), "authorize")
	callback := redirected(t, aw.get(loginURL.String()), "provider")
	page := aw.consent(redirected(t, aw.get(callback.String()), "callback").String())
	idToken := p.idToken
	back := aw.decide(page.RequestID, "approve")
	code := back.Query().Get("code")
	var tok tokenJSON
	aw.token(code, nil).JSON(t, &tok)
	aw.credential(tok.AccessToken, map[string]any{"credential_configuration_id": "staff_badge"})
	aw.token(code, nil) // reused
	p.setMode(modeWrongNonce)
	aw2 := newAuthzWallet(t, h)
	login2 := redirected(t, aw2.get(aw2.authorizeURL(aw2.par(map[string]string{"scope": "staff_badge"}))), "authorize")
	redirected(t, aw2.get(redirected(t, aw2.get(login2.String()), "provider").String()), "callback")

	if !strings.Contains(logs.String(), "authorization code used twice") || !strings.Contains(logs.String(), "nonce does not match") {
		t.Fatalf("the log is missing the refusals:\n%s", logs.String())
	}
	for name, secret := range map[string]string{
		"request_uri": requestURI[len("urn:ietf:params:oauth:request_uri:"):], "upstream state": loginURL.Query().Get("state"),
		"upstream nonce": loginURL.Query().Get("nonce"), "PKCE verifier": aw.verifier, "ID token": idToken[strings.LastIndex(idToken, ".")+1:],
		"authorization code": code, "access token": tok.AccessToken, "family name": "Lovelace", "birthdate": "1815-12-10", "employee id": "E-1815", "upstream employee id": "e-1815",
	} {
		if secret == "" {
			t.Errorf("no %s to look for", name)
		} else if strings.Contains(logs.String(), secret) {
			t.Errorf("the log contains the %s", name)
		}
	}
}
