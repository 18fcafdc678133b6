package main

import (
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"testing"

	"credmint/app/credential"
	"credmint/app/issuance"
	"credmint/config"
)

// withDraftTwin publishes the vc+sd-jwt twin of staff_badge.
func withDraftTwin() harnessOption {
	return func(c *config.Config, _ *harnessSettings) {
		for i := range c.CredentialConfigurations {
			if c.CredentialConfigurations[i].ID == "staff_badge" {
				c.CredentialConfigurations[i].DraftTwin = true
			}
		}
	}
}

// withCompatDrafts turns compat.drafts on.
func withCompatDrafts() harnessOption {
	return func(c *config.Config, _ *harnessSettings) { c.Compat.Drafts = true }
}

// draftTokenJSON is a token response with the drafts' c_nonce.
type draftTokenJSON struct {
	tokenJSON
	CNonce          *string `json:"c_nonce"`
	CNonceExpiresIn int     `json:"c_nonce_expires_in"`
}

// draftCredentialJSON is a draft 13 credential response or error.
type draftCredentialJSON struct {
	Credential      *string          `json:"credential"`
	Credentials     *json.RawMessage `json:"credentials"`
	CNonce          string           `json:"c_nonce"`
	CNonceExpiresIn int              `json:"c_nonce_expires_in"`
	NotificationID  string           `json:"notification_id"`
	Error           string           `json:"error"`
	Description     string           `json:"error_description"`
}

// draftToken redeems a staff_badge offer as clientID ("" for none) and
// returns the flow and the token response with its c_nonce.
func draftToken(t *testing.T, h *harness, w *wallet, clientID string) (*flow, draftTokenJSON) {
	t.Helper()
	return draftTokenWith(t, h, w, clientID, nil)
}

// draftTokenWith is draftToken with extra token request parameters.
func draftTokenWith(t *testing.T, h *harness, w *wallet, clientID string, extra map[string]string) (*flow, draftTokenJSON) {
	t.Helper()
	created := h.createOffer(staffBadgeOffer())
	f := &flow{w: w}
	f.offer = w.resolveOffer(created.OfferURI)
	f.md, f.tokenEndpoint = w.metadata(f.offer.CredentialIssuer)
	form := map[string]string{
		"grant_type":          "urn:ietf:params:oauth:grant-type:pre-authorized_code",
		"pre-authorized_code": f.offer.Grants.PreAuth.Code,
		"tx_code":             created.TxCode,
	}
	if clientID != "" {
		form["client_id"] = clientID
	}
	maps.Copy(form, extra)
	res := h.postForm(f.tokenEndpoint, form)
	if res.Status != http.StatusOK {
		t.Fatalf("token: got %d, want 200\n%s", res.Status, res.Body)
	}
	var tok draftTokenJSON
	res.JSON(t, &tok)
	f.token = tok.tokenJSON
	return f, tok
}

// draftProof is the singular proof of draft 13.
func draftProof(f *flow, nonce string) map[string]any {
	return map[string]any{"proof_type": "jwt", "jwt": f.w.proof(f.md.CredentialIssuer, nonce, proofOpts{})}
}

// TestDraftWalletEndToEnd: a wallet registered as pre_1_0 runs the
// pre-authorized flow in the draft 13 shapes: c_nonce in the token
// response, proof + format vc+sd-jwt + vct for the twin, credential and a
// fresh c_nonce in the answer, which serves the next request; a spent nonce
// gets invalid_proof with a new c_nonce. A 1.0 wallet on the same server
// gets the 1.0 shapes and is refused the draft ones.
func TestDraftWalletEndToEnd(t *testing.T) {
	h := newHarness(t, withPreDraftWallet("old-wallet"), withDraftTwin())
	w := newWallet(t, h)
	const vct = "urn:credmint:example:staff_badge:1"

	f, tok := draftToken(t, h, w, "old-wallet")
	twin := f.md.Configurations["staff_badge_vc_sd_jwt"]
	if twin["format"] != "vc+sd-jwt" || twin["vct"] != vct || twin["display"] == nil || twin["proof_types_supported"] == nil {
		t.Fatalf("twin metadata: got %v, want format vc+sd-jwt, the vct, display at the top level and proof types", twin)
	}
	if _, ok := f.md.Configurations["staff_badge"]["display"]; ok {
		t.Error("the 1.0 entry has a top-level display without compat.drafts")
	}
	if tok.CNonce == nil || *tok.CNonce == "" || tok.CNonceExpiresIn <= 0 {
		t.Fatalf("draft token response: got c_nonce %v, expires_in %d, want both", tok.CNonce, tok.CNonceExpiresIn)
	}

	res := h.postJSON(f.md.CredentialEndpoint, f.token.AccessToken, map[string]any{
		"format": "vc+sd-jwt", "vct": vct, "proof": draftProof(f, *tok.CNonce),
	})
	if res.Status != http.StatusOK {
		t.Fatalf("draft credential request: got %d, want 200\n%s", res.Status, res.Body)
	}
	var cred draftCredentialJSON
	res.JSON(t, &cred)
	if cred.Credential == nil || cred.Credentials != nil || cred.CNonce == "" || cred.CNonceExpiresIn <= 0 || cred.NotificationID == "" {
		t.Fatalf("draft credential response: got %s, want credential, c_nonce, c_nonce_expires_in and notification_id", res.Body)
	}
	if cred.CNonce == *tok.CNonce {
		t.Error("the credential response repeats the token's c_nonce")
	}
	c := checkSDJWTTyped(t, h, *cred.Credential, "vc+sd-jwt")
	if c.Payload["vct"] != vct || c.Claims["given_name"] != "Ada" {
		t.Errorf("twin credential: vct %v, given_name %v", c.Payload["vct"], c.Claims["given_name"])
	}
	checkCnf(t, c.Payload, w)

	// The c_nonce of the answer serves the next request, here for the
	// dc+sd-jwt configuration in the same draft shape.
	res = h.postJSON(f.md.CredentialEndpoint, f.token.AccessToken, map[string]any{
		"format": "dc+sd-jwt", "vct": vct, "proof": draftProof(f, cred.CNonce),
	})
	var again draftCredentialJSON
	res.JSON(t, &again)
	if res.Status != http.StatusOK || again.Credential == nil {
		t.Fatalf("second draft request with the answer's c_nonce: got %d\n%s", res.Status, res.Body)
	}
	checkSDJWT(t, h, *again.Credential)

	// A spent nonce: draft 13 answers invalid_proof with a fresh c_nonce.
	res = h.postJSON(f.md.CredentialEndpoint, f.token.AccessToken, map[string]any{
		"format": "vc+sd-jwt", "vct": vct, "proof": draftProof(f, *tok.CNonce),
	})
	var bad draftCredentialJSON
	res.JSON(t, &bad)
	if res.Status != http.StatusBadRequest || bad.Error != "invalid_proof" || bad.CNonce == "" || bad.CNonceExpiresIn <= 0 {
		t.Fatalf("spent nonce: got %d %s, want 400 invalid_proof with c_nonce", res.Status, res.Body)
	}
	if !strings.Contains(res.Header.Get("Cache-Control"), "no-store") {
		t.Errorf("draft error Cache-Control: got %q, want no-store", res.Header.Get("Cache-Control"))
	}
	res = h.postJSON(f.md.CredentialEndpoint, f.token.AccessToken, map[string]any{
		"format": "vc+sd-jwt", "vct": vct, "proof": draftProof(f, bad.CNonce),
	})
	if res.Status != http.StatusOK {
		t.Fatalf("retry with the error's c_nonce: got %d\n%s", res.Status, res.Body)
	}

	// A 1.0 wallet (no client_id) on the same server.
	f10, tok10 := draftToken(t, h, newWallet(t, h), "")
	if tok10.CNonce != nil {
		t.Errorf("1.0 token response carries c_nonce %q", *tok10.CNonce)
	}
	res = f10.request(t, h, map[string]any{"credential_configuration_id": "staff_badge"})
	var cred10 draftCredentialJSON
	res.JSON(t, &cred10)
	if res.Status != http.StatusOK || cred10.Credentials == nil || cred10.Credential != nil || cred10.CNonce != "" {
		t.Fatalf("1.0 credential response: got %d %s, want credentials without credential or c_nonce", res.Status, res.Body)
	}
	res = h.postJSON(f10.md.CredentialEndpoint, f10.token.AccessToken, map[string]any{
		"format": "vc+sd-jwt", "vct": vct, "proof": draftProof(f10, f10.w.nonce(f10.md.NonceEndpoint)),
	})
	if code := res.errorCode(t); res.Status != http.StatusBadRequest || code != "invalid_credential_request" || !strings.Contains(string(res.Body), "1.0") {
		t.Fatalf("draft shape from a 1.0 wallet: got %d %s, want 400 invalid_credential_request asking for 1.0", res.Status, res.Body)
	}
	// A complete 1.0 request with a stray proof member: 1.0 ignores
	// unknown members, so it is served as 1.0.
	res = f10.request(t, h, map[string]any{"credential_configuration_id": "staff_badge", "proof": map[string]any{"proof_type": "jwt", "jwt": "x"}})
	res.JSON(t, &cred10)
	if res.Status != http.StatusOK || cred10.Credentials == nil || cred10.CNonce != "" {
		t.Fatalf("1.0 request with an unknown proof member: got %d %s, want a 1.0 answer", res.Status, res.Body)
	}

	// An offer may name the twin; a 1.0 wallet may ask for it by id.
	body := staffBadgeOffer()
	body["credential_configuration_ids"] = []string{"staff_badge_vc_sd_jwt"}
	ft := startFlow(t, h, newWallet(t, h), h.createOffer(body), nil)
	res = ft.request(t, h, map[string]any{"credential_configuration_id": "staff_badge_vc_sd_jwt"})
	var credT credentialJSON
	res.JSON(t, &credT)
	if res.Status != http.StatusOK || len(credT.Credentials) != 1 {
		t.Fatalf("twin by id: got %d %s", res.Status, res.Body)
	}
	checkSDJWTTyped(t, h, credT.Credentials[0].Credential, "vc+sd-jwt")
}

// TestDraftWalletsGlobalSwitch: with compat.drafts every token response
// carries c_nonce, an anonymous wallet may use the ID2 shape (identifier +
// singular proof) and gets credentials as objects with a c_nonce, and the
// 1.0 entries publish display at the top level too.
func TestDraftWalletsGlobalSwitch(t *testing.T) {
	h := newHarness(t, withCompatDrafts())
	w := newWallet(t, h)
	f, tok := draftToken(t, h, w, "")
	if tok.CNonce == nil || tok.CNonceExpiresIn <= 0 {
		t.Fatalf("token response with compat.drafts: got %+v, want c_nonce", tok)
	}
	if f.md.Configurations["staff_badge"]["display"] == nil {
		t.Error("compat.drafts: the 1.0 entry has no top-level display")
	}
	if _, ok := f.md.Configurations["staff_badge_vc_sd_jwt"]; ok {
		t.Error("a twin is published without draft_twin")
	}
	res := h.postJSON(f.md.CredentialEndpoint, f.token.AccessToken, map[string]any{
		"credential_configuration_id": "staff_badge", "proof": draftProof(f, *tok.CNonce),
	})
	var cred struct {
		Credentials []struct {
			Credential string `json:"credential"`
		} `json:"credentials"`
		CNonce string `json:"c_nonce"`
	}
	res.JSON(t, &cred)
	if res.Status != http.StatusOK || len(cred.Credentials) != 1 || cred.CNonce == "" {
		t.Fatalf("ID2 credential response: got %d %s, want credentials of objects and c_nonce", res.Status, res.Body)
	}
	checkSDJWT(t, h, cred.Credentials[0].Credential)

	// The twin of a configuration without draft_twin does not exist.
	res = h.postJSON(f.md.CredentialEndpoint, f.token.AccessToken, map[string]any{
		"format": "vc+sd-jwt", "vct": "urn:credmint:example:staff_badge:1", "proof": draftProof(f, f.w.nonce(f.md.NonceEndpoint)),
	})
	if code := res.errorCode(t); res.Status != http.StatusBadRequest || code != "unsupported_credential_format" {
		t.Fatalf("vc+sd-jwt without a twin: got %d %s, want unsupported_credential_format", res.Status, res.Body)
	}
}

// TestDraftWalletDeferred: a draft request for the twin that needs review
// gets 202 with transaction_id and a c_nonce; the pre-1.0 wallet polls into
// issuance_pending, and after approval collects a vc+sd-jwt credential in
// the draft 13 shape of its request: {"credential": …, notification_id}.
func TestDraftWalletDeferred(t *testing.T) {
	h := newHarness(t, withReview(credential.ReviewManual, false), withPreDraftWallet("old-wallet"), withDraftTwin())
	f, tok := draftToken(t, h, newWallet(t, h), "old-wallet")
	res := h.postJSON(f.md.CredentialEndpoint, f.token.AccessToken, map[string]any{
		"format": "vc+sd-jwt", "vct": "urn:credmint:example:staff_badge:1", "proof": draftProof(f, *tok.CNonce),
	})
	var p struct {
		TransactionID string `json:"transaction_id"`
		Interval      int    `json:"interval"`
		CNonce        string `json:"c_nonce"`
	}
	res.JSON(t, &p)
	if res.Status != http.StatusAccepted || p.TransactionID == "" || p.Interval != 5 || p.CNonce == "" {
		t.Fatalf("draft deferred: got %d %s, want 202 with transaction_id, interval and c_nonce", res.Status, res.Body)
	}
	if code := poll(h, f, p.TransactionID).errorCode(t); code != issuance.CodeIssuancePending {
		t.Fatalf("poll while pending: got %s, want issuance_pending", code)
	}
	if res := h.admin("/deferred/"+p.TransactionID+"/approve", nil); res.Status != http.StatusOK {
		t.Fatalf("approve: %d\n%s", res.Status, res.Body)
	}
	res = poll(h, f, p.TransactionID)
	var cred draftCredentialJSON
	res.JSON(t, &cred)
	if res.Status != http.StatusOK || cred.Credential == nil || cred.Credentials != nil || cred.NotificationID == "" || cred.CNonce != "" {
		t.Fatalf("collect: got %d %s, want 200 with credential and notification_id only (draft 13)", res.Status, res.Body)
	}
	checkSDJWTTyped(t, h, *cred.Credential, "vc+sd-jwt")
	if code := poll(h, f, p.TransactionID).errorCode(t); code != issuance.CodeInvalidTransactionID {
		t.Errorf("poll after collection: got %s, want invalid_transaction_id", code)
	}
}

// TestDraftDeferredShapes: with compat.drafts, wallets not registered as
// pre-1.0 poll in the shape of their original request: the draft 13 shape
// (format + vct) and the ID2 shape (identifier + proof) get
// issuance_pending while pending, then {"credential"} and {"credentials":
// [{…}]}; a 1.0 request on the same server gets 202 and the 1.0 answer.
func TestDraftDeferredShapes(t *testing.T) {
	h := newHarness(t, withReview(credential.ReviewManual, false), withCompatDrafts())
	const vct = "urn:credmint:example:staff_badge:1"
	for _, tc := range []struct {
		name        string
		body        func(f *flow, nonce string) map[string]any
		wantPending string // the error code of a pending poll, "" for 202
		check       func(t *testing.T, res *response)
	}{
		{"draft 13", func(f *flow, nonce string) map[string]any {
			return map[string]any{"format": "dc+sd-jwt", "vct": vct, "proof": draftProof(f, nonce)}
		}, issuance.CodeIssuancePending, func(t *testing.T, res *response) {
			var cred draftCredentialJSON
			res.JSON(t, &cred)
			if cred.Credential == nil || cred.Credentials != nil || cred.NotificationID == "" {
				t.Fatalf("got %s, want credential and notification_id", res.Body)
			}
			checkSDJWT(t, h, *cred.Credential)
		}},
		{"ID2", func(f *flow, nonce string) map[string]any {
			return map[string]any{"credential_configuration_id": "staff_badge", "proof": draftProof(f, nonce)}
		}, issuance.CodeIssuancePending, func(t *testing.T, res *response) {
			var cred credentialJSON
			res.JSON(t, &cred)
			if len(cred.Credentials) != 1 { // objects: strings would not decode
				t.Fatalf("got %s, want credentials of objects", res.Body)
			}
			checkSDJWT(t, h, cred.Credentials[0].Credential)
		}},
		{"1.0", func(f *flow, nonce string) map[string]any {
			return map[string]any{"credential_configuration_id": "staff_badge", "proofs": map[string]any{"jwt": []string{f.w.proof(f.md.CredentialIssuer, nonce, proofOpts{})}}}
		}, "", func(t *testing.T, res *response) {
			var cred draftCredentialJSON
			res.JSON(t, &cred)
			if cred.Credential != nil || cred.Credentials == nil {
				t.Fatalf("got %s, want credentials", res.Body)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, tok := draftToken(t, h, newWallet(t, h), "")
			res := h.postJSON(f.md.CredentialEndpoint, f.token.AccessToken, tc.body(f, *tok.CNonce))
			var p pendingJSON
			res.JSON(t, &p)
			if res.Status != http.StatusAccepted || p.TransactionID == "" {
				t.Fatalf("credential request: got %d %s, want 202", res.Status, res.Body)
			}
			pending := poll(h, f, p.TransactionID)
			if tc.wantPending == "" {
				wantPending(t, pending, p.TransactionID)
			} else if code := pending.errorCode(t); pending.Status != http.StatusBadRequest || code != tc.wantPending {
				t.Fatalf("poll while pending: got %d %s, want 400 %s", pending.Status, pending.Body, tc.wantPending)
			}
			if res := h.admin("/deferred/"+p.TransactionID+"/approve", nil); res.Status != http.StatusOK {
				t.Fatalf("approve: %d\n%s", res.Status, res.Body)
			}
			res = poll(h, f, p.TransactionID)
			if res.Status != http.StatusOK {
				t.Fatalf("collect: got %d %s", res.Status, res.Body)
			}
			tc.check(t, res)
		})
	}
}

// TestDraftTwinWithCredentialIdentifiers: a token issued with
// authorization_details (credential_identifiers for staff_badge) serves the
// vc+sd-jwt twin to a pre-1.0 wallet that asks for it by format and vct;
// its credential_identifier still issues dc+sd-jwt, and the twin's
// configuration id is refused with a message that says what to send.
func TestDraftTwinWithCredentialIdentifiers(t *testing.T) {
	h := newHarness(t, withPreDraftWallet("old-wallet"), withDraftTwin())
	const vct = "urn:credmint:example:staff_badge:1"
	details := `[{"type":"openid_credential","credential_configuration_id":"staff_badge"}]`
	f, tok := draftTokenWith(t, h, newWallet(t, h), "old-wallet", map[string]string{"authorization_details": details})
	if len(tok.AuthorizationDetails) != 1 || len(tok.AuthorizationDetails[0].CredentialIdentifiers) != 1 {
		t.Fatalf("token response: got %+v, want one credential_identifier", tok.tokenJSON)
	}
	ident := tok.AuthorizationDetails[0].CredentialIdentifiers[0]

	res := h.postJSON(f.md.CredentialEndpoint, f.token.AccessToken, map[string]any{
		"format": "vc+sd-jwt", "vct": vct, "proof": draftProof(f, *tok.CNonce),
	})
	var cred draftCredentialJSON
	res.JSON(t, &cred)
	if res.Status != http.StatusOK || cred.Credential == nil {
		t.Fatalf("twin by format with credential_identifiers: got %d %s, want 200 with credential", res.Status, res.Body)
	}
	checkSDJWTTyped(t, h, *cred.Credential, "vc+sd-jwt")

	res = h.postJSON(f.md.CredentialEndpoint, f.token.AccessToken, map[string]any{
		"credential_identifier": ident, "proof": draftProof(f, cred.CNonce),
	})
	var byIdent credentialJSON
	res.JSON(t, &byIdent)
	if res.Status != http.StatusOK || len(byIdent.Credentials) != 1 {
		t.Fatalf("credential_identifier: got %d %s", res.Status, res.Body)
	}
	checkSDJWT(t, h, byIdent.Credentials[0].Credential)

	res = f.request(t, h, map[string]any{"credential_configuration_id": "staff_badge_vc_sd_jwt"})
	if code := res.errorCode(t); res.Status != http.StatusBadRequest || code != "invalid_credential_request" ||
		!strings.Contains(string(res.Body), "credential_identifier") || !strings.Contains(string(res.Body), "format") {
		t.Fatalf("twin by id with credential_identifiers: got %d %s, want invalid_credential_request saying what to send", res.Status, res.Body)
	}
}
