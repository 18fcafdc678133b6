package main

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"credmint/app/audit"
	"credmint/app/credential"
	"credmint/app/issuance"
	"credmint/config"
)

// withReview sets the review policy of the staff_badge configuration.
func withReview(policy string, fourEyes bool, rules ...string) harnessOption {
	return func(c *config.Config, _ *harnessSettings) {
		for i := range c.CredentialConfigurations {
			if c.CredentialConfigurations[i].ID == "staff_badge" {
				c.CredentialConfigurations[i].ReviewPolicy = policy
				c.CredentialConfigurations[i].FourEyes = fourEyes
				c.CredentialConfigurations[i].ReviewRules = rules
			}
		}
	}
}

// withPreDraftWallet registers clientID as a pre-1.0 wallet.
func withPreDraftWallet(clientID string) harnessOption {
	return func(c *config.Config, _ *harnessSettings) {
		c.WalletClients = append(c.WalletClients, config.WalletClient{ClientID: clientID, Name: "Old wallet",
			RedirectURIs: []string{"https://wallet.example/cb"}, Pre10: true})
	}
}

// pendingJSON is a 202 answer.
type pendingJSON struct {
	TransactionID string `json:"transaction_id"`
	Interval      int    `json:"interval"`
}

// deferredEndpoint reads deferred_credential_endpoint from the metadata.
func deferredEndpoint(t *testing.T, h *harness) string {
	t.Helper()
	var md struct {
		Deferred string `json:"deferred_credential_endpoint"`
	}
	h.getJSON(h.url+"/.well-known/openid-credential-issuer").JSON(t, &md)
	if md.Deferred != h.url+"/deferred_credential" {
		t.Fatalf("deferred_credential_endpoint: got %q, want %s/deferred_credential", md.Deferred, h.url)
	}
	return md.Deferred
}

// deferredStart runs the pre-authorized flow up to the 202.
func deferredStart(t *testing.T, h *harness, w *wallet, extra map[string]string) (*flow, pendingJSON) {
	t.Helper()
	f := startFlow(t, h, w, h.createOffer(staffBadgeOffer()), extra)
	res := f.request(t, h, map[string]any{"credential_configuration_id": "staff_badge"})
	if res.Status != http.StatusAccepted {
		t.Fatalf("credential: got %d, want 202\n%s", res.Status, res.Body)
	}
	var p pendingJSON
	res.JSON(t, &p)
	if p.TransactionID == "" || p.Interval != 5 {
		t.Fatalf("202 body: got %s, want transaction_id and interval 5", res.Body)
	}
	return f, p
}

// poll posts to the deferred credential endpoint.
func poll(h *harness, f *flow, txID string) *response {
	return h.postJSON(h.url+"/deferred_credential", f.token.AccessToken, map[string]any{"transaction_id": txID})
}

// wantPending checks a 202 with the same transaction_id.
func wantPending(t *testing.T, res *response, txID string) {
	t.Helper()
	var p pendingJSON
	if res.Status != http.StatusAccepted {
		t.Fatalf("poll: got %d, want 202\n%s", res.Status, res.Body)
	}
	res.JSON(t, &p)
	if p.TransactionID != txID || p.Interval != 5 || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("pending poll: got %s (Cache-Control %q)", res.Body, res.Header.Get("Cache-Control"))
	}
}

// wantError checks a protocol error.
func wantError(t *testing.T, res *response, status int, code string) {
	t.Helper()
	if res.Status != status || res.errorCode(t) != code {
		t.Fatalf("got %d %s, want %d %s", res.Status, res.Body, status, code)
	}
}

// admin posts to the admin API with the harness's key.
func (h *harness) admin(path string, body any) *response {
	return h.postJSON(h.url+"/api/v1"+path, h.apiKey, body)
}

// collect polls once after approval and checks the credential is bound to
// the key of the original proof; the transaction is dead afterwards.
func collectAndCheck(t *testing.T, h *harness, f *flow, txID string) {
	t.Helper()
	res := poll(h, f, txID)
	if res.Status != http.StatusOK {
		t.Fatalf("poll after approval: got %d, want 200\n%s", res.Status, res.Body)
	}
	var cred credentialJSON
	res.JSON(t, &cred)
	if len(cred.Credentials) != 1 || cred.NotificationID == "" {
		t.Fatalf("deferred credential response: %s", res.Body)
	}
	c := checkSDJWT(t, h, cred.Credentials[0].Credential)
	checkCnf(t, c.Payload, f.w)
	if c.Claims["given_name"] != "Ada" {
		t.Errorf("given_name: got %v", c.Claims["given_name"])
	}
	wantError(t, poll(h, f, txID), http.StatusBadRequest, issuance.CodeInvalidTransactionID)
	res = h.postJSON(h.url+"/notification", f.token.AccessToken, map[string]any{"notification_id": cred.NotificationID, "event": "credential_accepted"})
	if res.Status != http.StatusNoContent {
		t.Errorf("notification: got %d\n%s", res.Status, res.Body)
	}
}

func TestDeferredApproveThroughAdminAPI(t *testing.T) {
	h := newHarness(t, withReview(credential.ReviewManual, false))
	deferredEndpoint(t, h)
	f, p := deferredStart(t, h, newWallet(t, h), nil)
	wantPending(t, poll(h, f, p.TransactionID), p.TransactionID)
	wantError(t, poll(h, f, "unknown"), http.StatusBadRequest, issuance.CodeInvalidTransactionID)
	enc := h.postJSON(h.url+"/deferred_credential", f.token.AccessToken, map[string]any{"transaction_id": p.TransactionID, "credential_response_encryption": map[string]any{"enc": "A128GCM"}})
	wantError(t, enc, http.StatusBadRequest, issuance.CodeInvalidEncryptionParameters)

	other := startFlow(t, h, newWallet(t, h), h.createOffer(staffBadgeOffer()), nil)
	wantError(t, poll(h, other, p.TransactionID), http.StatusBadRequest, issuance.CodeInvalidTransactionID)

	var list struct {
		Deferred []struct {
			ID      string   `json:"id"`
			State   string   `json:"state"`
			Reasons []string `json:"reasons"`
		} `json:"deferred"`
	}
	h.do(http.MethodGet, h.url+"/api/v1/deferred?state=pending", map[string]string{"Authorization": "Bearer " + h.apiKey}, nil).JSON(t, &list)
	if len(list.Deferred) != 1 || list.Deferred[0].Reasons[0] != issuance.ReasonManualPolicy {
		t.Fatalf("pending list: got %+v", list)
	}
	var shown struct {
		Claims map[string]any `json:"claims"`
	}
	h.do(http.MethodGet, h.url+"/api/v1/deferred/"+list.Deferred[0].ID, map[string]string{"Authorization": "Bearer " + h.apiKey}, nil).JSON(t, &shown)
	if shown.Claims["family_name"] != "Lovelace" {
		t.Fatalf("shown claims: got %v", shown.Claims)
	}
	res := h.admin("/deferred/"+p.TransactionID+"/approve", map[string]any{})
	if res.Status != http.StatusOK {
		t.Fatalf("approve: got %d\n%s", res.Status, res.Body)
	}
	if res := h.admin("/deferred/"+list.Deferred[0].ID+"/approve", nil); res.Status != http.StatusConflict {
		t.Fatalf("second approval: got %d, want 409\n%s", res.Status, res.Body)
	}
	collectAndCheck(t, h, f, p.TransactionID)
}

func TestDeferredRejection(t *testing.T) {
	h := newHarness(t, withReview(credential.ReviewManual, false))
	f, p := deferredStart(t, h, newWallet(t, h), nil)
	if res := h.admin("/deferred/"+p.TransactionID+"/reject", map[string]any{}); res.Status != http.StatusBadRequest {
		t.Fatalf("reject without reason: got %d, want 400\n%s", res.Status, res.Body)
	}
	if res := h.admin("/deferred/"+p.TransactionID+"/reject", map[string]any{"reason": "not an employee"}); res.Status != http.StatusOK {
		t.Fatalf("reject: got %d\n%s", res.Status, res.Body)
	}
	wantError(t, poll(h, f, p.TransactionID), http.StatusBadRequest, issuance.CodeCredentialRequestDenied)
	if res := h.admin("/deferred/"+p.TransactionID+"/approve", nil); res.Status != http.StatusConflict {
		t.Fatalf("approve after rejection: got %d, want 409", res.Status)
	}
}

// TestDeferredFourEyes: the creator of the offer (here the API key) cannot
// approve; another reviewer can, and edits are checked and audited by name.
func TestDeferredFourEyes(t *testing.T) {
	h := newHarness(t, withReview(credential.ReviewManual, true))
	f, p := deferredStart(t, h, newWallet(t, h), nil)
	res := h.admin("/deferred/"+p.TransactionID+"/approve", nil)
	wantError(t, res, http.StatusConflict, "four_eyes")
	ctx := context.Background()
	d, err := h.app.issuance.GetDeferred(ctx, p.TransactionID)
	if err != nil {
		t.Fatal(err)
	}
	if d.OfferCreatedBy == "" {
		t.Fatal("the offer's creator was not recorded")
	}
	if _, err := h.app.issuance.ApproveDeferred(ctx, d.ID, d.OfferCreatedBy, nil); !errors.Is(err, issuance.ErrFourEyes) {
		t.Fatalf("creator approves: got %v, want ErrFourEyes", err)
	}
	bad := map[string]any{"given_name": "Ada"} // family_name etc. missing
	var ce *issuance.ClaimsError
	if _, err := h.app.issuance.ApproveDeferred(ctx, d.ID, "usr_second", bad); !errors.As(err, &ce) {
		t.Fatalf("incomplete edit: got %v, want ClaimsError", err)
	}
	edited := d.Claims
	edited["family_name"] = "King"
	if _, err := h.app.issuance.ApproveDeferred(ctx, d.ID, "usr_second", edited); err != nil {
		t.Fatalf("second reviewer: %v", err)
	}
	evs, err := h.app.store.AuditEvents(ctx, "deferred_request", d.ID)
	if err != nil {
		t.Fatal(err)
	}
	var approved map[string]string
	for _, ev := range evs {
		if ev.Action == "deferred.approved" {
			approved = ev.Details
		}
	}
	if approved["edited_claims"] != "family_name" || approved["reviewer_id"] != "usr_second" {
		t.Fatalf("approval audit details: got %v", approved)
	}
	collectAndCheck(t, h, f, p.TransactionID)
}

// TestDeferredSurvivesRestart: the server stops after the 202; a new one on
// the same database approves and delivers.
func TestDeferredSurvivesRestart(t *testing.T) {
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "shared.db")
	first := newHarnessWithDB(t, dbURL, withReview(credential.ReviewManual, false))
	f, p := deferredStart(t, first, newWallet(t, first), nil)
	first.srv.Close()
	if err := first.app.Close(); err != nil {
		t.Fatal(err)
	}
	second := newHarnessWithDB(t, dbURL, withReview(credential.ReviewManual, false))
	f.w.h = second
	wantPending(t, poll(second, f, p.TransactionID), p.TransactionID)
	if res := second.admin("/deferred/"+p.TransactionID+"/approve", nil); res.Status != http.StatusOK {
		t.Fatalf("approve on the new server: got %d\n%s", res.Status, res.Body)
	}
	collectAndCheck(t, second, f, p.TransactionID)
}

// TestDeferredExpiry: a pending request past issuer.deferred_lifetime gives
// invalid_transaction_id, before and after housekeeping, and cannot be
// approved.
func TestDeferredExpiry(t *testing.T) {
	h := newHarness(t, withReview(credential.ReviewManual, false), func(c *config.Config, _ *harnessSettings) {
		c.Issuer.DeferredLifetime = time.Hour
	})
	f, p := deferredStart(t, h, newWallet(t, h), nil)
	h.clock.Advance(time.Hour + time.Second)
	wantError(t, poll(h, f, p.TransactionID), http.StatusBadRequest, issuance.CodeInvalidTransactionID)
	if res := h.admin("/deferred/"+p.TransactionID+"/approve", nil); res.Status != http.StatusConflict {
		t.Fatalf("approve after expiry: got %d, want 409", res.Status)
	}
	if n, err := h.app.issuance.ExpireDeferred(context.Background()); err != nil || n != 1 {
		t.Fatalf("ExpireDeferred: %d, %v; want 1", n, err)
	}
	wantError(t, poll(h, f, p.TransactionID), http.StatusBadRequest, issuance.CodeInvalidTransactionID)
}

// TestDeferredPreDraftWallet: a wallet configured as pre-1.0 gets 400
// issuance_pending with an interval while the request waits.
func TestDeferredPreDraftWallet(t *testing.T) {
	h := newHarness(t, withReview(credential.ReviewManual, false), withPreDraftWallet("old-wallet"))
	f, p := deferredStart(t, h, newWallet(t, h), map[string]string{"client_id": "old-wallet"})
	res := poll(h, f, p.TransactionID)
	var body struct {
		Error    string `json:"error"`
		Interval int    `json:"interval"`
	}
	res.JSON(t, &body)
	if res.Status != http.StatusBadRequest || body.Error != issuance.CodeIssuancePending || body.Interval != 5 {
		t.Fatalf("pre-1.0 pending: got %d %s", res.Status, res.Body)
	}
	if res := h.admin("/deferred/"+p.TransactionID+"/approve", nil); res.Status != http.StatusOK {
		t.Fatalf("approve: %d", res.Status)
	}
	collectAndCheck(t, h, f, p.TransactionID)
}

// TestDeferredReviewRules: with review_rules, only a firing rule defers;
// an offer without an applicant fires no_applicant_match.
func TestDeferredReviewRules(t *testing.T) {
	h := newHarness(t, withReview(credential.ReviewManual, false, credential.ReviewRuleFlagged))
	f := startFlow(t, h, newWallet(t, h), h.createOffer(staffBadgeOffer()), nil)
	if res := f.request(t, h, map[string]any{"credential_configuration_id": "staff_badge"}); res.Status != http.StatusOK {
		t.Fatalf("no rule fires: got %d, want 200\n%s", res.Status, res.Body)
	}
	h2 := newHarness(t, withReview(credential.ReviewManual, false, credential.ReviewRuleNoApplicantMatch))
	_, p := deferredStart(t, h2, newWallet(t, h2), nil)
	d, err := h2.app.issuance.GetDeferred(context.Background(), p.TransactionID)
	if err != nil || len(d.Reasons) != 1 || d.Reasons[0] != credential.ReviewRuleNoApplicantMatch {
		t.Fatalf("reasons: got %+v, %v", d, err)
	}
}

// TestDeferredConfigurationDisabledAfterApproval: a configuration disabled
// between approval and collection gives the wallet 400
// credential_request_denied, not a server error; enabled again, the poll
// delivers.
func TestDeferredConfigurationDisabledAfterApproval(t *testing.T) {
	h := newHarness(t, withReview(credential.ReviewManual, false))
	f, p := deferredStart(t, h, newWallet(t, h), nil)
	if res := h.admin("/deferred/"+p.TransactionID+"/approve", nil); res.Status != http.StatusOK {
		t.Fatalf("approve: got %d\n%s", res.Status, res.Body)
	}
	ctx := context.Background()
	setDisabled := func(disabled bool) {
		t.Helper()
		c, err := h.app.store.CredentialConfiguration(ctx, "staff_badge")
		if err != nil {
			t.Fatal(err)
		}
		c.Disabled = disabled
		ev := audit.Event{At: h.clock.Now(), Actor: audit.Actor{Kind: audit.ActorSystem}, Action: "credential_configuration.disabled", SubjectType: "credential_configuration", SubjectID: c.ID}
		if err := h.app.store.SaveCredentialConfiguration(ctx, c, ev); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(5 * time.Second) // past the catalog's cache
	}
	setDisabled(true)
	wantError(t, poll(h, f, p.TransactionID), http.StatusBadRequest, issuance.CodeCredentialRequestDenied)
	setDisabled(false)
	collectAndCheck(t, h, f, p.TransactionID)
}
