package main

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"credmint/app/applicants"
	"credmint/app/audit"
	"credmint/app/credential"
	"credmint/app/staff"
)

// staffID matches a staff user or API key id shown raw.
var staffID = regexp.MustCompile(`\b(usr|key)_[A-Za-z0-9_-]{6,}`)

// namedBrowser signs in a new staff member called name with role.
func namedBrowser(t *testing.T, h *harness, name, email, role string) (*browser, *staff.User) {
	t.Helper()
	u, err := h.app.staff.CreateUser(context.Background(), staff.NewUser{Email: email, Name: name, Role: role, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	b := h.anonymousBrowser(t)
	if res := b.postForm("/console/login", url.Values{"email": {email}, "password": {testPassword}}); res.Status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: got %d\n%s", email, res.Status, res.Body)
	}
	return b, u
}

// page gets a console page and fails unless it answers 200.
func (b *browser) page(path string) *goquery.Document {
	b.t.Helper()
	res := b.get(path)
	if res.Status != http.StatusOK {
		b.t.Fatalf("GET %s: got %d\n%s", path, res.Status, res.Body)
	}
	return res.doc(b.t)
}

// texts are the trimmed texts of the selection's elements.
func texts(s *goquery.Selection) []string {
	var out []string
	s.Each(func(_ int, e *goquery.Selection) { out = append(out, squash(e.Text())) })
	return out
}

func TestConsoleNamesStaffInsteadOfIDs(t *testing.T) {
	h := newHarness(t, withReview(credential.ReviewManual, false))
	grace, graceUser := namedBrowser(t, h, "Grace Hopper", "grace@example.org", staff.RoleAdmin)
	// An account without a name is shown by its email address.
	_, opsUser := namedBrowser(t, h, "", "ops@example.org", staff.RoleIssuer)
	bg := context.Background()
	as := func(u string) context.Context {
		return audit.WithActor(bg, audit.Actor{Kind: audit.ActorStaff, ID: u})
	}

	t.Run("imports", func(t *testing.T) {
		jobs := map[string]string{} // job id → uploader shown
		for _, tc := range []struct{ by, want string }{
			{graceUser.ID, "Grace Hopper"},
			{opsUser.ID, "ops@example.org"},
			{"usr_GONE0000", "usr_GONE0000 (deleted user)"},
		} {
			j, err := h.app.applicants.Upload(as(tc.by), applicants.UploadRequest{ConfigurationID: "staff_badge", FileName: "staff.csv",
				Data: []byte("given_name,family_name\nAda,Lovelace\n")})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := h.app.applicants.Start(bg, j.ID, applicants.StartRequest{Mapping: j.Mapping}); err != nil {
				t.Fatal(err)
			}
			jobs[j.ID] = tc.want
		}
		h.runImports(t)
		list := grace.page("/console/applicants/imports")
		for id, want := range jobs {
			if got := squash(list.Find(`tr[data-id="` + id + `"] .created-by`).Text()); got != want {
				t.Errorf("imports list, %s uploaded by: got %q, want %q", id, got, want)
			}
			if got := squash(grace.page("/console/applicants/imports/" + id).Find(".uploaded .created-by").Text()); got != want {
				t.Errorf("import %s, uploaded by: got %q, want %q", id, got, want)
			}
		}
	})

	t.Run("offer timeline", func(t *testing.T) {
		o := h.createOffer(staffBadgeOffer())
		if res := grace.postForm("/console/offers/"+o.ID+"/revoke", url.Values{}); res.Status != http.StatusSeeOther {
			t.Fatalf("revoke: got %d\n%s", res.Status, res.Body)
		}
		d := grace.page("/console/offers/" + o.ID)
		if got := squash(d.Find(".created-by").Text()); got != "API key test" {
			t.Errorf("offer created by: got %q, want %q", got, "API key test")
		}
		who := texts(d.Find("table.history td.who"))
		if !strings.Contains(strings.Join(who, "|"), "API key test") || !strings.Contains(strings.Join(who, "|"), "Grace Hopper") {
			t.Errorf("timeline actors: got %q, want the API key test (created) and Grace Hopper (revoked)", who)
		}
		if id := staffID.FindString(d.Find("main").Text()); id != "" {
			t.Errorf("the offer page shows the id %s instead of a name", id)
		}
	})

	t.Run("reviews", func(t *testing.T) {
		_, rejected := deferredStart(t, h, newWallet(t, h), nil)
		rid := requestID(t, h, rejected.TransactionID)
		if res := grace.postForm("/console/reviews/"+rid+"/reject", url.Values{"reason": {"not an employee"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("reject: got %d\n%s", res.Status, res.Body)
		}
		_, approved := deferredStart(t, h, newWallet(t, h), nil)
		aid := requestID(t, h, approved.TransactionID)
		if res := h.admin("/deferred/"+aid+"/approve", nil); res.Status != http.StatusOK {
			t.Fatalf("approve through the API: got %d\n%s", res.Status, res.Body)
		}
		for id, want := range map[string]string{rid: "Grace Hopper", aid: "API key test"} {
			d := grace.page("/console/reviews/" + id)
			if got := squash(d.Find(".decided-by").Text()); !strings.HasPrefix(got, want+", ") {
				t.Errorf("review %s decided by: got %q, want %q and the time", id, got, want)
			}
			if got := squash(d.Find(".offer-created-by").Text()); got != "API key test" {
				t.Errorf("review %s, offer made by: got %q, want API key test", id, got)
			}
			if id := staffID.FindString(d.Find("main").Text()); id != "" {
				t.Errorf("the review page shows the id %s instead of a name", id)
			}
		}
		if got := squash(grace.page("/console/reviews/" + rid).Find(".reject-reason").Text()); got != "not an employee" {
			t.Errorf("rejection reason: got %q", got)
		}
	})
}

func TestConsoleNamesWhoChangedCredentialStatus(t *testing.T) {
	h := newHarness(t)
	grace, _ := namedBrowser(t, h, "Grace Hopper", "grace@example.org", staff.RoleAdmin)
	uriA, idxA := issueStatusCredential(t, h)
	uriB, idxB := issueStatusCredential(t, h)
	a, b := credentialAt(t, h, uriA, idxA), credentialAt(t, h, uriB, idxB)
	if res := grace.postForm("/console/credentials/"+a+"/revoke", url.Values{"reason": {"device lost"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("revoke: got %d\n%s", res.Status, res.Body)
	}
	res := h.do(http.MethodPost, h.url+"/api/v1/credentials/"+b+"/suspend",
		map[string]string{"Authorization": "Bearer " + h.apiKey, "Content-Type": "application/json"}, strings.NewReader(`{}`))
	if res.Status != http.StatusOK {
		t.Fatalf("suspend through the API: got %d\n%s", res.Status, res.Body)
	}
	d := grace.page("/console/credentials")
	for id, want := range map[string]string{a: "revoked by Grace Hopper, ", b: "suspended by API key test, "} {
		if got := squash(d.Find("#cred-" + id + " .status-change").Text()); !strings.HasPrefix(got, want) {
			t.Errorf("credential %s status change: got %q, want %q and the time", id, got, want)
		}
	}
	if title, _ := d.Find("#cred-" + a + " .status-change").Attr("title"); title != "device lost" {
		t.Errorf("revocation reason in the title: got %q", title)
	}
}
