package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"credmint/app/staff"
	"credmint/config"
)

// TestConsoleOfferBatchWithLogin: a batch of offers with the
// authorization_code grant gives every applicant an offer of their own
// with its own issuer_state and no PIN; the person follows theirs with a
// login, and gets their uploaded data.
func TestConsoleOfferBatchWithLogin(t *testing.T) {
	h := newHarness(t, withAuthz())
	grace := storeApplicant(t, h, "member_card", "grace.hopper@example.org", map[string]any{"given_name": "Grace", "family_name": "Hopper", "member_number": "M-7"})
	storeApplicant(t, h, "member_card", "ada.lovelace@example.org", map[string]any{"given_name": "Ada", "family_name": "Lovelace", "member_number": "M-1"})
	issuer := h.newBrowser(t, staff.RoleIssuer)

	if d := issuer.get("/console/offers/batches/new?configuration=member_card").doc(t); d.Find(`select[name=grant] option[value=authorization_code]`).Length() != 1 {
		t.Fatal("the batch form offers no login")
	}
	res := issuer.postForm("/console/offers/batches", url.Values{"configuration_id": {"member_card"}, "delivery_channel": {"none"},
		"tx_code_channel": {"print"}, "grant": {"authorization_code"}})
	loc := res.Header.Get("Location")
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/offers/batches/bat_") {
		t.Fatalf("start batch with login: got %d %q\n%s", res.Status, loc, res.Body)
	}
	batchID := strings.TrimPrefix(loc, "/console/offers/batches/")
	if err := h.app.delivery.RunBatches(context.Background(), "test"); err != nil {
		t.Fatal(err)
	}
	d := issuer.get(loc).doc(t)
	if !strings.Contains(d.Find(".batch-counts").Text(), "2 offers created, 0 applicants skipped") || d.Find(".batch-grant").Length() != 1 {
		t.Fatalf("batch page: counts %q, grant shown %d times", d.Find(".batch-counts").Text(), d.Find(".batch-grant").Length())
	}
	if d.Find("form[action$='letters.pdf']").Length() != 0 {
		t.Error("a batch without letters or PIN slips offers to print")
	}

	offers, err := h.app.store.BatchOffers(context.Background(), batchID)
	if err != nil || len(offers) != 2 {
		t.Fatalf("offers of the batch: got %d, %v; want 2", len(offers), err)
	}
	states := map[string]string{} // applicant id → issuer_state
	offerOf := map[string]string{}
	for _, o := range offers {
		var shown struct {
			Grant              string `json:"grant"`
			CredentialOfferURI string `json:"credential_offer_uri"`
			TxCodePolicy       any    `json:"tx_code_policy"`
		}
		h.do(http.MethodGet, h.url+"/api/v1/offers/"+o.ID, map[string]string{"Authorization": "Bearer " + h.apiKey}, nil).JSON(t, &shown)
		if shown.Grant != "authorization_code" || shown.TxCodePolicy != nil || o.TxCode != nil {
			t.Fatalf("batch offer %s: grant %q, tx_code_policy %v; want authorization_code without a PIN", o.ID, shown.Grant, shown.TxCodePolicy)
		}
		var offer struct {
			Grants map[string]map[string]any `json:"grants"`
		}
		h.getJSON(shown.CredentialOfferURI).JSON(t, &offer)
		st, _ := offer.Grants["authorization_code"]["issuer_state"].(string)
		if st == "" || len(offer.Grants) != 1 {
			t.Fatalf("batch offer %s grants: got %v, want authorization_code with issuer_state only", o.ID, offer.Grants)
		}
		states[o.ApplicantID], offerOf[o.ApplicantID] = st, o.ID
	}
	if len(states) != 2 || states[grace.ID] == "" {
		t.Fatalf("issuer_state per applicant: got %d distinct applicants", len(states))
	}
	for a, st := range states {
		for b, other := range states {
			if a != b && st == other {
				t.Fatal("two offers of the batch share an issuer_state")
			}
		}
	}

	aw := newAuthzWallet(t, h)
	code, page := aw.throughConsent(aw.par(map[string]string{"issuer_state": states[grace.ID], "scope": "member_card"}), "dev-grace-hopper")
	if page.Claims["Member number"] != "M-7" {
		t.Errorf("consent for Grace's batch offer: got %v, want her member number", page.Claims)
	}
	if res := aw.token(code, nil); res.Status != http.StatusOK {
		t.Fatalf("token: got %d\n%s", res.Status, res.Body)
	}
	if st := offerState(t, h, offerOf[grace.ID]); st != "redeemed" {
		t.Errorf("Grace's offer: got %q, want redeemed", st)
	}
}

// TestConsoleOfferBatchLoginRefusals: a batch asks for the login only
// where the issuer has an authorization endpoint, and names the field.
func TestConsoleOfferBatchLoginRefusals(t *testing.T) {
	off := false
	h := newHarness(t, func(c *config.Config, _ *harnessSettings) { c.DevIdP.Enabled = &off })
	h.newApplicant(t, "Ann One", "", "", "Main St 1\nTown")
	issuer := h.newBrowser(t, staff.RoleIssuer)
	if d := issuer.get("/console/offers/batches/new").doc(t); d.Find(`select[name=grant]`).Length() != 0 {
		t.Error("the batch form offers a login although the issuer has no authorization endpoint")
	}
	for _, tc := range []struct{ grant, want string }{
		{"authorization_code", "upstream_oidc"},
		{"password", "choose a PIN or a login"},
	} {
		res := issuer.postForm("/console/offers/batches", url.Values{"configuration_id": {"staff_badge"}, "delivery_channel": {"print"},
			"tx_code_channel": {"print"}, "grant": {tc.grant}})
		if res.Status != http.StatusBadRequest || !strings.Contains(res.doc(t).Find("#e-grant").Text(), tc.want) {
			t.Errorf("batch with grant %s: got %d, want 400 with a grant message holding %q\n%s", tc.grant, res.Status, tc.want, res.Body)
		}
	}
	batches, err := h.app.delivery.RecentBatches(context.Background())
	if err != nil || len(batches) != 0 {
		t.Errorf("refused batches were stored: %d, %v", len(batches), err)
	}
}
