package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"credmint/app/applicants"
	"credmint/app/audit"
	"credmint/app/staff"
	"credmint/config"
)

// TestAuthorizationCodeFlowEndToEnd: PAR with authorization_details →
// authorize → login at the development OpenID provider (served over HTTP)
// → consent → code → token → nonce → credential carrying the upstream
// person's claims.
func TestAuthorizationCodeFlowEndToEnd(t *testing.T) {
	h := newHarness(t, withAuthz())
	aw := newAuthzWallet(t, h)
	as := authorizationServerMetadata(t, h)
	for k, want := range map[string]any{
		"authorization_endpoint": h.url + "/authorize", "pushed_authorization_request_endpoint": h.url + "/par",
		"require_pushed_authorization_requests": true, "authorization_response_iss_parameter_supported": true,
	} {
		if as[k] != want {
			t.Errorf("AS metadata %s: got %v, want %v", k, as[k], want)
		}
	}
	for k, want := range map[string]string{"response_types_supported": "code", "code_challenge_methods_supported": "S256",
		"grant_types_supported": "authorization_code", "scopes_supported": "staff_badge"} {
		if list, _ := as[k].([]any); !slices.Contains(list, any(want)) {
			t.Errorf("AS metadata %s: got %v, want it to hold %q", k, as[k], want)
		}
	}

	details := mustJSON(t, []map[string]any{{"type": "openid_credential", "credential_configuration_id": "staff_badge", "extra": 1}})
	code, page := aw.throughConsent(aw.par(map[string]string{"authorization_details": details}), "dev-ada-lovelace")
	if page.Client != testWalletName || !slices.Equal(page.Credentials, []string{"Staff badge"}) {
		t.Errorf("consent page: wallet %q, credentials %v; want %q and [Staff badge]", page.Client, page.Credentials, testWalletName)
	}
	for label, want := range map[string]string{"First name": "Ada", "Last name": "Lovelace", "Employee number": "E-1815", "Date of birth": "1815-12-10"} {
		if page.Claims[label] != want {
			t.Errorf("consent page claim %s: got %q, want %q", label, page.Claims[label], want)
		}
	}

	res := aw.token(code, map[string]string{"unknown_parameter": "ignored"})
	if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Cache-Control"), "no-store") {
		t.Fatalf("token: got %d (Cache-Control %q)\n%s", res.Status, res.Header.Get("Cache-Control"), res.Body)
	}
	var tok tokenJSON
	res.JSON(t, &tok)
	if tok.TokenType != "Bearer" || len(tok.AuthorizationDetails) != 1 || len(tok.AuthorizationDetails[0].CredentialIdentifiers) != 1 ||
		tok.AuthorizationDetails[0].CredentialConfigurationID != "staff_badge" {
		t.Fatalf("token response: got %s, want authorization_details with one credential_identifier", res.Body)
	}
	res = aw.credential(tok.AccessToken, map[string]any{"credential_identifier": tok.AuthorizationDetails[0].CredentialIdentifiers[0]})
	if res.Status != http.StatusOK {
		t.Fatalf("credential: got %d\n%s", res.Status, res.Body)
	}
	var cred credentialJSON
	res.JSON(t, &cred)
	c := checkSDJWT(t, h, cred.Credentials[0].Credential)
	checkCnf(t, c.Payload, aw.wallet)
	wantClaims(t, c.Claims, map[string]any{"given_name": "Ada", "family_name": "Lovelace", "employee_id": "E-1815", "birthdate": "1815-12-10"})
	if _, leaked := c.Claims["email"]; leaked {
		t.Error("the credential carries an upstream claim that is not mapped (email)")
	}
	res = h.postJSON(h.url+"/notification", tok.AccessToken, map[string]any{"notification_id": cred.NotificationID, "event": "credential_accepted"})
	if res.Status != http.StatusNoContent {
		t.Fatalf("notification: got %d\n%s", res.Status, res.Body)
	}
}

// TestAuthorizationCodeFlowWithScope: the same with scope instead of
// authorization_details; unknown scopes are ignored, and the credential is
// asked for by credential_configuration_id.
func TestAuthorizationCodeFlowWithScope(t *testing.T) {
	h := newHarness(t, withAuthz())
	aw := newAuthzWallet(t, h)
	code, _ := aw.throughConsent(aw.par(map[string]string{"scope": "openid staff_badge unknown_scope"}), "dev-grace-hopper")
	res := aw.token(code, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("token: got %d\n%s", res.Status, res.Body)
	}
	var tok tokenJSON
	res.JSON(t, &tok)
	if tok.AuthorizationDetails != nil {
		t.Errorf("token response for a scope request: got authorization_details %s", res.Body)
	}
	if res := aw.credential(tok.AccessToken, map[string]any{"credential_configuration_id": "address_card"}); res.Status != http.StatusForbidden {
		t.Errorf("credential outside the granted scope: got %d, want 403\n%s", res.Status, res.Body)
	}
	res = aw.credential(tok.AccessToken, map[string]any{"credential_configuration_id": "staff_badge"})
	if res.Status != http.StatusOK {
		t.Fatalf("credential: got %d\n%s", res.Status, res.Body)
	}
	var cred credentialJSON
	res.JSON(t, &cred)
	c := checkSDJWT(t, h, cred.Credentials[0].Credential)
	wantClaims(t, c.Claims, map[string]any{"given_name": "Grace", "family_name": "Hopper", "employee_id": "E-1906", "birthdate": "1906-12-09"})
}

// TestAuthorizationCodeFlowMatchesApplicant: member_card matches the person
// to an uploaded applicant by email; the uploaded data wins, the upstream
// claims fill the rest. A person without a record is refused with a page
// that leads back to the wallet with access_denied.
func TestAuthorizationCodeFlowMatchesApplicant(t *testing.T) {
	h := newHarness(t, withAuthz())
	storeApplicant(t, h, "member_card", "GRACE.HOPPER@example.org", map[string]any{"given_name": "Gracie", "member_number": "M-42"})
	aw := newAuthzWallet(t, h)
	code, page := aw.throughConsent(aw.par(map[string]string{"scope": "member_card"}), "dev-grace-hopper")
	if page.Claims["Member number"] != "M-42" || page.Claims["First name"] != "Gracie" {
		t.Errorf("consent page: got %v, want the uploaded member number and first name", page.Claims)
	}
	res := aw.token(code, nil)
	var tok tokenJSON
	res.JSON(t, &tok)
	res = aw.credential(tok.AccessToken, map[string]any{"credential_configuration_id": "member_card"})
	if res.Status != http.StatusOK {
		t.Fatalf("credential: got %d\n%s", res.Status, res.Body)
	}
	var cred credentialJSON
	res.JSON(t, &cred)
	c := checkSDJWT(t, h, cred.Credentials[0].Credential)
	wantClaims(t, c.Claims, map[string]any{"given_name": "Gracie", "family_name": "Hopper", "full_name": "Grace Hopper", "member_number": "M-42", "country": "NL"})

	// Alan Turing has no record: refused, nothing issued.
	aw = newAuthzWallet(t, h)
	loginURL := redirected(t, aw.get(aw.authorizeURL(aw.par(map[string]string{"scope": "member_card"}))), "authorize")
	res = aw.login(loginURL.String(), "dev-alan-turing")
	if res.Status != http.StatusForbidden || !strings.Contains(string(res.Body), "No record found for you") {
		t.Fatalf("no matching applicant: got %d, want 403 with the no-record page\n%s", res.Status, res.Body)
	}
	back := returnLink(t, res)
	if errorOf(back) != "access_denied" || back.Query().Get("iss") != h.url {
		t.Errorf("the page's way back to the wallet: got %s, want access_denied with iss", back)
	}
}

// TestAuthorizationCodeFlowWithIssuerState: an offer with the
// authorization_code grant carries issuer_state; the wallet sends it, the
// person logs in, and the credential holds the offer's data. The offer is
// redeemed once.
func TestAuthorizationCodeFlowWithIssuerState(t *testing.T) {
	h := newHarness(t, withAuthz())
	body := staffBadgeOffer()
	body["grant"] = "authorization_code"
	body["claims"].(map[string]any)["employee_id"] = "E-OFFER"
	created := h.createOffer(body)
	if created.TxCode != "" {
		t.Errorf("authorization_code offer: got tx_code %q, want none", created.TxCode)
	}
	raw := h.getJSON(created.CredentialOfferURI)
	var offer struct {
		Grants map[string]map[string]any `json:"grants"`
	}
	raw.JSON(t, &offer)
	issuerState, _ := offer.Grants["authorization_code"]["issuer_state"].(string)
	if issuerState == "" || offer.Grants["urn:ietf:params:oauth:grant-type:pre-authorized_code"] != nil {
		t.Fatalf("offer grants: got %s, want authorization_code with issuer_state only", raw.Body)
	}
	// issuer_state is no pre-authorized code.
	if res := h.postForm(h.url+"/token", map[string]string{"grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code", "pre-authorized_code": issuerState}); res.errorCode(t) != "invalid_grant" {
		t.Fatalf("issuer_state as pre-authorized code: got %d %s, want invalid_grant", res.Status, res.Body)
	}

	aw := newAuthzWallet(t, h)
	code, page := aw.throughConsent(aw.par(map[string]string{"issuer_state": issuerState, "scope": "staff_badge"}), "dev-ada-lovelace")
	if page.Claims["Employee number"] != "E-OFFER" {
		t.Errorf("consent page: got employee number %q, want the offer's E-OFFER", page.Claims["Employee number"])
	}
	res := aw.token(code, nil)
	var tok tokenJSON
	res.JSON(t, &tok)
	res = aw.credential(tok.AccessToken, map[string]any{"credential_configuration_id": "staff_badge"})
	if res.Status != http.StatusOK {
		t.Fatalf("credential: got %d\n%s", res.Status, res.Body)
	}
	var cred credentialJSON
	res.JSON(t, &cred)
	wantClaims(t, checkSDJWT(t, h, cred.Credentials[0].Credential).Claims, map[string]any{"given_name": "Ada", "employee_id": "E-OFFER"})
	if st := offerState(t, h, created.ID); st != "credential_issued" {
		t.Errorf("offer state: got %q, want credential_issued", st)
	}
	// The offer is used: its issuer_state no longer counts.
	res = h.postForm(h.url+"/par", newAuthzWallet(t, h).parForm(map[string]string{"issuer_state": issuerState, "scope": "staff_badge"}))
	if res.Status != http.StatusBadRequest || res.errorCode(t) != "invalid_request" {
		t.Errorf("used issuer_state: got %d %s, want 400 invalid_request", res.Status, res.Body)
	}
}

// storeApplicant uploads an applicant of configuration cfg with email and
// claims, sealed as the applicants service seals them.
func storeApplicant(t *testing.T, h *harness, cfg, email string, claims map[string]any) *applicants.Applicant {
	t.Helper()
	now := h.app.now().UTC().Truncate(time.Microsecond)
	a := &applicants.Applicant{ID: "app_" + strings.ToUpper(hexString(randomBytes(t, 6))), ConfigurationID: cfg, Name: "Test Person", Email: email,
		Claims: claims, CreatedAt: now, UpdatedAt: now}
	raw, _ := json.Marshal(claims)
	sealed, err := h.app.applicants.Sealer.Seal(raw, []byte(a.ID))
	if err != nil {
		t.Fatal(err)
	}
	a.ClaimsSealed = sealed
	if err := h.app.store.CreateApplicant(context.Background(), a, audit.Event{At: now, Action: "applicant.created", SubjectType: "applicant", SubjectID: a.ID}); err != nil {
		t.Fatal(err)
	}
	return a
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}

// wantClaims checks that claims hold want.
func wantClaims(t *testing.T, claims, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("credential claim %s: got %v, want %v", k, claims[k], v)
		}
	}
}

func authorizationServerMetadata(t *testing.T, h *harness) map[string]any {
	t.Helper()
	var m map[string]any
	h.getJSON(h.url+"/.well-known/oauth-authorization-server").JSON(t, &m)
	return m
}

func offerState(t *testing.T, h *harness, id string) string {
	t.Helper()
	var shown struct {
		State string `json:"state"`
	}
	h.do(http.MethodGet, h.url+"/api/v1/offers/"+id, map[string]string{"Authorization": "Bearer " + h.apiKey}, nil).JSON(t, &shown)
	return shown.State
}

// TestConsoleOfferWithLogin: staff make an offer whose person logs in
// instead of typing a PIN; the wallet follows it with issuer_state.
func TestConsoleOfferWithLogin(t *testing.T) {
	h := newHarness(t, withAuthz())
	issuer := h.newBrowser(t, staff.RoleIssuer)
	a := h.newApplicant(t, "Augusta King", "", "", "12 St James's Square\nLondon")
	if d := issuer.get("/console/offers/new?applicant=" + a.ID).doc(t); d.Find(`select[name=grant] option[value=authorization_code]`).Length() != 1 {
		t.Fatal("the new-offer form offers no login")
	}
	id := createConsoleOffer(t, issuer, url.Values{"applicant_id": {a.ID}, "delivery_channel": {"none"}, "tx_code_channel": {"print"}, "grant": {"authorization_code"}})
	var shown struct {
		Grant              string `json:"grant"`
		CredentialOfferURI string `json:"credential_offer_uri"`
		TxCodePolicy       any    `json:"tx_code_policy"`
	}
	h.do(http.MethodGet, h.url+"/api/v1/offers/"+id, map[string]string{"Authorization": "Bearer " + h.apiKey}, nil).JSON(t, &shown)
	if shown.Grant != "authorization_code" || shown.TxCodePolicy != nil {
		t.Fatalf("console offer with login: got grant %q, tx_code_policy %v", shown.Grant, shown.TxCodePolicy)
	}
	var offer struct {
		Grants map[string]map[string]any `json:"grants"`
	}
	h.getJSON(shown.CredentialOfferURI).JSON(t, &offer)
	issuerState, _ := offer.Grants["authorization_code"]["issuer_state"].(string)
	aw := newAuthzWallet(t, h)
	_, page := aw.throughConsent(aw.par(map[string]string{"issuer_state": issuerState, "scope": "staff_badge"}), "dev-ada-lovelace")
	if page.Claims["First name"] != "Augusta" || page.Claims["Last name"] != "King" {
		t.Errorf("consent for the applicant's offer: got %v, want the applicant's names", page.Claims)
	}
}

// TestAuthorizationOfferForSomeoneElse: an offer made for an applicant of a
// configuration with applicant_match is refused to anybody else: a person
// matching another applicant, and one matching none even with no_match:
// review (the offer is not theirs to spend).
func TestAuthorizationOfferForSomeoneElse(t *testing.T) {
	h := newHarness(t, withAuthz(func(c *config.Config) {
		c.CredentialConfigurations[len(c.CredentialConfigurations)-1].NoMatch = "review"
	}))
	a := storeApplicant(t, h, "member_card", "grace.hopper@example.org", map[string]any{"given_name": "Grace", "family_name": "Hopper", "member_number": "M-7"})
	storeApplicant(t, h, "member_card", "ada.lovelace@example.org", map[string]any{"member_number": "M-1"}) // Ada has a record of her own
	id := createConsoleOffer(t, h.newBrowser(t, staff.RoleIssuer), url.Values{"applicant_id": {a.ID}, "delivery_channel": {"none"}, "tx_code_channel": {"none"}, "grant": {"authorization_code"}})
	var shown struct {
		CredentialOfferURI string `json:"credential_offer_uri"`
	}
	h.do(http.MethodGet, h.url+"/api/v1/offers/"+id, map[string]string{"Authorization": "Bearer " + h.apiKey}, nil).JSON(t, &shown)
	var offer struct {
		Grants map[string]map[string]any `json:"grants"`
	}
	h.getJSON(shown.CredentialOfferURI).JSON(t, &offer)
	issuerState, _ := offer.Grants["authorization_code"]["issuer_state"].(string)

	// Ada matches another record, Alan none: the offer is Grace's, and
	// no_match: review does not make it theirs to spend (see
	// TestAuthorizationNoMatchReview for Alan without it).
	for _, subject := range []string{"dev-ada-lovelace", "dev-alan-turing"} {
		aw := newAuthzWallet(t, h)
		loginURL := redirected(t, aw.get(aw.authorizeURL(aw.par(map[string]string{"issuer_state": issuerState, "scope": "member_card"}))), "authorize")
		res := aw.login(loginURL.String(), subject)
		if res.Status != http.StatusForbidden || !strings.Contains(string(res.Body), "This offer is for someone else") {
			t.Errorf("%s: got %d, want 403 This offer is for someone else\n%s", subject, res.Status, res.Body)
		}
	}
	aw := newAuthzWallet(t, h)
	code, page := aw.throughConsent(aw.par(map[string]string{"issuer_state": issuerState, "scope": "member_card"}), "dev-grace-hopper")
	if page.Claims["Member number"] != "M-7" {
		t.Errorf("consent: got %v, want the offer's member number", page.Claims)
	}
	if res := aw.token(code, nil); res.Status != http.StatusOK {
		t.Fatalf("token: got %d\n%s", res.Status, res.Body)
	}
	if st := offerState(t, h, id); st != "redeemed" {
		t.Errorf("offer state: got %q, want redeemed", st)
	}
}
