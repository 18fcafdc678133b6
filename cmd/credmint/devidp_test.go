package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/coreos/go-oidc/v3/oidc"
	"go.yaml.in/yaml/v3"
	"golang.org/x/oauth2"

	"credmint/config"
)

// TestDevIdPMounted: on a fresh development configuration (no upstream
// provider) credmint serves the development identity provider at
// {public_url}/dev-idp, says so loudly, and a go-oidc relying party with
// credmint's generated client signs in there over HTTP.
func TestDevIdPMounted(t *testing.T) {
	for _, base := range []string{"", "/vci/t1"} {
		t.Run("base path "+base, func(t *testing.T) {
			var logs syncBuffer
			h := newHarness(t, withBasePath(base), withLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			issuer := h.url + "/dev-idp"
			up := h.app.upstream
			if up.Issuer != issuer || up.ClientID != devIdPClientID || len(up.ClientSecret) < 32 {
				t.Fatalf("upstream = %s %s (secret %d chars), want the development provider %s", up.Issuer, up.ClientID, len(up.ClientSecret), issuer)
			}
			if !strings.Contains(logs.String(), "DEVELOPMENT IDENTITY PROVIDER ENABLED") {
				t.Errorf("no start-up warning in the log: %s", logs.String())
			}
			ctx := context.Background()
			provider, err := oidc.NewProvider(ctx, issuer)
			if err != nil {
				t.Fatalf("discovery at %s: %v", issuer, err)
			}
			rp := oauth2.Config{ClientID: up.ClientID, ClientSecret: up.ClientSecret, RedirectURL: h.url + "/authorize/callback",
				Endpoint: provider.Endpoint(), Scopes: up.Scopes}
			verifier, nonce := oauth2.GenerateVerifier(), oauth2.GenerateVerifier()
			code := devIdPSignIn(t, rp.AuthCodeURL("state-1", oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), "Ada Lovelace", rp.RedirectURL)
			tok, err := rp.Exchange(ctx, code, oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			raw, _ := tok.Extra("id_token").(string)
			idt, err := provider.Verifier(&oidc.Config{ClientID: up.ClientID}).Verify(ctx, raw)
			if err != nil || idt.Nonce != nonce || idt.Subject != "dev-ada-lovelace" {
				t.Errorf("ID token: %v (nonce ok %v, sub %q)", err, idt != nil && idt.Nonce == nonce, idt.Subject)
			}
		})
	}
}

// devIdPSignIn presses "Sign in as name" on the sign-in page at authURL and
// returns the code sent to redirectURI.
func devIdPSignIn(t *testing.T, authURL, name, redirectURI string) string {
	t.Helper()
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in page: status %d, %v", resp.StatusCode, err)
	}
	if !strings.Contains(doc.Find("#dev-idp-banner").Text(), "DEVELOPMENT IDENTITY PROVIDER") {
		t.Error("the sign-in page has no development banner")
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'sha256-") {
		t.Errorf("CSP %q does not allow the page's own style", csp)
	}
	action := doc.Find("form").AttrOr("action", "")
	target, _ := url.Parse(authURL)
	target, _ = target.Parse(action)
	subject := doc.Find("button[name=subject]").FilterFunction(func(_ int, s *goquery.Selection) bool {
		return s.Text() == "Sign in as "+name
	}).AttrOr("value", "")
	resp2, err := browser.PostForm(target.String(), url.Values{"login": {doc.Find("input[name=login]").AttrOr("value", "")}, "subject": {subject}})
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	loc, _ := url.Parse(resp2.Header.Get("Location"))
	if resp2.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc.String(), redirectURI+"?") || loc.Query().Get("code") == "" {
		t.Fatalf("sign-in: status %d to %q, want 303 to %s with a code", resp2.StatusCode, loc, redirectURI)
	}
	return loc.Query().Get("code")
}

// TestDevIdPNeverMountedInProduction: whatever the configuration says (even
// past validation), production wiring has no development provider; nor is
// it mounted when an upstream provider is configured or it is switched off.
func TestDevIdPNeverMountedInProduction(t *testing.T) {
	on, off := true, false
	for _, tc := range []struct {
		name  string
		setup func(c *config.Config)
	}{
		{"production, forced on past validation", func(c *config.Config) {
			c.Environment, c.PublicURL = config.Production, "https://issuer.example.org"
			c.DevIdP.Enabled = &on
		}},
		{"production, no upstream", func(c *config.Config) { c.Environment, c.PublicURL = config.Production, "https://issuer.example.org" }},
		{"development with an upstream provider", func(c *config.Config) { c.UpstreamOIDC.Issuer = "https://login.example.org" }},
		{"development, switched off", func(c *config.Config) { c.DevIdP.Enabled = &off }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t, t.TempDir(), "")
			cfg.Listen, cfg.PublicURL = "127.0.0.1:0", "http://127.0.0.1"
			cfg.Defaults()
			tc.setup(cfg)
			var logs syncBuffer
			a, err := newAppWith(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, nil)), appOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			srv := httptest.NewServer(a.web)
			defer srv.Close()
			if a.devIdP != nil || a.upstream.Issuer == cfg.PublicURL+"/dev-idp" {
				t.Error("the development identity provider is wired")
			}
			for _, r := range a.web.Routes() {
				if strings.Contains(r.Path, "dev-idp") {
					t.Errorf("route %s %s is mounted", r.Method, r.Path)
				}
			}
			resp, err := http.Get(srv.URL + "/dev-idp/.well-known/openid-configuration")
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("discovery of the development provider: status %d, want 404", resp.StatusCode)
			}
			if strings.Contains(logs.String(), "DEVELOPMENT IDENTITY PROVIDER") {
				t.Error("the log announces a development provider that is not there")
			}
		})
	}
}

// TestDevIdPPeopleFromYAML: people of dev_idp.people join the demo people,
// with YAML dates as OpenID date strings.
func TestDevIdPPeopleFromYAML(t *testing.T) {
	var dc config.DevIdPConfig
	if err := yaml.Unmarshal([]byte("people: [{subject: dev-katherine, claims: {name: Katherine Johnson, birthdate: 1918-08-26, address: {since: 1953-06-01}}}]"), &dc); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *config.Config, _ *harnessSettings) { c.DevIdP = dc })
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	up := h.app.upstream
	rp := oauth2.Config{ClientID: up.ClientID, RedirectURL: h.url + "/authorize/callback", Scopes: up.Scopes,
		Endpoint: oauth2.Endpoint{AuthURL: up.Issuer + "/authorize"}}
	resp, err := browser.Get(rp.AuthCodeURL("s", oidc.Nonce("n"), oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Find("button[name=subject]").Length() != 4 || !strings.Contains(doc.Text(), "Sign in as Katherine Johnson") {
		t.Errorf("sign-in page offers %d people, want the 3 demo people and Katherine Johnson", doc.Find("button[name=subject]").Length())
	}
	if got := yamlClaims(dc.People[0].Claims); got["birthdate"] != "1918-08-26" || got["address"].(map[string]any)["since"] != "1953-06-01" {
		t.Errorf("claims = %v, want dates as YYYY-MM-DD strings", got)
	}
}
