package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"credmint/app/staff"
)

// TestConsoleWalletPreDraft: an admin marks a console wallet as speaking a
// pre-1.0 draft; the list shows it (and the file's pre_1_0 wallets), the
// edit form keeps the checkbox, every change records pre_1_0 in the audit
// log, and the issuance side sees the flag: the wallet gets c_nonce in its
// token response and the draft 13 shapes, until the flag is cleared.
func TestConsoleWalletPreDraft(t *testing.T) {
	h := newHarness(t, withAuthz(), withDraftTwin(), withPreDraftWallet("file.old"))
	admin, _ := h.signedIn(t, "ada@example.org", staff.RoleAdmin)
	const id = "old.console"
	form := url.Values{"client_id": {id}, "name": {"Old console wallet"}, "redirect_uris": {"https://old.example/cb"}, "pre_1_0": {"1"}}
	if res := admin.postForm("/console/wallets", form); res.Status != http.StatusSeeOther {
		t.Fatalf("create: got %d\n%s", res.Status, res.Body)
	}
	doc := admin.get("/console/wallets").doc(t)
	for _, tc := range []struct {
		row  string
		want bool
	}{
		{"tr.stored[id='wallet-" + id + "']", true},
		{"tr.configured[id='wallet-file.old']", true},
		{"tr.configured[id='wallet-" + testWalletClient + "']", false},
	} {
		row := doc.Find(tc.row)
		if row.Length() != 1 {
			t.Fatalf("%s: no row", tc.row)
		}
		if got := row.Find(".badge.pre10").Length() == 1; got != tc.want {
			t.Errorf("%s pre-1.0 badge: got %v, want %v (%q)", tc.row, got, tc.want, row.Text())
		}
	}
	edit := admin.get("/console/wallets/" + id).doc(t)
	if _, checked := edit.Find("input#f-pre_1_0").Attr("checked"); !checked {
		t.Fatal("edit page: the pre_1_0 checkbox is not checked")
	}
	// An invalid edit re-renders with the checkbox as sent.
	res := admin.postForm("/console/wallets/"+id, url.Values{"name": {"Old"}, "redirect_uris": {"http://old.example/cb"}, "pre_1_0": {"1"}})
	if _, checked := res.doc(t).Find("input#f-pre_1_0").Attr("checked"); res.Status != http.StatusBadRequest || !checked {
		t.Fatalf("invalid edit: got %d, checkbox checked %v", res.Status, checked)
	}

	// The issuance side: draft shapes for the console's pre_1_0 wallet.
	f, tok := draftToken(t, h, newWallet(t, h), id)
	if tok.CNonce == nil || *tok.CNonce == "" {
		t.Fatalf("token response of a console pre_1_0 wallet: got %+v, want c_nonce", tok)
	}
	res = h.postJSON(f.md.CredentialEndpoint, f.token.AccessToken, map[string]any{
		"format": "vc+sd-jwt", "vct": "urn:credmint:example:staff_badge:1", "proof": draftProof(f, *tok.CNonce),
	})
	var cred draftCredentialJSON
	res.JSON(t, &cred)
	if res.Status != http.StatusOK || cred.Credential == nil || cred.CNonce == "" {
		t.Fatalf("draft request of a console pre_1_0 wallet: got %d %s, want 200 with credential and c_nonce", res.Status, res.Body)
	}
	checkSDJWTTyped(t, h, *cred.Credential, "vc+sd-jwt")

	// Cleared (the checkbox absent), the wallet is a 1.0 one again.
	if res := admin.postForm("/console/wallets/"+id, url.Values{"name": {"Old"}, "redirect_uris": {"https://old.example/cb"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("clear pre_1_0: got %d\n%s", res.Status, res.Body)
	}
	if admin.get("/console/wallets").doc(t).Find("tr.stored[id='wallet-"+id+"'] .badge.pre10").Length() != 0 {
		t.Error("list: the badge stays after clearing pre_1_0")
	}
	f, tok = draftToken(t, h, newWallet(t, h), id)
	if tok.CNonce != nil {
		t.Errorf("token response after clearing pre_1_0: got c_nonce %q", *tok.CNonce)
	}
	res = h.postJSON(f.md.CredentialEndpoint, f.token.AccessToken, map[string]any{
		"format": "vc+sd-jwt", "vct": "urn:credmint:example:staff_badge:1", "proof": draftProof(f, f.w.nonce(f.md.NonceEndpoint)),
	})
	if code := res.errorCode(t); res.Status != http.StatusBadRequest || code != "invalid_credential_request" || !strings.Contains(string(res.Body), "1.0") {
		t.Fatalf("draft request after clearing pre_1_0: got %d %s, want invalid_credential_request", res.Status, res.Body)
	}

	var got []string
	for _, ev := range h.actions(t, "wallet_client", id) {
		got = append(got, ev.Action+" pre_1_0="+ev.Details["pre_1_0"])
	}
	if want := "wallet_client.created pre_1_0=true,wallet_client.updated pre_1_0=false"; strings.Join(got, ",") != want {
		t.Errorf("audit: got %v, want %s", got, want)
	}
}
