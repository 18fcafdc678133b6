package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"credmint/app/issuance"
	"credmint/app/staff"
	"credmint/config"
)

// TestAuthorizationNoMatchReview: with no_match: review, a person without
// an applicant record gets through the login with the mapped upstream
// claims only; the credential request is deferred although a mandatory
// claim is missing; approval refuses until a reviewer fills it on the
// detail page, which shows the upstream identity; the wallet then collects
// a credential bound to the key of its original proof.
func TestAuthorizationNoMatchReview(t *testing.T) {
	h := newHarness(t, withAuthz(func(c *config.Config) {
		c.CredentialConfigurations[len(c.CredentialConfigurations)-1].NoMatch = "review"
	}))
	aw := newAuthzWallet(t, h)
	code, page := aw.throughConsent(aw.par(map[string]string{"scope": "member_card"}), "dev-alan-turing")
	if page.Claims["First name"] != "Alan" || page.Claims["Member number"] != "" {
		t.Errorf("consent: got %v, want the mapped upstream claims only", page.Claims)
	}
	var tok tokenJSON
	if res := aw.token(code, nil); res.Status != http.StatusOK {
		t.Fatalf("token: got %d\n%s", res.Status, res.Body)
	} else {
		res.JSON(t, &tok)
	}
	res := aw.credential(tok.AccessToken, map[string]any{"credential_configuration_id": "member_card"})
	var p pendingJSON
	res.JSON(t, &p)
	if res.Status != http.StatusAccepted || p.TransactionID == "" || p.Interval != 5 {
		t.Fatalf("credential request without a record: got %d, want 202 with a transaction_id\n%s", res.Status, res.Body)
	}
	deferred := deferredEndpoint(t, h)
	pollAlan := func() *response {
		return h.postJSON(deferred, tok.AccessToken, map[string]any{"transaction_id": p.TransactionID})
	}
	wantPending(t, pollAlan(), p.TransactionID)

	ctx := context.Background()
	d, err := h.app.issuance.GetDeferred(ctx, p.TransactionID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Reasons) != 1 || d.Reasons[0] != issuance.ReasonNoApplicantMatch || d.ApplicantID != "" {
		t.Errorf("deferred request: reasons %v, applicant %q; want [no_applicant_match] and none", d.Reasons, d.ApplicantID)
	}
	// The admin API cannot approve what is incomplete.
	res = h.admin("/deferred/"+p.TransactionID+"/approve", nil)
	if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), "member_number") {
		t.Fatalf("approve with a missing mandatory claim: got %d, want 400 naming member_number\n%s", res.Status, res.Body)
	}

	b := h.newBrowser(t, staff.RoleReviewer)
	detail := b.get("/console/reviews/" + d.ID)
	if detail.Status != http.StatusOK {
		t.Fatalf("detail: got %d\n%s", detail.Status, detail.Body)
	}
	doc := detail.doc(t)
	signedIn := strings.Join(strings.Fields(doc.Find(".upstream .signed-in").Text()), " ")
	wantSignedIn := "Signed in at " + h.app.upstream.Issuer + " as dev-alan-turing, email alan.turing@example.org"
	if signedIn != wantSignedIn {
		t.Errorf("upstream identity: got %q, want %q", signedIn, wantSignedIn)
	}
	if got := doc.Find(".upstream .upstream-claim").First().Text(); got != "NL" { // country, the first mapped claim by name
		t.Errorf("mapped upstream claims: first is %q, want NL", got)
	}
	if !strings.Contains(doc.Find(".problems").Text(), "member_number is mandatory") {
		t.Errorf("problems: got %q", doc.Find(".problems").Text())
	}
	field := doc.Find(`input[name="claim.member_number"]`)
	if v, _ := field.Attr("value"); field.Length() != 1 || v != "" {
		t.Fatalf("the missing claim member_number has no empty field (%d)", field.Length())
	}
	if !strings.Contains(doc.Find(`label[for="f-claim.member_number"]`).Text(), "missing, mandatory") {
		t.Errorf("label of the missing claim: %q", doc.Find(`label[for="f-claim.member_number"]`).Text())
	}

	// Approving without filling it re-renders the form with a field message.
	res = b.postForm("/console/reviews/"+d.ID+"/approve", url.Values{"claim.member_number": {""}})
	if res.Status != http.StatusBadRequest || !strings.Contains(res.doc(t).Find(".error").Text(), "mandatory") {
		t.Fatalf("approve incomplete: got %d\n%s", res.Status, res.Body)
	}
	res = b.postForm("/console/reviews/"+d.ID+"/approve", url.Values{"claim.member_number": {"M-42"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("approve with the claim filled: got %d\n%s", res.Status, res.Body)
	}

	res = pollAlan()
	if res.Status != http.StatusOK {
		t.Fatalf("poll after approval: got %d\n%s", res.Status, res.Body)
	}
	var cred credentialJSON
	res.JSON(t, &cred)
	c := checkSDJWT(t, h, cred.Credentials[0].Credential)
	checkCnf(t, c.Payload, aw.wallet)
	wantClaims(t, c.Claims, map[string]any{"given_name": "Alan", "family_name": "Turing", "member_number": "M-42", "country": "NL"})
	wantError(t, pollAlan(), http.StatusBadRequest, issuance.CodeInvalidTransactionID)
}
