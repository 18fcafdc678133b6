package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"credmint/app/staff"
)

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see them; it sends the headers a browser sends for a
// same-origin form post.
type browser struct {
	t      *testing.T
	h      *harness
	client *http.Client
}

const testPassword = "correct horse battery staple"

// newBrowser returns a browser signed in as a new user with role.
func (h *harness) newBrowser(t *testing.T, role string) *browser {
	t.Helper()
	email := role + "-" + strings.ToLower(t.Name()[len(t.Name())-min(8, len(t.Name())):]) + "@example.org"
	email = strings.NewReplacer("/", "", "_", "").Replace(email)
	if _, err := h.app.staff.CreateUser(context.Background(), staff.NewUser{Email: email, Name: "Test " + role, Role: role, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	b := h.anonymousBrowser(t)
	res := b.postForm("/console/login", url.Values{"email": {email}, "password": {testPassword}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("sign in: got %d\n%s", res.Status, res.Body)
	}
	return b
}

func (h *harness) anonymousBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, h: h, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) do(method, path string, header http.Header, payload string) *response {
	b.t.Helper()
	req, err := http.NewRequest(method, b.h.url+path, strings.NewReader(payload))
	if err != nil {
		b.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return &response{Status: res.StatusCode, Header: res.Header, Body: body}
}

func (b *browser) get(path string) *response {
	return b.do(http.MethodGet, path, http.Header{"Sec-Fetch-Site": {"same-origin"}, "Accept": {"text/html"}}, "")
}

// postForm posts a form as a same-origin browser page does.
func (b *browser) postForm(path string, form url.Values) *response {
	return b.do(http.MethodPost, path, http.Header{
		"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"same-origin"}, "Origin": {b.h.url},
	}, form.Encode())
}

// doc parses an HTML response.
func (r *response) doc(t *testing.T) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(string(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestConsoleSignIn(t *testing.T) {
	h := newHarness(t)
	anon := h.anonymousBrowser(t)
	res := anon.get("/console/")
	if res.Status != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "/console/login?next=%2Fconsole%2F") {
		t.Fatalf("signed-out dashboard: got %d %q", res.Status, res.Header.Get("Location"))
	}
	res = anon.get("/console/login")
	d := res.doc(t)
	if d.Find(`form input[name=email]`).Length() != 1 || d.Find(`form input[name=password][type=password]`).Length() != 1 {
		t.Fatalf("login form missing fields:\n%s", res.Body)
	}
	if res.Header.Get("Cache-Control") != "no-store" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("console headers: Cache-Control %q CSP %q", res.Header.Get("Cache-Control"), res.Header.Get("Content-Security-Policy"))
	}

	if _, err := h.app.staff.CreateUser(context.Background(), staff.NewUser{Email: "ada@example.org", Role: staff.RoleAdmin, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	res = anon.postForm("/console/login", url.Values{"email": {"ada@example.org"}, "password": {"wrong password"}})
	if res.Status != http.StatusUnauthorized || res.doc(t).Find(".flash.error").Text() == "" {
		t.Fatalf("wrong password: got %d\n%s", res.Status, res.Body)
	}
	res = anon.postForm("/console/login", url.Values{"email": {"ada@example.org"}, "password": {testPassword}, "next": {"/console/offers"}})
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/console/offers" {
		t.Fatalf("sign in: got %d %q", res.Status, res.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, c := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "credmint_session=") {
			parsed, _ := http.ParseSetCookie(c)
			session = parsed
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" {
		t.Fatalf("session cookie: %+v", session)
	}
	res = anon.get("/console/")
	if res.Status != http.StatusOK || !strings.Contains(res.doc(t).Find("h1").Text(), "Dashboard") {
		t.Fatalf("dashboard: got %d", res.Status)
	}

	t.Run("open redirect refused", func(t *testing.T) {
		b := h.anonymousBrowser(t)
		res := b.postForm("/console/login", url.Values{"email": {"ada@example.org"}, "password": {testPassword}, "next": {"//evil.example/console/"}})
		if res.Header.Get("Location") != "/console/" {
			t.Fatalf("next=//evil: redirected to %q", res.Header.Get("Location"))
		}
	})

	t.Run("forged cross-site post", func(t *testing.T) {
		res := anon.do(http.MethodPost, "/console/logout", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}, "")
		if res.Status != http.StatusForbidden {
			t.Fatalf("cross-site logout: got %d, want 403", res.Status)
		}
		if res := anon.get("/console/"); res.Status != http.StatusOK {
			t.Fatalf("the forged post must change nothing: dashboard now %d", res.Status)
		}
	})

	t.Run("logout ends the session", func(t *testing.T) {
		if res := anon.postForm("/console/logout", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("logout: %d", res.Status)
		}
		// Replaying the old cookie must not work either.
		b := h.anonymousBrowser(t)
		u, _ := url.Parse(h.url)
		b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "credmint_session", Value: session.Value}})
		if res := b.get("/console/"); res.Status != http.StatusSeeOther {
			t.Fatalf("old session after logout: got %d", res.Status)
		}
	})

	t.Run("throttled after five failures", func(t *testing.T) {
		b := h.anonymousBrowser(t)
		for range 5 {
			b.postForm("/console/login", url.Values{"email": {"ada@example.org"}, "password": {"nope"}})
		}
		res := b.postForm("/console/login", url.Values{"email": {"ada@example.org"}, "password": {testPassword}})
		if res.Status != http.StatusTooManyRequests {
			t.Fatalf("sign in after 5 failures: got %d, want 429", res.Status)
		}
	})
}

func TestConsoleNavigationFollowsTheRole(t *testing.T) {
	h := newHarness(t)
	for role, want := range map[string][]string{
		staff.RoleAdmin:    {"Dashboard", "Configurations", "Applicants", "Offers", "Credentials", "Reviews", "Audit log", "Users", "API keys", "Wallets", "Webhooks", "Signing keys"},
		staff.RoleIssuer:   {"Dashboard", "Configurations", "Applicants", "Offers", "Credentials"},
		staff.RoleAuditor:  {"Dashboard", "Configurations", "Applicants", "Offers", "Credentials", "Audit log"},
		staff.RoleReviewer: {"Dashboard", "Configurations", "Applicants", "Offers", "Credentials", "Reviews"},
	} {
		b := h.newBrowser(t, role)
		var got []string
		b.get("/console/").doc(t).Find("header nav a").Each(func(_ int, s *goquery.Selection) { got = append(got, s.Text()) })
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s sees %v, want %v", role, got, want)
		}
	}
}
