package main

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"credmint/app/staff"
)

// TestConsoleWallets: an admin registers, edits, disables and deletes a
// wallet client; invalid forms re-render with field messages; clients of
// the configuration file are listed read-only; each change is audited.
func TestConsoleWallets(t *testing.T) {
	h := newHarness(t, withAuthz())
	admin, _ := h.signedIn(t, "ada@example.org", staff.RoleAdmin)
	res := admin.get("/console/wallets")
	if res.Status != http.StatusOK {
		t.Fatalf("list: got %d\n%s", res.Status, res.Body)
	}
	doc := res.doc(t)
	if row := doc.Find("tr.configured[id='wallet-" + testWalletClient + "']"); !strings.Contains(row.Text(), "from the configuration file") || row.Find("a, form").Length() != 0 {
		t.Fatalf("configured wallet row: got %q, want it marked and without actions", row.Text())
	}
	if !slices.Contains(doc.Find("nav a").Map(func(_ int, s *goquery.Selection) string { return s.Text() }), "Wallets") {
		t.Error("navigation: no Wallets entry for an admin")
	}

	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"no client_id", url.Values{"client_id": {" "}, "name": {"W"}, "redirect_uris": {"https://w.example/cb"}}, "client_id"},
		{"client_id of the configuration", url.Values{"client_id": {testWalletClient}, "name": {"W"}, "redirect_uris": {"https://w.example/cb"}}, "client_id"},
		{"client_id with spaces", url.Values{"client_id": {"a b"}, "name": {"W"}, "redirect_uris": {"https://w.example/cb"}}, "client_id"},
		{"no name", url.Values{"client_id": {"w1"}, "name": {""}, "redirect_uris": {"https://w.example/cb"}}, "name"},
		{"no redirect URI", url.Values{"client_id": {"w1"}, "name": {"W"}, "redirect_uris": {"\n \n"}}, "redirect_uris"},
		{"relative redirect URI", url.Values{"client_id": {"w1"}, "name": {"W"}, "redirect_uris": {"/cb"}}, "redirect_uris"},
		{"fragment", url.Values{"client_id": {"w1"}, "name": {"W"}, "redirect_uris": {"https://w.example/cb#x"}}, "redirect_uris"},
		{"http", url.Values{"client_id": {"w1"}, "name": {"W"}, "redirect_uris": {"http://w.example/cb"}}, "redirect_uris"},
		{"javascript", url.Values{"client_id": {"w1"}, "name": {"W"}, "redirect_uris": {"javascript:alert(1)"}}, "redirect_uris"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := admin.postForm("/console/wallets", tc.form)
			if res.Status != http.StatusBadRequest || res.doc(t).Find(".field.invalid #e-"+tc.field).Text() == "" {
				t.Fatalf("got %d, want 400 with a message for %s\n%s", res.Status, tc.field, res.Body)
			}
		})
	}

	form := url.Values{"client_id": {"console.wallet"}, "name": {"Console Wallet"}, "redirect_uris": {"https://console-wallet.example/cb\r\neudi-wallet://cb\n"}}
	if res := admin.postForm("/console/wallets", form); res.Status != http.StatusSeeOther {
		t.Fatalf("create: got %d\n%s", res.Status, res.Body)
	}
	if res := admin.postForm("/console/wallets", form); res.Status != http.StatusBadRequest || res.doc(t).Find("#e-client_id").Text() == "" {
		t.Fatalf("create twice: got %d, want 400 on client_id\n%s", res.Status, res.Body)
	}
	row := admin.get("/console/wallets").doc(t).Find("tr.stored[id='wallet-console.wallet']")
	if !strings.Contains(row.Text(), "https://console-wallet.example/cb eudi-wallet://cb") || !strings.Contains(row.Text(), "active") {
		t.Fatalf("stored wallet row: got %q", row.Text())
	}
	res = admin.get("/console/wallets/console.wallet")
	if res.Status != http.StatusOK || res.doc(t).Find("#f-name").AttrOr("value", "") != "Console Wallet" {
		t.Fatalf("edit page: got %d\n%s", res.Status, res.Body)
	}
	if res := admin.postForm("/console/wallets/console.wallet", url.Values{"name": {"Renamed"}, "redirect_uris": {"ftp://x#y"}}); res.Status != http.StatusBadRequest ||
		res.doc(t).Find(".field.invalid #e-redirect_uris").Text() == "" {
		t.Fatalf("invalid edit: got %d\n%s", res.Status, res.Body)
	}
	if res := admin.postForm("/console/wallets/console.wallet", url.Values{"name": {"Renamed"}, "redirect_uris": {"https://console-wallet.example/cb"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("edit: got %d\n%s", res.Status, res.Body)
	}
	if res := admin.postForm("/console/wallets/console.wallet/disable", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("disable: got %d\n%s", res.Status, res.Body)
	}
	if res := admin.postForm("/console/wallets/console.wallet/enable", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("enable: got %d\n%s", res.Status, res.Body)
	}
	if res := admin.postForm("/console/wallets/console.wallet/delete", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("delete: got %d\n%s", res.Status, res.Body)
	}
	if res := admin.get("/console/wallets/console.wallet"); res.Status != http.StatusNotFound {
		t.Fatalf("deleted wallet page: got %d, want 404", res.Status)
	}
	var actions []string
	for _, ev := range h.actions(t, "wallet_client", "console.wallet") {
		actions = append(actions, ev.Action)
		if ev.Actor.ID == "" {
			t.Errorf("audit %s: no actor", ev.Action)
		}
	}
	if want := []string{"wallet_client.created", "wallet_client.updated", "wallet_client.disabled", "wallet_client.enabled", "wallet_client.deleted"}; !slices.Equal(actions, want) {
		t.Errorf("audit actions: got %v, want %v", actions, want)
	}
}

// TestConsoleWalletsForbidden: issuers, auditors and reviewers can neither
// see nor change wallets, and a cross-site POST is refused even for an
// admin.
func TestConsoleWalletsForbidden(t *testing.T) {
	h := newHarness(t, withAuthz())
	form := url.Values{"client_id": {"w1"}, "name": {"W"}, "redirect_uris": {"https://w.example/cb"}}
	for _, role := range []string{staff.RoleIssuer, staff.RoleAuditor, staff.RoleReviewer} {
		b := h.newBrowser(t, role)
		if res := b.get("/console/wallets"); res.Status != http.StatusForbidden {
			t.Errorf("%s list: got %d, want 403", role, res.Status)
		}
		if res := b.postForm("/console/wallets", form); res.Status != http.StatusForbidden {
			t.Errorf("%s create: got %d, want 403", role, res.Status)
		}
		if strings.Contains(string(b.get("/console/").Body), "/console/wallets") {
			t.Errorf("%s navigation: links to wallets", role)
		}
	}
	admin, _ := h.signedIn(t, "ada@example.org", staff.RoleAdmin)
	if res := admin.forged("/console/wallets", form); res.Status != http.StatusForbidden {
		t.Fatalf("forged create: got %d, want 403", res.Status)
	}
	if res := admin.get("/console/wallets"); strings.Contains(string(res.Body), "w1") {
		t.Fatal("the forged POST registered a wallet")
	}
}

// TestConsoleWalletAuthorizes: a wallet registered in the console completes
// PAR → authorize → login → consent → token; disabled, it is refused.
func TestConsoleWalletAuthorizes(t *testing.T) {
	h := newHarness(t, withAuthz())
	admin, _ := h.signedIn(t, "ada@example.org", staff.RoleAdmin)
	const id, redirect = "console.wallet", "https://console-wallet.example/cb"
	if res := admin.postForm("/console/wallets", url.Values{"client_id": {id}, "name": {"Console Wallet"}, "redirect_uris": {redirect}}); res.Status != http.StatusSeeOther {
		t.Fatalf("create: got %d\n%s", res.Status, res.Body)
	}
	aw := newAuthzWallet(t, h)
	requestURI := aw.par(map[string]string{"client_id": id, "redirect_uri": redirect, "scope": "staff_badge"})
	loginURL := redirected(t, aw.get(h.url+"/authorize?"+url.Values{"client_id": {id}, "request_uri": {requestURI}}.Encode()), "authorize")
	consentURL := redirected(t, aw.login(loginURL.String(), "dev-ada-lovelace"), "callback")
	page := aw.consent(consentURL.String())
	if page.Client != "Console Wallet" {
		t.Errorf("consent page wallet: got %q, want Console Wallet", page.Client)
	}
	back := aw.decide(page.RequestID, "approve")
	if got := back.Scheme + "://" + back.Host + back.Path; got != redirect || back.Query().Get("code") == "" {
		t.Fatalf("authorization response: got %s, want a code at %s", back, redirect)
	}
	res := aw.token(back.Query().Get("code"), map[string]string{"client_id": id, "redirect_uri": redirect})
	if res.Status != http.StatusOK {
		t.Fatalf("token: got %d\n%s", res.Status, res.Body)
	}

	if res := admin.postForm("/console/wallets/"+id+"/disable", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("disable: got %d", res.Status)
	}
	h.clock.Advance(10 * time.Second) // past the client cache
	res = h.postForm(h.url+"/par", aw.parForm(map[string]string{"client_id": id, "redirect_uri": redirect, "scope": "staff_badge"}))
	if res.Status == http.StatusCreated || res.errorCode(t) != "invalid_client" {
		t.Fatalf("PAR by a disabled wallet: got %d %s, want invalid_client", res.Status, res.Body)
	}
}
