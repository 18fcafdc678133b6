package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"credmint/app/audit"
	"credmint/app/keys"
	"credmint/app/staff"
)

// TestConsoleRetireKey retires the active credential key from the console
// after the confirmation page: it leaves the JWKS, a new key signs the next
// credential, the change is audited with the staff member, and the admin
// API finds the credentials the old key signed, a page at a time, for a
// bulk revocation. The IACA is refused while its document signer is in use
// unless the form confirms it.
func TestConsoleRetireKey(t *testing.T) {
	h := newHarness(t)
	admin, adminUser := h.signedIn(t, "ada@example.org", staff.RoleAdmin)
	first, second := issueStaffBadge(t, h), issueStaffBadge(t, h)
	old, _ := first.Header["kid"].(string)
	if old == "" || second.Header["kid"] != old {
		t.Fatalf("credentials signed by %v and %v, want one key", first.Header["kid"], second.Header["kid"])
	}

	d := admin.get("/console/keys").doc(t)
	if d.Find("#key-"+old+` a.retire[href$="/console/keys/`+old+`/retire"]`).Length() != 1 {
		t.Fatal("the keys page has no Retire link for the active credential key")
	}
	res := admin.get("/console/keys/" + old + "/retire")
	page := res.doc(t)
	text := page.Find("#retire-key").Text()
	if res.Status != http.StatusOK || !strings.Contains(text, "JWKS") || page.Find(".replacement").Length() != 1 ||
		!strings.Contains(page.Find(".valid-credentials").Text(), "2") || page.Find(`#retire-form button[type="submit"]`).Length() != 1 {
		t.Fatalf("confirmation page: got %d\n%s", res.Status, text)
	}
	if keyState(h, old) != keys.StateActive {
		t.Fatal("the confirmation page changed the key")
	}

	issuer := h.newBrowser(t, staff.RoleIssuer)
	if res := issuer.get("/console/keys/" + old + "/retire"); res.Status != http.StatusForbidden {
		t.Errorf("issuer confirmation page: got %d, want 403", res.Status)
	}
	if res := issuer.postForm("/console/keys/"+old+"/retire", url.Values{}); res.Status != http.StatusForbidden {
		t.Errorf("issuer retire: got %d, want 403", res.Status)
	}
	if res := admin.forged("/console/keys/"+old+"/retire", url.Values{}); res.Status != http.StatusForbidden {
		t.Errorf("forged retire: got %d, want 403", res.Status)
	}
	if keyState(h, old) != keys.StateActive {
		t.Fatal("a refused request retired the key")
	}

	res = admin.postForm("/console/keys/"+old+"/retire", url.Values{"reason": {"key compromised"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("retire: got %d\n%s", res.Status, res.Body)
	}
	if flash := admin.get("/console/keys").doc(t).Find(".flash").Text(); !strings.Contains(flash, "is retired") || !strings.Contains(flash, "2 unexpired credentials") {
		t.Errorf("flash after retiring = %q", flash)
	}
	if keyState(h, old) != keys.StateRetired || publishedKey(t, h, old) != nil {
		t.Errorf("retired key: state %q, published %v; want retired and not in the JWKS", keyState(h, old), publishedKey(t, h, old) != nil)
	}
	next := issueStaffBadge(t, h)
	if kid := next.Header["kid"]; kid == old || keyState(h, kid.(string)) != keys.StateActive {
		t.Errorf("the next credential is signed by %v, want a new active key", kid)
	}
	evs := h.actions(t, "signing_key", old)
	last := evs[len(evs)-1]
	if last.Action != "signing_key.retired" || last.Actor.Kind != audit.ActorStaff || last.Actor.ID != adminUser.ID || last.Details["reason"] != "key compromised" {
		t.Errorf("audit of the retirement: %+v", last)
	}
	if res := admin.postForm("/console/keys/"+old+"/retire", url.Values{}); res.Status != http.StatusSeeOther ||
		!strings.Contains(admin.get("/console/keys").doc(t).Find(".flash.error").Text(), "retired already") {
		t.Errorf("retiring it twice: got %d, want a redirect saying so", res.Status)
	}

	// The admin API lists what the key signed, one page at a time.
	auth := map[string]string{"Authorization": "Bearer " + h.apiKey}
	var page1, page2 struct {
		Credentials []struct {
			ID           string `json:"id"`
			SigningKeyID string `json:"signing_key_id"`
		} `json:"credentials"`
		NextAfter string `json:"next_after"`
	}
	h.do(http.MethodGet, h.url+"/api/v1/credentials?"+url.Values{"signing_key_id": {old}, "limit": {"1"}}.Encode(), auth, nil).JSON(t, &page1)
	if len(page1.Credentials) != 1 || page1.NextAfter == "" || page1.Credentials[0].SigningKeyID != old {
		t.Fatalf("first page = %+v, want one credential of %s and next_after", page1, old)
	}
	h.do(http.MethodGet, h.url+"/api/v1/credentials?"+url.Values{"signing_key_id": {old}, "limit": {"1"}, "after": {page1.NextAfter}}.Encode(), auth, nil).JSON(t, &page2)
	if len(page2.Credentials) != 1 || page2.NextAfter != "" || page2.Credentials[0].ID == page1.Credentials[0].ID {
		t.Fatalf("second page = %+v, want the other credential and no next_after", page2)
	}
	for _, q := range []url.Values{{"signing_key_id": {old}, "limit": {"0"}}, {"signing_key_id": {old}, "applicant_id": {"x"}}, {"after": {"x"}}} {
		if res := h.do(http.MethodGet, h.url+"/api/v1/credentials?"+q.Encode(), auth, nil); res.Status != http.StatusBadRequest {
			t.Errorf("GET /credentials?%s: got %d, want 400", q.Encode(), res.Status)
		}
	}
	bulk := `{"action":"revoke","reason":"signing key compromised","credential_ids":["` + page1.Credentials[0].ID + `","` + page2.Credentials[0].ID + `"]}`
	res = h.do(http.MethodPost, h.url+"/api/v1/credentials/bulk", map[string]string{"Authorization": "Bearer " + h.apiKey, "Content-Type": "application/json"}, strings.NewReader(bulk))
	if res.Status != http.StatusOK || !strings.Contains(string(res.Body), `"changed":2`) {
		t.Errorf("bulk revoke of the key's credentials: got %d %s", res.Status, res.Body)
	}

	// The IACA: refused while its document signer is in use, then forced.
	var iaca string
	for _, k := range h.app.ring.Keys() {
		if k.Purpose == keys.PurposeMdocIACA && k.State == keys.StateActive {
			iaca = k.ID
		}
	}
	if iaca == "" {
		t.Fatal("no active IACA")
	}
	if page := admin.get("/console/keys/" + iaca + "/retire").doc(t); page.Find(".dependents").Length() != 1 || page.Find(`input[name="force"]`).Length() != 1 {
		t.Error("the IACA confirmation page does not name its document signers and ask to force")
	}
	res = admin.postForm("/console/keys/"+iaca+"/retire", url.Values{})
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/console/keys/"+iaca+"/retire" || keyState(h, iaca) == keys.StateRetired {
		t.Fatalf("IACA without force: got %d to %q, state %q; want a redirect back and no change", res.Status, res.Header.Get("Location"), keyState(h, iaca))
	}
	if res := admin.postForm("/console/keys/"+iaca+"/retire", url.Values{"force": {"1"}}); res.Status != http.StatusSeeOther || keyState(h, iaca) != keys.StateRetired {
		t.Errorf("IACA with force: got %d, state %q; want retired", res.Status, keyState(h, iaca))
	}
}
