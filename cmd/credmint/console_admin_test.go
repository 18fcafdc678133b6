package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"credmint/app/audit"
	"credmint/app/keys"
	"credmint/app/staff"
	"credmint/db/dbtest"
)

// eachBackend runs fn with a harness on SQLite and one on PostgreSQL (when
// CREDMINT_TEST_POSTGRES_URL is set).
func eachBackend(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newHarness(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, newHarnessWithDB(t, dbtest.PostgresURL(t))) })
}

// signedIn creates a user with email and role and returns a browser signed
// in as that user.
func (h *harness) signedIn(t *testing.T, email, role string) (*browser, *staff.User) {
	t.Helper()
	u, err := h.app.staff.CreateUser(context.Background(), staff.NewUser{Email: email, Name: "User " + role, Role: role, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	return h.signIn(t, email, testPassword), u
}

// signIn returns a new browser signed in with email and password.
func (h *harness) signIn(t *testing.T, email, password string) *browser {
	t.Helper()
	b := h.anonymousBrowser(t)
	if res := b.postForm("/console/login", url.Values{"email": {email}, "password": {password}}); res.Status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: got %d", email, res.Status)
	}
	return b
}

// signedOut reports whether b's session has ended.
func (b *browser) signedOut() bool {
	res := b.get("/console/")
	return res.Status == http.StatusSeeOther && strings.Contains(res.Header.Get("Location"), "/console/login")
}

// forged posts a form as another site would.
func (b *browser) forged(path string, form url.Values) *response {
	return b.do(http.MethodPost, path, http.Header{"Content-Type": {"application/x-www-form-urlencoded"},
		"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}, form.Encode())
}

// actions lists the audit actions about a subject.
func (h *harness) actions(t *testing.T, subjectType, id string) []audit.Event {
	t.Helper()
	evs, err := h.app.store.AuditEvents(context.Background(), subjectType, id)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestConsoleAPIKeys(t *testing.T) {
	h := newHarness(t)
	admin, adminUser := h.signedIn(t, "ada@example.org", staff.RoleAdmin)
	res := admin.get("/console/apikeys")
	if res.Status != http.StatusOK || res.doc(t).Find("tbody tr").Length() != 1 {
		t.Fatalf("list: got %d\n%s", res.Status, res.Body)
	}
	res = admin.postForm("/console/apikeys", url.Values{"name": {"  "}})
	if res.Status != http.StatusBadRequest || res.doc(t).Find(".field.invalid #e-name").Text() == "" {
		t.Fatalf("empty name: got %d, want 400 with a message on the name\n%s", res.Status, res.Body)
	}
	res = admin.postForm("/console/apikeys", url.Values{"name": {"student-records"}})
	d := res.doc(t)
	secret := d.Find("#new-secret").AttrOr("value", "")
	if res.Status != http.StatusCreated || !strings.HasPrefix(secret, "cmk_") || d.Find("tbody tr").Length() != 2 {
		t.Fatalf("create: got %d, secret %q\n%s", res.Status, secret, res.Body)
	}
	var id string
	d.Find("tbody tr").Each(func(_ int, s *goquery.Selection) {
		if s.Find("td").First().Text() == "student-records" {
			id = strings.TrimPrefix(s.AttrOr("id", ""), "key-")
		}
	})
	// The key works, and its use shows.
	if res := h.do(http.MethodGet, h.url+"/api/v1/offers/off_nope", map[string]string{"Authorization": "Bearer " + secret}, nil); res.Status != http.StatusNotFound {
		t.Fatalf("API call with the new key: got %d, want 404", res.Status)
	}
	if got := admin.get("/console/apikeys").doc(t).Find("#key-" + id + " .last-used").Text(); got == "never" || got == "" {
		t.Errorf("last used after a call: got %q", got)
	}
	if admin.get("/console/apikeys").doc(t).Find("#new-secret").Length() != 0 {
		t.Error("the secret is shown again")
	}

	issuer := h.newBrowser(t, staff.RoleIssuer)
	if res := issuer.get("/console/apikeys"); res.Status != http.StatusForbidden {
		t.Errorf("issuer list: got %d, want 403", res.Status)
	}
	if res := issuer.postForm("/console/apikeys/"+id+"/revoke", nil); res.Status != http.StatusForbidden {
		t.Errorf("issuer revoke: got %d, want 403", res.Status)
	}
	if res := admin.forged("/console/apikeys/"+id+"/revoke", nil); res.Status != http.StatusForbidden {
		t.Errorf("forged revoke: got %d, want 403", res.Status)
	}
	if res := admin.postForm("/console/apikeys/"+id+"/revoke", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("revoke: got %d", res.Status)
	}
	d = admin.get("/console/apikeys").doc(t)
	if !strings.Contains(d.Find(".flash").Text(), "revoked") || !strings.Contains(d.Find("#key-"+id+" .badge.bad").Text(), "revoked") {
		t.Errorf("list after revoke:\n%s", d.Text())
	}
	if res := h.do(http.MethodGet, h.url+"/api/v1/offers/off_nope", map[string]string{"Authorization": "Bearer " + secret}, nil); res.Status != http.StatusForbidden {
		t.Errorf("API call with the revoked key: got %d, want 403", res.Status)
	}
	if res := admin.postForm("/console/apikeys/"+id+"/revoke", nil); res.Status != http.StatusSeeOther ||
		!strings.Contains(admin.get("/console/apikeys").doc(t).Find(".flash.error").Text(), "revoked already") {
		t.Errorf("revoke twice: got %d, want a redirect with an error", res.Status)
	}
	evs := h.actions(t, "api_key", id)
	if len(evs) != 2 || evs[0].Action != "api_key.created" || evs[1].Action != "api_key.revoked" ||
		evs[1].Actor.Kind != audit.ActorStaff || evs[1].Actor.ID != adminUser.ID || evs[0].Details["name"] != "student-records" {
		t.Errorf("audit events of the key: %+v", evs)
	}
}

func TestConsoleUsers(t *testing.T) {
	h := newHarness(t)
	admin, adminUser := h.signedIn(t, "ada@example.org", staff.RoleAdmin)
	res := admin.get("/console/users")
	d := res.doc(t)
	row := d.Find("#user-" + adminUser.ID)
	if res.Status != http.StatusOK || row.Find(".badge").First().Text() != "you" || row.Find(".last-login").Text() == "never" {
		t.Fatalf("users list: got %d\n%s", res.Status, res.Body)
	}
	if res := admin.get("/console/users/new"); res.Status != http.StatusOK || res.doc(t).Find(`form input[name=email]`).Length() != 1 {
		t.Fatalf("new user form: %d", res.Status)
	}

	for _, tt := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"bad email", url.Values{"email": {"grace"}, "role": {"issuer"}, "password_mode": {"generate"}}, "email"},
		{"existing email", url.Values{"email": {"ADA@example.org"}, "role": {"issuer"}, "password_mode": {"generate"}}, "email"},
		{"bad role", url.Values{"email": {"grace@example.org"}, "role": {"root"}, "password_mode": {"generate"}}, "role"},
		{"short password", url.Values{"email": {"grace@example.org"}, "role": {"issuer"}, "password_mode": {"set"}, "password": {"short"}}, "password"},
		{"no password", url.Values{"email": {"grace@example.org"}, "role": {"issuer"}, "password_mode": {"set"}}, "password"},
	} {
		res := admin.postForm("/console/users", tt.form)
		d := res.doc(t)
		if res.Status != http.StatusBadRequest || d.Find(".field.invalid #e-"+tt.field).Text() == "" {
			t.Errorf("%s: got %d, want 400 with a message on %s\n%s", tt.name, res.Status, tt.field, res.Body)
		}
		if got := d.Find(`input[name=email]`).AttrOr("value", ""); got != tt.form.Get("email") {
			t.Errorf("%s: email after the error: %q", tt.name, got)
		}
	}

	// A generated password is shown once and works.
	res = admin.postForm("/console/users", url.Values{"email": {"grace@example.org"}, "name": {"Grace"}, "role": {"issuer"}, "password_mode": {"generate"}})
	pw := res.doc(t).Find("#new-password").AttrOr("value", "")
	if res.Status != http.StatusCreated || len(pw) < 20 {
		t.Fatalf("create with a generated password: got %d %q", res.Status, pw)
	}
	grace := h.signIn(t, "grace@example.org", pw)
	graceUser, _ := h.app.store.UserByEmail(context.Background(), "grace@example.org")
	evs := h.actions(t, "staff_user", graceUser.ID)
	if len(evs) != 1 || evs[0].Action != "staff_user.created" || evs[0].Details["password"] != "generated" || evs[0].Actor.ID != adminUser.ID {
		t.Errorf("audit of the creation: %+v", evs)
	}
	if strings.Contains(evs[0].Details["password"], pw) {
		t.Fatal("the password is in the audit log")
	}
	res = admin.postForm("/console/users", url.Values{"email": {"linus@example.org"}, "role": {"auditor"}, "password_mode": {"set"}, "password": {testPassword}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("create with a set password: got %d", res.Status)
	}
	linus := h.signIn(t, "linus@example.org", testPassword)
	linusUser, _ := h.app.store.UserByEmail(context.Background(), "linus@example.org")

	// Non-admins may not manage users, and a forged post changes nothing.
	if res := grace.get("/console/users"); res.Status != http.StatusForbidden {
		t.Errorf("issuer GET users: got %d, want 403", res.Status)
	}
	if res := linus.postForm("/console/users/"+graceUser.ID+"/disable", nil); res.Status != http.StatusForbidden {
		t.Errorf("auditor disables a user: got %d, want 403", res.Status)
	}
	if res := admin.forged("/console/users/"+graceUser.ID+"/role", url.Values{"role": {"admin"}}); res.Status != http.StatusForbidden {
		t.Errorf("forged role change: got %d, want 403", res.Status)
	}

	// The last admin can neither demote nor disable themselves.
	res = admin.postForm("/console/users/"+adminUser.ID+"/role", url.Values{"role": {"issuer"}})
	if res.Status != http.StatusConflict || !strings.Contains(res.doc(t).Find("#user-"+adminUser.ID+" .error").Text(), "last enabled admin") {
		t.Fatalf("demote the last admin: got %d\n%s", res.Status, res.Body)
	}
	if res := admin.postForm("/console/users/"+adminUser.ID+"/disable", nil); res.Status != http.StatusConflict {
		t.Fatalf("disable the last admin: got %d", res.Status)
	}
	if res := admin.postForm("/console/users/"+graceUser.ID+"/role", url.Values{"role": {"root"}}); res.Status != http.StatusBadRequest ||
		res.doc(t).Find("#user-"+graceUser.ID+" .error").Text() == "" {
		t.Errorf("unknown role: got %d, want 400 with a message on the row", res.Status)
	}
	if res := admin.postForm("/console/users/usr_nope/disable", nil); res.Status != http.StatusNotFound {
		t.Errorf("unknown user: got %d, want 404", res.Status)
	}

	// Role change: applies at once (Grace's session ends).
	if res := admin.postForm("/console/users/"+graceUser.ID+"/role", url.Values{"role": {"admin"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("promote grace: got %d", res.Status)
	}
	if !grace.signedOut() {
		t.Error("a role change must end the user's sessions")
	}
	if u, _ := h.app.store.UserByID(context.Background(), graceUser.ID); u.Role != staff.RoleAdmin {
		t.Errorf("grace's role: %q", u.Role)
	}
	// With two admins Ada may step down.
	if res := admin.postForm("/console/users/"+adminUser.ID+"/role", url.Values{"role": {"issuer"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("demote ada with grace admin: got %d", res.Status)
	}
	admin = h.signIn(t, "grace@example.org", pw)

	// Revoke sessions, disable, enable.
	if got := admin.get("/console/users").doc(t).Find("#user-" + linusUser.ID + " .live-sessions").Text(); got != "1" {
		t.Errorf("linus's live sessions: %q", got)
	}
	if res := admin.postForm("/console/users/"+linusUser.ID+"/sessions/revoke", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("revoke sessions: got %d", res.Status)
	}
	if !linus.signedOut() || !strings.Contains(admin.get("/console/users").doc(t).Find(".flash").Text(), "1 session") {
		t.Error("revoking sessions must sign the user out")
	}
	linus = h.signIn(t, "linus@example.org", testPassword)
	if res := admin.postForm("/console/users/"+linusUser.ID+"/disable", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("disable: got %d", res.Status)
	}
	if !linus.signedOut() {
		t.Error("disabling must sign the user out")
	}
	if res := h.anonymousBrowser(t).postForm("/console/login", url.Values{"email": {"linus@example.org"}, "password": {testPassword}}); res.Status != http.StatusUnauthorized {
		t.Errorf("sign-in of a disabled user: got %d, want 401", res.Status)
	}
	if got := admin.get("/console/users").doc(t).Find("#user-" + linusUser.ID + " .badge.bad").Text(); got != "disabled" {
		t.Errorf("status of linus: %q", got)
	}
	if res := admin.postForm("/console/users/"+linusUser.ID+"/enable", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("enable: got %d", res.Status)
	}
	h.signIn(t, "linus@example.org", testPassword)
	var got []string
	for _, ev := range h.actions(t, "staff_user", linusUser.ID) {
		got = append(got, ev.Action)
	}
	if want := "staff_user.created staff_user.sessions_revoked staff_user.disabled staff_user.enabled"; strings.Join(got, " ") != want {
		t.Errorf("audit of linus: got %q, want %q", got, want)
	}
}

func TestConsoleAuditLog(t *testing.T) { eachBackend(t, testConsoleAuditLog) }

func testConsoleAuditLog(t *testing.T, h *harness) {
	auditor, _ := h.signedIn(t, "eve@example.org", staff.RoleAuditor)
	admin, adminUser := h.signedIn(t, "ada@example.org", staff.RoleAdmin)
	// Events: 55 offers by the API key, a key whose name is a formula, by
	// the admin.
	for range 55 {
		h.createOffer(staffBadgeOffer())
	}
	if res := admin.postForm("/console/apikeys", url.Values{"name": {"=HYPERLINK(\"http://evil.example\")"}}); res.Status != http.StatusCreated {
		t.Fatalf("create key: %d", res.Status)
	}

	res := auditor.get("/console/audit")
	d := res.doc(t)
	if res.Status != http.StatusOK || d.Find("table.audit tbody tr").Length() != 50 {
		t.Fatalf("audit log: got %d with %d rows", res.Status, d.Find("table.audit tbody tr").Length())
	}
	first := d.Find("table.audit tbody tr").First()
	if first.Find(".action").Text() != "api_key.created" || !strings.Contains(first.Find(".actor").Text(), "ada@example.org") {
		t.Errorf("newest event: %q by %q", first.Find(".action").Text(), first.Find(".actor").Text())
	}
	older := d.Find(`a[rel=next]`).AttrOr("href", "")
	if older == "" || d.Find(`a[rel=prev]`).Length() != 0 {
		t.Fatalf("pager of the first page:\n%s", d.Find("nav.pager").Text())
	}
	d = auditor.get(older).doc(t)
	if n := d.Find("table.audit tbody tr").Length(); n == 0 || n > 50 || d.Find(`a[rel=prev]`).Length() != 1 {
		t.Fatalf("second page: %d rows", n)
	}
	newer := d.Find(`a[rel=prev]`).AttrOr("href", "")
	if got := auditor.get(newer).doc(t).Find("table.audit tbody tr").First().Find(".action").Text(); got != "api_key.created" {
		t.Errorf("back to the newest page: first action %q", got)
	}

	count := func(query string) int {
		t.Helper()
		res := auditor.get("/console/audit?" + query)
		if res.Status != http.StatusOK {
			t.Fatalf("audit?%s: got %d", query, res.Status)
		}
		return res.doc(t).Find("table.audit tbody tr").Length()
	}
	today := h.clock.Now().UTC().Format(time.DateOnly)
	if n := count("action=api_key.created&actor=ada%40example.org"); n != 1 {
		t.Errorf("filter by action and actor email: %d rows, want 1", n)
	}
	if n := count("actor_kind=staff&subject_type=api_key"); n != 1 {
		t.Errorf("filter by actor kind and subject: %d rows", n)
	}
	if n := count("action=offer.*&actor=test"); n != 50 {
		t.Errorf("offers by the key named test (first page): %d rows", n)
	}
	if n := count("action=offer.created&from=" + today + "&to=" + today); n != 50 {
		t.Errorf("offers today (first page): %d rows", n)
	}
	if n := count("action=offer.created&to=2000-01-01"); n != 0 {
		t.Errorf("offers before 2000: %d rows", n)
	}
	res = auditor.get("/console/audit?from=yesterday")
	if res.Status != http.StatusBadRequest || res.doc(t).Find(".field.invalid #e-from").Text() == "" {
		t.Errorf("bad date: got %d, want 400 with a message on from", res.Status)
	}

	// CSV: every matching event (more than a page), safe for spreadsheets.
	res = auditor.get("/console/audit/export.csv?action=offer.created")
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: got %d %q %q", res.Status, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
	records, err := csv.NewReader(strings.NewReader(string(res.Body))).ReadAll()
	if err != nil || len(records) != 56 || records[0][0] != "id" || records[1][7] != "offer.created" || records[1][2] != "api_key" || records[1][4] != "test" {
		t.Fatalf("export rows: %d, %v\n%v", len(records), err, records[:min(3, len(records))])
	}
	records, _ = csv.NewReader(strings.NewReader(string(auditor.get("/console/audit/export.csv?subject_type=api_key&actor_kind=staff").Body))).ReadAll()
	if len(records) != 2 || !strings.HasPrefix(records[1][10], `{"name":"=HYPERLINK`) || records[1][4] != "ada@example.org" || records[1][3] != adminUser.ID {
		t.Fatalf("export of the key event: %v", records)
	}
	// The key's own name as actor: a cell that starts with "=" gets a quote.
	ctx := audit.WithActor(context.Background(), audit.Actor{Kind: audit.ActorAPIKey, ID: keyID(t, h, "=HYPERLINK")})
	if _, err := h.app.access.Revoke(ctx, keyID(t, h, "=HYPERLINK")); err != nil {
		t.Fatal(err)
	}
	records, _ = csv.NewReader(strings.NewReader(string(auditor.get("/console/audit/export.csv?action=api_key.revoked").Body))).ReadAll()
	if len(records) != 2 || !strings.HasPrefix(records[1][4], `'=HYPERLINK`) {
		t.Errorf("formula in a cell: got %q, want it prefixed with a quote", records[1][4])
	}

	issuer := h.newBrowser(t, staff.RoleIssuer)
	for _, path := range []string{"/console/audit", "/console/audit/export.csv"} {
		if res := issuer.get(path); res.Status != http.StatusForbidden {
			t.Errorf("issuer GET %s: got %d, want 403", path, res.Status)
		}
	}
}

// keyID returns the id of the API key whose name starts with prefix.
func keyID(t *testing.T, h *harness, prefix string) string {
	t.Helper()
	keys, err := h.app.access.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if strings.HasPrefix(k.Name, prefix) {
			return k.ID
		}
	}
	t.Fatalf("no key named %s…", prefix)
	return ""
}

func TestConsoleCredentials(t *testing.T) { eachBackend(t, testConsoleCredentials) }

func testConsoleCredentials(t *testing.T, h *harness) {
	w := newWallet(t, h)
	created := h.createOffer(staffBadgeOffer())
	f := startFlow(t, h, w, created, nil)
	if res := f.request(t, h, map[string]any{"credential_configuration_id": "staff_badge"}); res.Status != http.StatusOK {
		t.Fatalf("credential: %d\n%s", res.Status, res.Body)
	}
	creds, err := h.app.store.IssuedCredentials(context.Background(), created.ID)
	if err != nil || len(creds) != 1 {
		t.Fatalf("issued: %v %v", creds, err)
	}
	var issuedEvent *audit.Event
	for _, ev := range h.actions(t, "offer", created.ID) {
		if ev.Action == "credential.issued" {
			issuedEvent = &ev
		}
	}
	if issuedEvent == nil || issuedEvent.Details["credential_ids"] != creds[0].ID {
		t.Errorf("the credential.issued event must name the credential: %+v", issuedEvent)
	}
	auditor := h.newBrowser(t, staff.RoleAuditor)
	res := auditor.get("/console/credentials")
	d := res.doc(t)
	row := d.Find("#cred-" + creds[0].ID)
	if res.Status != http.StatusOK || row.Length() != 1 {
		t.Fatalf("credentials: got %d\n%s", res.Status, res.Body)
	}
	tds := row.Find("td")
	if tds.Eq(1).Text() != "staff_badge" || tds.Eq(3).Find("code").Text() != created.ID ||
		tds.Eq(4).Find("code").AttrOr("title", "") != creds[0].HolderKeyThumbprint || row.Find(".status .badge").Text() != "valid" {
		t.Errorf("credential row: %q", row.Text())
	}
	count := func(query string) int {
		t.Helper()
		res := auditor.get("/console/credentials?" + query)
		if res.Status != http.StatusOK {
			t.Fatalf("credentials?%s: %d", query, res.Status)
		}
		return res.doc(t).Find("table.credentials tbody tr").Length()
	}
	tp := creds[0].HolderKeyThumbprint
	for query, want := range map[string]int{
		"configuration_id=staff_badge":                      1,
		"configuration_id=address_card":                     0,
		"offer_id=" + created.ID:                            1,
		"thumbprint=" + url.QueryEscape(tp[:6]):             1,
		"thumbprint=zz" + url.QueryEscape(tp[:4]):           0,
		"from=2000-01-01&to=2000-12-31":                     0,
		"from=" + h.clock.Now().UTC().Format(time.DateOnly): 1,
	} {
		if got := count(query); got != want {
			t.Errorf("credentials?%s: %d rows, want %d", query, got, want)
		}
	}
	if res := auditor.get("/console/credentials?to=31.12.2025"); res.Status != http.StatusBadRequest || res.doc(t).Find(".field.invalid #e-to").Text() == "" {
		t.Errorf("bad date: got %d", res.Status)
	}
	if res := auditor.get("/console/credentials?before=garbage"); res.Status != http.StatusBadRequest {
		t.Errorf("damaged cursor: got %d, want 400", res.Status)
	}
	// Past its expiry the credential reads expired.
	h.clock.Advance(366 * 24 * time.Hour)
	b := h.newBrowser(t, staff.RoleReviewer)
	if got := b.get("/console/credentials").doc(t).Find("#cred-" + creds[0].ID + " .status .badge").Text(); got != "expired" {
		t.Errorf("status a year later: %q", got)
	}
}

func TestConsoleDashboard(t *testing.T) { eachBackend(t, testConsoleDashboard) }

func testConsoleDashboard(t *testing.T, h *harness) {
	for range 2 {
		h.createOffer(staffBadgeOffer())
	}
	short := staffBadgeOffer()
	short["expires_in"] = 60
	h.createOffer(short)
	w := newWallet(t, h)
	f := startFlow(t, h, w, h.createOffer(staffBadgeOffer()), nil)
	if res := f.request(t, h, map[string]any{"credential_configuration_id": "staff_badge"}); res.Status != http.StatusOK {
		t.Fatalf("credential: %d", res.Status)
	}
	h.clock.Advance(2 * time.Minute) // the short offer expires
	b := h.newBrowser(t, staff.RoleReviewer)
	res := b.get("/console/")
	d := res.doc(t)
	if res.Status != http.StatusOK {
		t.Fatalf("dashboard: %d", res.Status)
	}
	tile := func(class string) string { return d.Find(".tile." + class + " .tile-value").Text() }
	for class, want := range map[string]string{"s-created": "4", "s-redeemed": "1", "s-expired": "1", "s-issued": "1", "pending-reviews": "0"} {
		if got := tile(class); got != want {
			t.Errorf("tile %s: got %q, want %q", class, got, want)
		}
	}
	svg := d.Find(`svg.chart[role=img]`)
	if svg.Length() != 1 || svg.Find("title#chart-title").Text() == "" || !strings.Contains(svg.Find("desc").Text(), "Offers created: 4") ||
		svg.Find("polyline.series").Length() != 4 {
		t.Errorf("chart: %d svg\n%s", svg.Length(), res.Body)
	}
	if label, _ := svg.Attr("aria-labelledby"); label != "chart-title chart-desc" {
		t.Errorf("chart label: %q", label)
	}
	rows := d.Find("table.activity tbody tr")
	if rows.Length() != 30 || rows.Last().Find("th").Text() != h.clock.Now().UTC().Format(time.DateOnly) {
		t.Errorf("data table: %d rows, last %q", rows.Length(), rows.Last().Find("th").Text())
	}
	sums := make([]int, 4)
	rows.Each(func(_ int, r *goquery.Selection) {
		r.Find("td").Each(func(i int, c *goquery.Selection) {
			n, _ := strconv.Atoi(c.Text())
			sums[i] += n
		})
	})
	if fmt.Sprint(sums) != "[4 1 1 1]" {
		t.Errorf("data table sums (created, redeemed, expired, issued): %v", sums)
	}
	if d.Find(".key-warning").Length() != 0 {
		t.Error("a fresh key must not warn")
	}
	if d.Find(".tile.failed-deliveries .tile-value").Text() != "0" {
		t.Errorf("failed deliveries tile: %q", d.Find(".tile.failed-deliveries").Text())
	}
}

func TestConsoleDashboardKeyExpiry(t *testing.T) {
	h := newHarness(t)
	signer, err := h.app.ring.Active(keys.PurposeCredential)
	if err != nil {
		t.Fatal(err)
	}
	var cred keys.Info
	for _, k := range h.app.ring.Keys() {
		if k.ID == signer.KeyID() {
			cred = k
		}
	}
	// The warnings about the credential key (the other purposes' keys have
	// their own certificates and warnings).
	credWarning := func(d *goquery.Document) *goquery.Selection {
		return d.Find(".key-warning").FilterFunction(func(_ int, s *goquery.Selection) bool { return strings.Contains(s.Text(), cred.ID) })
	}
	// 20 days before the certificate ends: a warning.
	h.clock.Advance(cred.NotAfter.Sub(h.clock.Now()) - 20*24*time.Hour)
	b, _ := h.signedIn(t, "ada@example.org", staff.RoleAuditor)
	warn := credWarning(b.get("/console/").doc(t))
	if warn.Length() != 1 || !warn.HasClass("warn") || !strings.Contains(warn.Text(), "in 19 days") && !strings.Contains(warn.Text(), "in 20 days") {
		t.Errorf("20 days before expiry: %q", warn.Text())
	}
	// Past it, with no key to replace it: an error.
	h.clock.Advance(21 * 24 * time.Hour)
	b = h.signIn(t, "ada@example.org", testPassword)
	warn = credWarning(b.get("/console/").doc(t))
	if warn.Length() != 1 || !warn.HasClass("error") || !strings.Contains(warn.Text(), "expired") {
		t.Errorf("after expiry: %q", warn.Text())
	}
}

// TestBrowserAdminPages opens the dashboard, credentials, audit log, users
// and API keys pages in chromium with some activity behind them (and saves
// the screenshots of the pages TestBrowserConsoleWalkthrough does not show
// with CREDMINT_SCREENSHOTS set).
func TestBrowserAdminPages(t *testing.T) {
	ctx := newChrome(t)
	h := newHarness(t)
	for range 3 {
		h.createOffer(staffBadgeOffer())
	}
	w := newWallet(t, h)
	f := startFlow(t, h, w, h.createOffer(staffBadgeOffer()), nil)
	if res := f.request(t, h, map[string]any{"credential_configuration_id": "staff_badge"}); res.Status != http.StatusOK {
		t.Fatalf("credential: %d", res.Status)
	}
	signIn(t, ctx, h, staff.RoleAdmin)
	for _, p := range []struct{ path, shot, heading, ready string }{
		{"/console/", "", "Dashboard", `svg.chart polyline`},
		{"/console/configurations", "", "Credential configurations", `#config-staff_badge`},
		{"/console/configurations/staff_badge", "configuration", "Staff badge staff_badge", `pre.metadata`},
		{"/console/credentials", "credentials", "Issued credentials", `table.credentials tbody tr`},
		{"/console/audit", "", "Audit log", `table.audit tbody tr`},
		{"/console/users", "users", "Users", `table.users tbody tr`},
		{"/console/apikeys", "api-keys", "API keys", `tbody tr`},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(h.url+p.path), chromedp.WaitVisible(chromedp.CSS(p.ready))); err != nil {
			t.Fatalf("%s: %v", p.path, err)
		}
		heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main h1`)))
		if err != nil || heading != p.heading {
			t.Errorf("%s: heading %q, %v, want %q", p.path, heading, err, p.heading)
		}
		if p.shot != "" {
			screenshot(t, ctx, p.shot)
		}
	}
}
