package devidp_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"credmint/app/devidp"
)

const (
	clientID    = "credmint"
	secret      = "s3cret:with/special+chars" // escaped by client_secret_basic (RFC 6749 §2.3.1)
	redirectURI = "https://rp.example/authorize/callback"
	banner      = "DEVELOPMENT IDENTITY PROVIDER — not for real use"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// rp is a relying party, as credmint is one: go-oidc for discovery and ID
// tokens, x/oauth2 for the code exchange, and a browser that does not follow
// redirects so the test sees where it is sent.
type rp struct {
	t        *testing.T
	ctx      context.Context
	issuer   string
	clock    *clock
	provider *oidc.Provider
	oauth    oauth2.Config
	browser  *http.Client
}

// newRP serves a provider under /dev-idp of an httptest server and discovers
// it.
func newRP(t *testing.T, clients ...devidp.Client) *rp {
	t.Helper()
	var idp *devidp.Provider
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { idp.Handler().ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	clk := &clock{t: time.Now()}
	if len(clients) == 0 {
		clients = []devidp.Client{{ID: clientID, Secret: secret, RedirectURIs: []string{redirectURI}}}
	}
	var err error
	idp, err = devidp.New(devidp.Deps{Issuer: srv.URL + "/dev-idp", Clients: clients, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return connect(t, context.Background(), idp, clk, &http.Client{})
}

// connect discovers idp through the client in ctx (if any); browser is the
// client the person's requests go through.
func connect(t *testing.T, ctx context.Context, idp *devidp.Provider, clk *clock, browser *http.Client) *rp {
	t.Helper()
	provider, err := oidc.NewProvider(ctx, idp.Issuer())
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &rp{t: t, ctx: ctx, issuer: idp.Issuer(), clock: clk, provider: provider,
		oauth: oauth2.Config{ClientID: clientID, ClientSecret: secret, RedirectURL: redirectURI, Endpoint: provider.Endpoint(),
			Scopes: []string{oidc.ScopeOpenID, "profile", "email"}},
		browser: browser}
}

// login is one authorization request of the relying party.
type login struct {
	state, nonce, verifier string
	url                    string
}

func (p *rp) newLogin(extra ...oauth2.AuthCodeOption) login {
	l := login{state: oauth2.GenerateVerifier(), nonce: oauth2.GenerateVerifier(), verifier: oauth2.GenerateVerifier()}
	opts := append([]oauth2.AuthCodeOption{oidc.Nonce(l.nonce), oauth2.S256ChallengeOption(l.verifier)}, extra...)
	l.url = p.oauth.AuthCodeURL(l.state, opts...)
	return l
}

// get fetches a page and parses it.
func (p *rp) get(u string) (*http.Response, *goquery.Document) {
	p.t.Helper()
	resp, err := p.browser.Get(u)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		p.t.Fatal(err)
	}
	return resp, doc
}

// choose presses the "Sign in as …" button of the person named name on the
// sign-in page of l, and returns the redirect.
func (p *rp) choose(l login, name string) *url.URL {
	p.t.Helper()
	resp, doc := p.get(l.url)
	if resp.StatusCode != http.StatusOK {
		p.t.Fatalf("GET authorize: status %d, want 200", resp.StatusCode)
	}
	checkBanner(p.t, doc)
	button := doc.Find("form button[name=subject]").FilterFunction(func(_ int, s *goquery.Selection) bool {
		return strings.TrimSpace(s.Text()) == "Sign in as "+name
	})
	if button.Length() != 1 {
		p.t.Fatalf("no %q button on the sign-in page", "Sign in as "+name)
	}
	subject, _ := button.Attr("value")
	return p.post(l.url, doc, url.Values{"subject": {subject}})
}

// post submits the sign-in form of doc (fetched from pageURL) with extra
// fields and returns where the browser is sent.
func (p *rp) post(pageURL string, doc *goquery.Document, fields url.Values) *url.URL {
	p.t.Helper()
	action, _ := doc.Find("form").Attr("action")
	base, _ := url.Parse(pageURL)
	target, _ := base.Parse(action)
	loginHandle, _ := doc.Find("form input[name=login]").Attr("value")
	fields.Set("login", loginHandle)
	resp, err := p.browser.PostForm(target.String(), fields)
	if err != nil {
		p.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		p.t.Fatalf("POST authorize: status %d, want 303", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		p.t.Fatal(err)
	}
	return loc
}

// callback checks the authorization response and returns its code.
func (p *rp) callback(l login, loc *url.URL) string {
	p.t.Helper()
	q := loc.Query()
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirectURI {
		p.t.Fatalf("redirected to %s, want %s", got, redirectURI)
	}
	if q.Get("state") != l.state || q.Get("iss") != p.issuer || q.Get("code") == "" {
		p.t.Fatalf("authorization response %v: want code, state %q and iss %q", q, l.state, p.issuer)
	}
	return q.Get("code")
}

func checkBanner(t *testing.T, doc *goquery.Document) {
	t.Helper()
	if got := doc.Find("#dev-idp-banner").Text(); !strings.Contains(got, banner) {
		t.Errorf("banner = %q, want it to contain %q", got, banner)
	}
}

func TestRelyingPartySignsIn(t *testing.T) {
	for _, style := range []struct {
		name  string
		style oauth2.AuthStyle
	}{{"client_secret_basic", oauth2.AuthStyleInHeader}, {"client_secret_post", oauth2.AuthStyleInParams}} {
		t.Run(style.name, func(t *testing.T) {
			p := newRP(t)
			p.oauth.Endpoint.AuthStyle = style.style
			l := p.newLogin()
			code := p.callback(l, p.choose(l, "Grace Hopper"))
			tok, err := p.oauth.Exchange(p.ctx, code, oauth2.VerifierOption(l.verifier))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			if tok.TokenType != "Bearer" || tok.Expiry.IsZero() {
				t.Errorf("token_type %q, expiry %v: want Bearer with expires_in", tok.TokenType, tok.Expiry)
			}
			raw, _ := tok.Extra("id_token").(string)
			idt, err := p.provider.Verifier(&oidc.Config{ClientID: clientID}).Verify(p.ctx, raw)
			if err != nil {
				t.Fatalf("verify ID token: %v", err)
			}
			if idt.Nonce != l.nonce {
				t.Errorf("nonce = %q, want %q", idt.Nonce, l.nonce)
			}
			if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
				t.Errorf("at_hash: %v", err)
			}
			checkIDTokenHeader(t, raw)
			var claims map[string]any
			if err := idt.Claims(&claims); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"sub": "dev-grace-hopper", "email": "grace.hopper@example.org", "email_verified": true, "name": "Grace Hopper",
				"given_name": "Grace", "family_name": "Hopper", "birthdate": "1906-12-09", "employee_id": "E-1906"}
			for k, v := range want {
				if diff := cmp.Diff(v, claims[k]); diff != "" {
					t.Errorf("ID token claim %s (-want +got):\n%s", k, diff)
				}
			}
			if claims["aud"] != clientID || claims["auth_time"] == nil || claims["iat"] == nil {
				t.Errorf("aud %v, auth_time %v, iat %v: want aud %q and both times", claims["aud"], claims["auth_time"], claims["iat"], clientID)
			}
			info, err := p.provider.UserInfo(p.ctx, oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatalf("userinfo: %v", err)
			}
			var ui map[string]any
			if err := info.Claims(&ui); err != nil {
				t.Fatal(err)
			}
			if info.Subject != "dev-grace-hopper" || info.Email != "grace.hopper@example.org" || ui["employee_id"] != "E-1906" {
				t.Errorf("userinfo = %v, want Grace Hopper's claims", ui)
			}
		})
	}
}

func checkIDTokenHeader(t *testing.T, raw string) {
	t.Helper()
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	h := jws.Signatures[0].Header
	if h.KeyID == "" || h.Algorithm != "ES256" || h.ExtraHeaders["typ"] != "JWT" {
		t.Errorf("ID token header kid %q alg %q typ %v: want a kid, ES256 and JWT", h.KeyID, h.Algorithm, h.ExtraHeaders["typ"])
	}
}

func TestDiscovery(t *testing.T) {
	p := newRP(t)
	var md map[string]any
	if err := p.provider.Claims(&md); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"issuer":                                p.issuer,
		"authorization_endpoint":                p.issuer + "/authorize",
		"token_endpoint":                        p.issuer + "/token",
		"userinfo_endpoint":                     p.issuer + "/userinfo",
		"jwks_uri":                              p.issuer + "/jwks",
		"response_types_supported":              []any{"code"},
		"subject_types_supported":               []any{"public"},
		"id_token_signing_alg_values_supported": []any{"ES256"},
		"code_challenge_methods_supported":      []any{"S256"},
		"grant_types_supported":                 []any{"authorization_code"},
		"token_endpoint_auth_methods_supported": []any{"client_secret_basic", "client_secret_post"},
		"scopes_supported":                      []any{"openid", "profile", "email"},
	}
	for k, v := range want {
		if diff := cmp.Diff(v, md[k]); diff != "" {
			t.Errorf("metadata %s (-want +got):\n%s", k, diff)
		}
	}
	claims, _ := md["claims_supported"].([]any)
	for _, c := range []string{"sub", "email", "name", "birthdate", "employee_id"} {
		if !containsAny(claims, c) {
			t.Errorf("claims_supported = %v, want %s in it", claims, c)
		}
	}
}

func containsAny(xs []any, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// TestInProcessClient: an application that mounts the provider reaches it
// without the network, even when its URL does not resolve.
func TestInProcessClient(t *testing.T) {
	clk := &clock{t: time.Now()}
	idp, err := devidp.New(devidp.Deps{Issuer: "http://devidp.invalid/base/dev-idp", Now: clk.Now,
		Clients: []devidp.Client{{ID: clientID, Secret: secret, RedirectURIs: []string{redirectURI}}}})
	if err != nil {
		t.Fatal(err)
	}
	p := connect(t, oidc.ClientContext(context.Background(), idp.HTTPClient()), idp, clk, idp.HTTPClient())
	l := p.newLogin()
	code := p.callback(l, p.choose(l, "Ada Lovelace"))
	tok, err := p.oauth.Exchange(p.ctx, code, oauth2.VerifierOption(l.verifier))
	if err != nil {
		t.Fatalf("exchange in process: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if _, err := p.provider.Verifier(&oidc.Config{ClientID: clientID}).Verify(p.ctx, raw); err != nil {
		t.Errorf("verify in process (JWKS fetched through the client): %v", err)
	}
}

func TestNewRefuses(t *testing.T) {
	client := []devidp.Client{{ID: clientID, Secret: secret, RedirectURIs: []string{redirectURI}}}
	for _, tc := range []struct {
		name string
		deps devidp.Deps
		want string
	}{
		{"relative issuer", devidp.Deps{Issuer: "/dev-idp", Clients: client}, "Issuer"},
		{"issuer with query", devidp.Deps{Issuer: "https://idp.example/?x=1", Clients: client}, "Issuer"},
		{"no clients", devidp.Deps{Issuer: "https://idp.example"}, "client"},
		{"redirect URI with fragment", devidp.Deps{Issuer: "https://idp.example", Clients: []devidp.Client{{ID: "a", Secret: "b", RedirectURIs: []string{"https://rp.example/cb#x"}}}}, "fragment"},
		{"reserved claim", devidp.Deps{Issuer: "https://idp.example", Clients: client, People: []devidp.Person{{Subject: "x", Claims: map[string]any{"aud": "evil"}}}}, `"aud"`},
		{"duplicate subject", devidp.Deps{Issuer: "https://idp.example", Clients: client, People: []devidp.Person{{Subject: "x"}, {Subject: "x"}}}, "twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := devidp.New(tc.deps)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New = %v, want an error about %s", err, tc.want)
			}
		})
	}
}

// errorOf unwraps the OAuth error of a failed exchange.
func errorOf(t *testing.T, err error) *oauth2.RetrieveError {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("exchange error = %v, want an OAuth error response", err)
	}
	if got := re.Response.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	return re
}
