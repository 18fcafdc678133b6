package devidp_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"credmint/app/devidp"
)

// TestAuthorizeErrorPages: while the client or its redirect URI is not
// trusted, the browser gets an error page, never a redirect (RFC 6749
// §4.1.2.1).
func TestAuthorizeErrorPages(t *testing.T) {
	p := newRP(t)
	for _, tc := range []struct {
		name string
		edit func(q url.Values)
	}{
		{"unknown client", func(q url.Values) { q.Set("client_id", "someone-else") }},
		{"no client", func(q url.Values) { q.Del("client_id") }},
		{"redirect_uri mismatch", func(q url.Values) { q.Set("redirect_uri", redirectURI+"/evil") }},
		{"redirect_uri prefix", func(q url.Values) { q.Set("redirect_uri", "https://rp.example/authorize") }},
		{"no redirect_uri", func(q url.Values) { q.Del("redirect_uri") }},
		{"repeated client_id", func(q url.Values) { q.Add("client_id", clientID) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, _ := url.Parse(p.newLogin().url)
			q := u.Query()
			tc.edit(q)
			u.RawQuery = q.Encode()
			resp, doc := p.get(u.String())
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Errorf("status %d, Location %q: want 400 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
			}
			checkBanner(t, doc)
		})
	}
}

// TestAuthorizeErrorsRedirect: once client and redirect URI are trusted,
// errors go back to the client with state and iss (RFC 6749 §4.1.2.1, RFC
// 9207).
func TestAuthorizeErrorsRedirect(t *testing.T) {
	p := newRP(t)
	for _, tc := range []struct {
		name, want string
		edit       func(q url.Values)
	}{
		{"plain PKCE refused", "invalid_request", func(q url.Values) { q.Set("code_challenge_method", "plain") }},
		{"PKCE method missing means plain", "invalid_request", func(q url.Values) { q.Del("code_challenge_method") }},
		{"no code_challenge", "invalid_request", func(q url.Values) { q.Del("code_challenge") }},
		{"malformed code_challenge", "invalid_request", func(q url.Values) { q.Set("code_challenge", "short") }},
		{"implicit flow", "unsupported_response_type", func(q url.Values) { q.Set("response_type", "id_token") }},
		{"no openid scope", "invalid_scope", func(q url.Values) { q.Set("scope", "profile email") }},
		{"no nonce", "invalid_request", func(q url.Values) { q.Del("nonce") }},
		{"prompt none", "login_required", func(q url.Values) { q.Set("prompt", "none") }},
		{"repeated scope", "invalid_request", func(q url.Values) { q.Add("scope", "openid") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := p.newLogin()
			u, _ := url.Parse(l.url)
			q := u.Query()
			tc.edit(q)
			u.RawQuery = q.Encode()
			resp, _ := p.get(u.String())
			loc, _ := url.Parse(resp.Header.Get("Location"))
			got := loc.Query()
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc.String(), redirectURI+"?") {
				t.Fatalf("status %d to %q: want 303 to the redirect URI", resp.StatusCode, loc)
			}
			if got.Get("error") != tc.want || got.Get("state") != l.state || got.Get("iss") != p.issuer || got.Get("code") != "" {
				t.Errorf("got %v, want error %s with state and iss and no code", got, tc.want)
			}
		})
	}
}

func TestCancelIsAccessDenied(t *testing.T) {
	p := newRP(t)
	l := p.newLogin()
	_, doc := p.get(l.url)
	loc := p.post(l.url, doc, url.Values{"cancel": {"1"}})
	if q := loc.Query(); q.Get("error") != "access_denied" || q.Get("state") != l.state || q.Get("code") != "" {
		t.Errorf("cancel → %v, want access_denied with state and no code", q)
	}
}

// TestSignInPageWorksOnce: the sign-in page cannot be posted twice, and a
// stale one expires; both answer a page with the banner.
func TestSignInPageWorksOnce(t *testing.T) {
	p := newRP(t)
	l := p.newLogin()
	_, doc := p.get(l.url)
	handle, _ := doc.Find("input[name=login]").Attr("value")
	p.post(l.url, doc, url.Values{"subject": {"dev-ada-lovelace"}})
	_, doc2 := p.get(l.url)
	p.clock.Advance(11 * time.Minute)
	for name, fields := range map[string]url.Values{
		"used":    {"login": {handle}, "subject": {"dev-ada-lovelace"}},
		"expired": {"login": {doc2.Find("input[name=login]").AttrOr("value", "")}, "subject": {"dev-ada-lovelace"}},
		"unknown": {"login": {"nope"}, "subject": {"dev-ada-lovelace"}},
	} {
		resp, err := p.browser.PostForm(p.issuer+"/authorize", fields)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("%s sign-in: status %d, Location %q, want 400 and no redirect", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	resp, doc3 := p.get(p.issuer + "/nothing-here")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown page: status %d, want 404", resp.StatusCode)
	}
	checkBanner(t, doc3)
}

func TestTokenErrors(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		status     int
		run        func(p *rp, l login, code string) error
	}{
		{"wrong verifier", "invalid_grant", 400, func(p *rp, l login, code string) error {
			_, err := p.oauth.Exchange(p.ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
			return err
		}},
		{"no verifier", "invalid_request", 400, func(p *rp, l login, code string) error {
			_, err := p.oauth.Exchange(p.ctx, code)
			return err
		}},
		{"redirect_uri differs", "invalid_grant", 400, func(p *rp, l login, code string) error {
			p.oauth.RedirectURL = "https://rp.example/other"
			_, err := p.oauth.Exchange(p.ctx, code, oauth2.VerifierOption(l.verifier))
			return err
		}},
		{"expired code", "invalid_grant", 400, func(p *rp, l login, code string) error {
			p.clock.Advance(61 * time.Second)
			_, err := p.oauth.Exchange(p.ctx, code, oauth2.VerifierOption(l.verifier))
			return err
		}},
		{"unknown code", "invalid_grant", 400, func(p *rp, l login, code string) error {
			_, err := p.oauth.Exchange(p.ctx, code+"x", oauth2.VerifierOption(l.verifier))
			return err
		}},
		{"wrong secret, basic", "invalid_client", 401, func(p *rp, l login, code string) error {
			p.oauth.ClientSecret, p.oauth.Endpoint.AuthStyle = "wrong", oauth2.AuthStyleInHeader
			_, err := p.oauth.Exchange(p.ctx, code, oauth2.VerifierOption(l.verifier))
			return err
		}},
		{"wrong secret, post", "invalid_client", 401, func(p *rp, l login, code string) error {
			p.oauth.ClientSecret, p.oauth.Endpoint.AuthStyle = "wrong", oauth2.AuthStyleInParams
			_, err := p.oauth.Exchange(p.ctx, code, oauth2.VerifierOption(l.verifier))
			return err
		}},
		{"another client's code", "invalid_grant", 400, func(p *rp, l login, code string) error {
			p.oauth.ClientID, p.oauth.ClientSecret = "other", "other-secret"
			_, err := p.oauth.Exchange(p.ctx, code, oauth2.VerifierOption(l.verifier))
			return err
		}},
		{"password grant", "unsupported_grant_type", 400, func(p *rp, l login, code string) error {
			_, err := p.oauth.PasswordCredentialsToken(p.ctx, "ada", "pw")
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newRP(t, devidp.Client{ID: clientID, Secret: secret, RedirectURIs: []string{redirectURI, "https://rp.example/other"}},
				devidp.Client{ID: "other", Secret: "other-secret", RedirectURIs: []string{redirectURI}})
			l := p.newLogin()
			code := p.callback(l, p.choose(l, "Ada Lovelace"))
			re := errorOf(t, tc.run(p, l, code))
			if re.ErrorCode != tc.want || re.Response.StatusCode != tc.status {
				t.Errorf("got %s (%d), want %s (%d)", re.ErrorCode, re.Response.StatusCode, tc.want, tc.status)
			}
			if tc.status == 401 && p.oauth.Endpoint.AuthStyle == oauth2.AuthStyleInHeader && re.Response.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 after client_secret_basic without WWW-Authenticate (RFC 6749 §5.2)")
			}
		})
	}
}

// TestReusedCode: a code works once; the second use fails and revokes the
// access token of the first (RFC 6749 §4.1.2).
func TestReusedCode(t *testing.T) {
	p := newRP(t)
	l := p.newLogin()
	code := p.callback(l, p.choose(l, "Alan Turing"))
	tok, err := p.oauth.Exchange(p.ctx, code, oauth2.VerifierOption(l.verifier))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.provider.UserInfo(p.ctx, oauth2.StaticTokenSource(tok)); err != nil {
		t.Fatalf("userinfo before reuse: %v", err)
	}
	_, err = p.oauth.Exchange(p.ctx, code, oauth2.VerifierOption(l.verifier))
	if re := errorOf(t, err); re.ErrorCode != "invalid_grant" {
		t.Errorf("second exchange: %s, want invalid_grant", re.ErrorCode)
	}
	if _, err := p.provider.UserInfo(p.ctx, oauth2.StaticTokenSource(tok)); err == nil || !strings.HasPrefix(err.Error(), "401") {
		t.Errorf("userinfo after reuse: %v, want 401", err)
	}
}

func TestUserInfoNeedsAToken(t *testing.T) {
	p := newRP(t)
	for name, auth := range map[string]string{"none": "", "unknown": "Bearer nope", "basic": "Basic YTpi"} {
		req, _ := http.NewRequest(http.MethodGet, p.issuer+"/userinfo", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Error string }
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != 401 || body.Error != "invalid_token" || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: status %d, error %q, WWW-Authenticate %q: want 401 invalid_token with a Bearer challenge", name, resp.StatusCode, body.Error, resp.Header.Get("WWW-Authenticate"))
		}
	}
}

// TestIDTokenForOtherAudienceFails: the relying party's verifier refuses an
// ID token issued to another client.
func TestIDTokenForOtherAudienceFails(t *testing.T) {
	p := newRP(t)
	l := p.newLogin()
	code := p.callback(l, p.choose(l, "Ada Lovelace"))
	tok, err := p.oauth.Exchange(p.ctx, code, oauth2.VerifierOption(l.verifier))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if _, err := p.provider.Verifier(&oidc.Config{ClientID: "someone-else"}).Verify(p.ctx, raw); err == nil {
		t.Error("an ID token for credmint verified for another client")
	}
}
