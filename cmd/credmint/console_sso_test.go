package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"credmint/app/staff"
	"credmint/config"
)

// ssoPeople are development-provider people with groups for the console.
var ssoPeople = []config.DevIdPPerson{
	{Subject: "dev-staff-ada", Claims: map[string]any{"name": "Ada Admin", "email": "ada.admin@example.org", "email_verified": true,
		"groups": []any{"staff", "credmint-auditors", "credmint-admins"}}},
	{Subject: "dev-staff-grace", Claims: map[string]any{"name": "Grace Issuer", "email": "grace.issuer@example.org", "email_verified": true,
		"groups": []any{"credmint-issuers"}}},
	{Subject: "dev-staff-alan", Claims: map[string]any{"name": "Alan Other", "email": "alan.other@example.org", "email_verified": true,
		"groups": "other"}},
	{Subject: "dev-staff-eve", Claims: map[string]any{"name": "Eve Unverified", "email": "ada.admin@example.org", "email_verified": false,
		"groups": []any{"credmint-admins"}}},
}

// withConsoleSSODevIdP points console_sso at the development provider
// served by the harness itself, with the console's generated client.
func withConsoleSSODevIdP() harnessOption {
	return func(c *config.Config, _ *harnessSettings) {
		c.DevIdP.People = ssoPeople
		c.ConsoleSSO = config.ConsoleSSOConfig{Issuer: c.PublicURL + "/dev-idp", ClientID: devIdPConsoleClientID, Name: "Example SSO",
			RoleClaim: "groups", RoleMap: config.RoleMap{"credmint-admins": "admin", "credmint-issuers": "issuer", "credmint-auditors": "auditor"}}
	}
}

// getURL fetches an absolute URL with the browser's cookies.
func (b *browser) getURL(u string) *response {
	b.t.Helper()
	res, err := b.client.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return &response{Status: res.StatusCode, Header: res.Header, Body: body}
}

// ssoToCallback starts single sign-on, presses "Sign in as name" at the
// development provider and returns the callback URL it sends back to.
func (b *browser) ssoToCallback(start, name string) string {
	b.t.Helper()
	res := b.get(start)
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), b.h.url+"/dev-idp/authorize?") {
		b.t.Fatalf("start: got %d to %q", res.Status, res.Header.Get("Location"))
	}
	page := b.getURL(res.Header.Get("Location"))
	doc := page.doc(b.t)
	if page.Status != http.StatusOK {
		b.t.Fatalf("provider page: %d\n%s", page.Status, page.Body)
	}
	subject := doc.Find("button[name=subject]").FilterFunction(func(_ int, s *goquery.Selection) bool {
		return s.Text() == "Sign in as "+name
	}).AttrOr("value", "")
	action, _ := url.Parse(b.h.url + "/")
	action, _ = action.Parse(doc.Find("form").AttrOr("action", ""))
	post, err := b.client.PostForm(action.String(), url.Values{"login": {doc.Find("input[name=login]").AttrOr("value", "")}, "subject": {subject}})
	if err != nil {
		b.t.Fatal(err)
	}
	post.Body.Close()
	loc := post.Header.Get("Location")
	if post.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, b.h.url+"/console/sso/callback?") {
		b.t.Fatalf("provider sign-in: %d to %q", post.StatusCode, loc)
	}
	return loc
}

// refusedWith checks a refusal page: status, message, no session.
func (b *browser) refusedWith(res *response, status int, text string) {
	b.t.Helper()
	if res.Status != status || !strings.Contains(res.doc(b.t).Find(".flash.error").Text(), text) {
		b.t.Fatalf("got %d, want %d with %q\n%s", res.Status, status, text, res.Body)
	}
	if res := b.get("/console/"); res.Status != http.StatusSeeOther {
		b.t.Fatalf("refused sign-in has a session: dashboard %d", res.Status)
	}
}

func TestConsoleSSOWithTheDevelopmentProvider(t *testing.T) {
	var logs syncBuffer
	h := newHarness(t, withConsoleSSODevIdP(), withLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	ctx := context.Background()
	issuer := h.url + "/dev-idp"

	anon := h.anonymousBrowser(t)
	if link := anon.get("/console/login").doc(t).Find(`a[href="/console/sso/start"]`).Text(); link != "Sign in with Example SSO" {
		t.Fatalf("login page SSO link: %q", link)
	}

	// Ada: three groups, two mapped; the most powerful role wins.
	ada := h.anonymousBrowser(t)
	callback := ada.ssoToCallback("/console/sso/start?next=%2Fconsole%2Foffers", "Ada Admin")
	res := ada.getURL(callback)
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/console/offers" {
		t.Fatalf("callback: got %d to %q\n%s", res.Status, res.Header.Get("Location"), res.Body)
	}
	var session *http.Cookie
	for _, c := range res.Header.Values("Set-Cookie") {
		if ck, _ := http.ParseSetCookie(c); ck != nil && ck.Name == "credmint_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" {
		t.Fatalf("session cookie: %+v", session)
	}
	if res := ada.get("/console/users"); res.Status != http.StatusOK {
		t.Fatalf("Ada (admin) on the users page: %d", res.Status)
	}
	u, err := h.app.store.UserBySSOSubject(ctx, issuer+"|dev-staff-ada")
	if err != nil || u.Role != staff.RoleAdmin || u.Email != "ada.admin@example.org" || u.Name != "Ada Admin" || u.PasswordHash != "" {
		t.Fatalf("created user: %+v, %v", u, err)
	}
	if got := ssoActions(t, h, u.ID); !slices.Contains(got, "staff_user.created") {
		t.Errorf("audit of the new user: %v", got)
	}

	t.Run("replayed state refused and logged", func(t *testing.T) {
		ada.refusedWithoutLogout(ada.getURL(callback), http.StatusBadRequest, "expired")
		if !strings.Contains(logs.String(), "reason=replayed_state") {
			t.Errorf("no replay in the log")
		}
		if strings.Contains(logs.String(), "ada.admin@example.org") {
			t.Errorf("the log holds personal data")
		}
	})

	t.Run("tampered state refused; the real one still works, linking by email", func(t *testing.T) {
		grace, err := h.app.staff.CreateUser(ctx, staff.NewUser{Email: "grace.issuer@example.org", Role: staff.RoleAuditor, Password: testPassword})
		if err != nil {
			t.Fatal(err)
		}
		b := h.anonymousBrowser(t)
		cb := b.ssoToCallback("/console/sso/start", "Grace Issuer")
		parsed, _ := url.Parse(cb)
		q := parsed.Query()
		q.Set("state", q.Get("state")+"x")
		tampered := *parsed
		tampered.RawQuery = q.Encode()
		b.refusedWith(b.getURL(tampered.String()), http.StatusBadRequest, "expired")
		if res := b.getURL(cb); res.Status != http.StatusSeeOther {
			t.Fatalf("real callback: %d\n%s", res.Status, res.Body)
		}
		u, err := h.app.store.UserByID(ctx, grace.ID)
		if err != nil || u.SSOSubject != issuer+"|dev-staff-grace" || u.Role != staff.RoleIssuer {
			t.Fatalf("linked user: %+v %v", u, err)
		}
		got := ssoActions(t, h, grace.ID)
		if !slices.Contains(got, "staff_user.sso_linked") || !slices.Contains(got, "staff_user.role_changed") {
			t.Errorf("audit: %v", got)
		}
	})

	t.Run("another browser cannot use the callback", func(t *testing.T) {
		cb := h.anonymousBrowser(t).ssoToCallback("/console/sso/start", "Ada Admin")
		other := h.anonymousBrowser(t)
		other.refusedWith(other.getURL(cb), http.StatusForbidden, "another browser")
	})

	t.Run("no mapped role and no default role: refused, no account", func(t *testing.T) {
		b := h.anonymousBrowser(t)
		b.refusedWith(b.getURL(b.ssoToCallback("/console/sso/start", "Alan Other")), http.StatusForbidden, "No console role")
		if _, err := h.app.store.UserByEmail(ctx, "alan.other@example.org"); err == nil {
			t.Error("an account was created")
		}
	})

	t.Run("unverified email does not link", func(t *testing.T) {
		b := h.anonymousBrowser(t)
		b.refusedWith(b.getURL(b.ssoToCallback("/console/sso/start", "Eve Unverified")), http.StatusForbidden, "verified email")
	})

	t.Run("disabled user refused and audited", func(t *testing.T) {
		u, err := h.app.store.UserBySSOSubject(ctx, issuer+"|dev-staff-grace")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.app.staff.SetUserDisabled(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		b := h.anonymousBrowser(t)
		b.refusedWith(b.getURL(b.ssoToCallback("/console/sso/start", "Grace Issuer")), http.StatusForbidden, "disabled")
		if got := ssoActions(t, h, u.ID); !slices.Contains(got, "staff_user.sso_refused") {
			t.Errorf("audit: %v", got)
		}
	})
}

// refusedWithoutLogout checks a refusal page for a browser that may hold a
// session from before.
func (b *browser) refusedWithoutLogout(res *response, status int, text string) {
	b.t.Helper()
	if res.Status != status || !strings.Contains(res.doc(b.t).Find(".flash.error").Text(), text) {
		b.t.Fatalf("got %d, want %d with %q\n%s", res.Status, status, text, res.Body)
	}
}

// withConsoleSSOProvider points console_sso at the hostile test provider,
// which logs everyone in as sub "ada" with employee_id "e-1815".
func withConsoleSSOProvider(p *testProvider, role string) harnessOption {
	return func(c *config.Config, _ *harnessSettings) {
		c.ConsoleSSO = config.ConsoleSSOConfig{Issuer: p.srv.URL, ClientID: "credmint", ClientSecret: "secret",
			RoleClaim: "employee_id", RoleMap: config.RoleMap{"e-1815": role}}
	}
}

// linkedUser creates a user linked to the test provider's Ada.
func linkedUser(t *testing.T, h *harness, p *testProvider, role string) *staff.User {
	t.Helper()
	ctx := context.Background()
	u, err := h.app.staff.CreateUser(ctx, staff.NewUser{Email: "ada@example.org", Role: role})
	if err != nil {
		t.Fatal(err)
	}
	u.SSOSubject = p.srv.URL + "|ada"
	if err := h.app.store.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	return u
}

// providerSignIn goes through the test provider, which answers at once.
func (b *browser) providerSignIn(p *testProvider) *response {
	b.t.Helper()
	res := b.get("/console/sso/start")
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), p.srv.URL+"/authorize?") {
		b.t.Fatalf("start: %d to %q", res.Status, res.Header.Get("Location"))
	}
	back := b.getURL(res.Header.Get("Location"))
	return b.getURL(back.Header.Get("Location"))
}

// TestConsoleSSOIDTokenChecks: a wrong nonce, audience, signature or an
// expired ID token is refused; the same login with a good one works.
func TestConsoleSSOIDTokenChecks(t *testing.T) {
	p := newTestProvider(t)
	h := newHarness(t, withConsoleSSOProvider(p, staff.RoleIssuer))
	linkedUser(t, h, p, staff.RoleIssuer)
	for _, mode := range []string{modeWrongNonce, modeWrongAud, modeBadSignature, modeExpired, modeNoIDToken} {
		t.Run(mode, func(t *testing.T) {
			p.setMode(mode)
			b := h.anonymousBrowser(t)
			b.refusedWith(b.providerSignIn(p), http.StatusForbidden, "could not be verified")
		})
	}
	p.setMode(modeGood)
	b := h.anonymousBrowser(t)
	if res := b.providerSignIn(p); res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/console/" {
		t.Fatalf("good ID token: %d\n%s", res.Status, res.Body)
	}
}

// TestConsoleSSORoleFollowsTheMapping: the role is set from the mapping at
// every sign-in, so a changed role_map applies at the next one (audited).
func TestConsoleSSORoleFollowsTheMapping(t *testing.T) {
	p := newTestProvider(t)
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "shared.db")
	first := newHarnessWithDB(t, dbURL, withConsoleSSOProvider(p, staff.RoleAdmin))
	u := linkedUser(t, first, p, staff.RoleIssuer)
	b := first.anonymousBrowser(t)
	if res := b.providerSignIn(p); res.Status != http.StatusSeeOther {
		t.Fatalf("first sign-in: %d\n%s", res.Status, res.Body)
	}
	if got, _ := first.app.store.UserByID(context.Background(), u.ID); got.Role != staff.RoleAdmin {
		t.Fatalf("role after the first sign-in: %s, want admin", got.Role)
	}
	// Another admin: the last one is never demoted (see below).
	if _, err := first.app.staff.CreateUser(context.Background(), staff.NewUser{Email: "root@example.org", Role: staff.RoleAdmin, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	second := newHarnessWithDB(t, dbURL, withConsoleSSOProvider(p, staff.RoleAuditor))
	b = second.anonymousBrowser(t)
	if res := b.providerSignIn(p); res.Status != http.StatusSeeOther {
		t.Fatalf("second sign-in: %d\n%s", res.Status, res.Body)
	}
	if res := b.get("/console/users"); res.Status != http.StatusForbidden {
		t.Errorf("auditor on the users page: %d, want 403", res.Status)
	}
	if got, _ := second.app.store.UserByID(context.Background(), u.ID); got.Role != staff.RoleAuditor {
		t.Fatalf("role after the mapping changed: %s, want auditor", got.Role)
	}
	evs, err := second.app.store.AuditEvents(context.Background(), "staff_user", u.ID)
	if err != nil {
		t.Fatal(err)
	}
	var changes []string
	for _, e := range evs {
		if e.Action == "staff_user.role_changed" {
			changes = append(changes, e.Details["from"]+"→"+e.Details["to"])
		}
	}
	if want := []string{"issuer→admin", "admin→auditor"}; !slices.Equal(changes, want) {
		t.Errorf("role changes: %v, want %v", changes, want)
	}
}

// ssoActions lists the audit actions about a staff user.
func ssoActions(t *testing.T, h *harness, id string) []string {
	t.Helper()
	var out []string
	for _, e := range h.actions(t, "staff_user", id) {
		out = append(out, e.Action)
	}
	return out
}
