package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"credmint/app/credential"
	"credmint/app/delivery"
	"credmint/app/webhooks"
	"credmint/config"
	"credmint/db/dbtest"
)

// hookReceiver is a back-office endpoint that records what it receives.
type hookReceiver struct {
	mu       sync.Mutex
	got      []hookDelivery
	statuses []int
	srv      *httptest.Server
}

type hookDelivery struct {
	Header http.Header
	Raw    []byte
	Body   webhooks.Body
}

func startHookReceiver(t testing.TB, statuses ...int) *hookReceiver {
	r := &hookReceiver{statuses: statuses}
	r.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		raw, _ := io.ReadAll(req.Body)
		d := hookDelivery{Header: req.Header.Clone(), Raw: raw}
		_ = json.Unmarshal(raw, &d.Body)
		r.mu.Lock()
		r.got = append(r.got, d)
		status := http.StatusNoContent
		if len(r.statuses) > 0 {
			status, r.statuses = r.statuses[0], r.statuses[1:]
		}
		r.mu.Unlock()
		rw.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) deliveries() []hookDelivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

const hookSecret = "hook-secret-0123456789abcdef"

func withWebhooks(hooks ...config.WebhookConfig) harnessOption {
	return func(c *config.Config, _ *harnessSettings) { c.Webhooks = hooks }
}

// checkSigned verifies a delivery as a receiver must: HMAC over timestamp
// and body, timestamp within five minutes of the issuer's clock.
func checkSigned(t *testing.T, h *harness, d hookDelivery) {
	t.Helper()
	if err := delivery.VerifySignature([]byte(hookSecret), d.Header, d.Raw, h.app.now(), 5*time.Minute); err != nil {
		t.Errorf("signature of %s: %v", d.Body.Type, err)
	}
	// The documented scheme (docs/webhooks.md), recomputed without
	// credmint code: sha256=hex(HMAC-SHA256(secret, timestamp "." body)).
	mac := hmac.New(sha256.New, []byte(hookSecret))
	mac.Write([]byte(d.Header.Get("X-Credmint-Timestamp") + "."))
	mac.Write(d.Raw)
	if got, want := d.Header.Get("X-Credmint-Signature"), "sha256="+hex.EncodeToString(mac.Sum(nil)); got != want {
		t.Errorf("X-Credmint-Signature of %s: got %q, want %q", d.Body.Type, got, want)
	}
	if got := d.Header.Get(webhooks.HeaderEvent); got != d.Body.Type {
		t.Errorf("%s: got %q, want %q", webhooks.HeaderEvent, got, d.Body.Type)
	}
	if d.Header.Get(webhooks.HeaderDelivery) == "" || d.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", d.Header)
	}
}

func TestWebhooksSignedEventsForIssuedAndAccepted(t *testing.T) {
	all := startHookReceiver(t)
	accepted := startHookReceiver(t)
	h := newHarness(t, withWebhooks(
		config.WebhookConfig{URL: all.srv.URL + "/events", Secret: hookSecret},
		config.WebhookConfig{URL: accepted.srv.URL + "/accepted", Secret: hookSecret, Events: []string{"credential.accepted"}},
	))
	created := h.createOffer(staffBadgeOffer())
	f := startFlow(t, h, newWallet(t, h), created, nil)
	res := f.request(t, h, map[string]any{"credential_configuration_id": "staff_badge"})
	if res.Status != http.StatusOK {
		t.Fatalf("credential: got %d\n%s", res.Status, res.Body)
	}
	var cred credentialJSON
	res.JSON(t, &cred)
	res = h.postJSON(f.md.NotificationEndpoint, f.token.AccessToken, map[string]any{"notification_id": cred.NotificationID, "event": "credential_accepted"})
	if res.Status != http.StatusNoContent {
		t.Fatalf("notification: got %d\n%s", res.Status, res.Body)
	}
	if err := h.app.deliveryWorkers.outbox.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := byCreation(all.deliveries())
	if len(got) != 2 {
		t.Fatalf("the all-events endpoint got %d deliveries, want 2", len(got))
	}
	for _, d := range got {
		checkSigned(t, h, d)
	}
	issued := got[0].Body
	if issued.Type != "credential.issued" || issued.ID == "" || issued.CreatedAt.IsZero() {
		t.Errorf("first event: got %+v", issued)
	}
	if diff := cmp.Diff(webhooks.Data{OfferID: created.ID, ConfigurationID: "staff_badge", CredentialIDs: issued.Data.CredentialIDs}, issued.Data); diff != "" || len(issued.Data.CredentialIDs) != 1 {
		t.Errorf("credential.issued data (-want +got):\n%s", diff)
	}
	if got[1].Body.Type != "credential.accepted" || got[1].Body.Data.OfferID != created.ID {
		t.Errorf("second event: got %+v", got[1].Body)
	}
	only := accepted.deliveries()
	if len(only) != 1 || only[0].Body.Type != "credential.accepted" {
		t.Fatalf("the accepted-only endpoint got %+v", only)
	}
	checkSigned(t, h, only[0])
	if only[0].Body.ID != got[1].Body.ID || only[0].Header.Get(webhooks.HeaderDelivery) == got[1].Header.Get(webhooks.HeaderDelivery) {
		t.Error("one event to two endpoints: want the same event id and two delivery ids")
	}
	// The webhook messages stay out of the offer's deliveries.
	msgs, _ := h.app.delivery.Messages(context.Background(), created.ID)
	if len(msgs) != 0 {
		t.Errorf("offer messages: %+v", msgs)
	}
}

func TestWebhookRetriedWithBackoffThenRetryNow(t *testing.T) {
	rcv := startHookReceiver(t, http.StatusServiceUnavailable, http.StatusBadRequest)
	h := newHarness(t, withWebhooks(config.WebhookConfig{URL: rcv.srv.URL, Secret: hookSecret}))
	created := h.createOffer(staffBadgeOffer())
	f := startFlow(t, h, newWallet(t, h), created, nil)
	if res := f.request(t, h, map[string]any{"credential_configuration_id": "staff_badge"}); res.Status != http.StatusOK {
		t.Fatalf("credential: got %d", res.Status)
	}
	ctx := context.Background()
	w := h.app.deliveryWorkers.outbox
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	log, _ := h.app.webhooks.Deliveries(ctx, 10)
	if len(log) != 1 || log[0].State != delivery.StatePending || log[0].LastError != "webhook: endpoint answered 503" {
		t.Fatalf("after a 503: %+v", log)
	}
	if wait := log[0].NextAttemptAt.Sub(h.app.now()); wait < 20*time.Second || wait > 37*time.Second {
		t.Errorf("first retry in %v, want about 30 s", wait)
	}
	h.clock.Advance(time.Minute)
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	log, _ = h.app.webhooks.Deliveries(ctx, 10)
	if log[0].State != delivery.StateFailed || log[0].Endpoint != rcv.srv.URL {
		t.Fatalf("after a 400: %+v", log[0])
	}
	if err := h.app.webhooks.Retry(staffCtx(), log[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := w.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	log, _ = h.app.webhooks.Deliveries(ctx, 10)
	if log[0].State != delivery.StateSent {
		t.Errorf("after retry now: %+v", log[0])
	}
	if err := h.app.webhooks.Retry(staffCtx(), log[0].ID); err == nil {
		t.Error("a sent delivery was retried")
	}
	got := rcv.deliveries()
	if len(got) != 3 || got[0].Header.Get(webhooks.HeaderDelivery) != got[2].Header.Get(webhooks.HeaderDelivery) || string(got[0].Raw) != string(got[2].Raw) {
		t.Errorf("want the same delivery three times, got %d", len(got))
	}
}

// TestWebhookAtLeastOnceAcrossRestart: a process that dies after sending
// and before marking leaves the delivery leased; after the lease the
// restarted worker sends it again under the same X-Credmint-Delivery.
func TestWebhookAtLeastOnceAcrossRestart(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testWebhookAtLeastOnce(t, "") })
	t.Run("postgres", func(t *testing.T) { testWebhookAtLeastOnce(t, dbtest.PostgresURL(t)) })
}

func testWebhookAtLeastOnce(t *testing.T, dbURL string) {
	rcv := startHookReceiver(t)
	h := newHarnessWithDB(t, dbURL, withWebhooks(config.WebhookConfig{URL: rcv.srv.URL, Secret: hookSecret}))
	created := h.createOffer(staffBadgeOffer())
	f := startFlow(t, h, newWallet(t, h), created, nil)
	if res := f.request(t, h, map[string]any{"credential_configuration_id": "staff_badge"}); res.Status != http.StatusOK {
		t.Fatalf("credential: got %d", res.Status)
	}
	ctx := context.Background()
	live := h.app.deliveryWorkers.outbox
	if n, err := h.app.eventRelay.RelayEvents(ctx); err != nil || n != 1 {
		t.Fatalf("relaying credential.issued: %d, %v", n, err)
	}
	dying, err := delivery.NewWorker(delivery.WorkerDeps{Store: crashingStore{h.app.store}, Sealer: live.Sealer, Webhook: live.Webhook, Owner: "dying", Now: h.app.now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dying.RunOnce(ctx); !errors.Is(err, errCrash) {
		t.Fatalf("the dying worker: %v", err)
	}
	if n, _ := live.RunOnce(ctx); n != 0 {
		t.Fatal("a leased delivery was claimed")
	}
	h.clock.Advance(6 * time.Minute)
	if err := live.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	got := rcv.deliveries()
	if len(got) != 2 {
		t.Fatalf("receiver got %d requests, want the same delivery twice", len(got))
	}
	id := got[0].Header.Get(webhooks.HeaderDelivery)
	if id == "" || got[1].Header.Get(webhooks.HeaderDelivery) != id || got[0].Body.ID != got[1].Body.ID {
		t.Errorf("deliveries %q and %q: want one X-Credmint-Delivery", id, got[1].Header.Get(webhooks.HeaderDelivery))
	}
	checkSigned(t, h, got[1])
	log, _ := h.app.webhooks.Deliveries(ctx, 10)
	if len(log) != 1 || log[0].ID != id || log[0].State != delivery.StateSent || log[0].Attempts != 2 {
		t.Errorf("after the restart: %+v", log)
	}
}

func TestConsoleWebhookDeliveryLog(t *testing.T) {
	rcv := startHookReceiver(t, http.StatusGone)
	h := newHarness(t, withWebhooks(config.WebhookConfig{URL: rcv.srv.URL + "/hook", Secret: hookSecret, Events: []string{"credential.issued"}}))
	created := h.createOffer(staffBadgeOffer())
	f := startFlow(t, h, newWallet(t, h), created, nil)
	if res := f.request(t, h, map[string]any{"credential_configuration_id": "staff_badge"}); res.Status != http.StatusOK {
		t.Fatalf("credential: got %d", res.Status)
	}
	ctx := context.Background()
	if err := h.app.deliveryWorkers.outbox.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	log, _ := h.app.webhooks.Deliveries(ctx, 10)
	if len(log) != 1 || log[0].State != delivery.StateFailed {
		t.Fatalf("after a 410: %+v", log)
	}
	id := log[0].ID

	for _, role := range []string{"issuer", "auditor", "reviewer"} {
		if res := h.newBrowser(t, role).get("/console/webhooks"); res.Status != http.StatusForbidden {
			t.Errorf("%s: got %d, want 403", role, res.Status)
		}
	}
	admin := h.newBrowser(t, "admin")
	res := admin.get("/console/webhooks")
	if res.Status != http.StatusOK {
		t.Fatalf("log: got %d", res.Status)
	}
	doc := res.doc(t)
	if got := doc.Find("table.endpoints td").First().Text(); got != rcv.srv.URL+"/hook" {
		t.Errorf("endpoint %q", got)
	}
	if strings.Contains(string(res.Body), hookSecret) {
		t.Error("the page shows the secret")
	}
	row := doc.Find("tr#delivery-" + id)
	if !row.HasClass("problem") || row.Find(".attempts").Text() != "1" || !strings.Contains(row.Find(".last-error").Text(), "(410)") {
		t.Errorf("delivery row %q", row.Text())
	}
	if row.Find("button").Text() != "Retry now" {
		t.Fatal("no Retry now on a failed delivery")
	}
	if res := admin.forged("/console/webhooks/"+id+"/retry", nil); res.Status != http.StatusForbidden {
		t.Errorf("forged retry: got %d, want 403", res.Status)
	}
	if res := admin.postForm("/console/webhooks/"+id+"/retry", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("retry: got %d", res.Status)
	}
	if err := h.app.deliveryWorkers.outbox.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	row = admin.get("/console/webhooks").doc(t).Find("tr#delivery-" + id)
	if row.Find(".badge").Text() != "sent" || row.Find("button").Length() != 0 {
		t.Errorf("after retry: %q", row.Text())
	}
	if res := admin.postForm("/console/webhooks/"+id+"/retry", nil); res.Status != http.StatusSeeOther {
		t.Errorf("retry of a sent delivery: got %d, want 303 with an error flash", res.Status)
	}
	if n := len(rcv.deliveries()); n != 2 {
		t.Errorf("receiver got %d requests, want 2", n)
	}
}

// TestConsoleWebhooksShowDelayedEvents: an event whose relay into
// deliveries failed is listed on the webhooks page with its error and next
// attempt until a relay succeeds; "Retry now" (admins, CSRF-protected,
// audited) makes it due at once; then it is delivered and the list is gone.
func TestConsoleWebhooksShowDelayedEvents(t *testing.T) {
	rcv := startHookReceiver(t, http.StatusNoContent)
	h := newHarness(t, withWebhooks(config.WebhookConfig{URL: rcv.srv.URL + "/hook", Secret: hookSecret, Events: []string{"credential.issued"}}))
	f := startFlow(t, h, newWallet(t, h), h.createOffer(staffBadgeOffer()), nil)
	if res := f.request(t, h, map[string]any{"credential_configuration_id": "staff_badge"}); res.Status != http.StatusOK {
		t.Fatalf("credential: got %d", res.Status)
	}
	ctx := context.Background()
	queued, err := h.app.store.QueuedEvents(ctx, h.app.now(), 10)
	if err != nil || len(queued) != 1 {
		t.Fatalf("queued events: %+v, %v", queued, err)
	}
	// The relay failed on it once (as a sink that cannot reach the
	// applicants would make it).
	next := h.app.now().Add(30 * time.Second)
	if err := h.app.store.DelayEvent(ctx, queued[0].ID, next, "applicants: database unavailable"); err != nil {
		t.Fatal(err)
	}
	admin := h.newBrowser(t, "admin")
	doc := admin.get("/console/webhooks").doc(t)
	row := doc.Find("table.delayed tr#event-" + queued[0].ID)
	if row.Length() != 1 || row.Find(".attempts").Text() != "1" || row.Find(".last-error").Text() != "applicants: database unavailable" ||
		!strings.Contains(row.Text(), "credential.issued") || !strings.Contains(row.Text(), next.UTC().Format(time.DateTime)) {
		t.Fatalf("the delayed event's row: %q", squash(doc.Find(".delayed-events").Text()))
	}

	// Not yet due: nothing is relayed.
	if err := h.app.deliveryWorkers.outbox.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(rcv.deliveries()); n != 0 {
		t.Fatalf("receiver got %d deliveries before the event was due, want 0", n)
	}
	// The cause is fixed; an admin presses Retry now.
	retry := "/console/webhooks/events/" + queued[0].ID + "/retry"
	if res := admin.forged(retry, nil); res.Status != http.StatusForbidden {
		t.Errorf("forged retry: got %d, want 403", res.Status)
	}
	if res := h.newBrowser(t, "issuer").postForm(retry, nil); res.Status != http.StatusForbidden {
		t.Errorf("retry by an issuer: got %d, want 403", res.Status)
	}
	if res := admin.postForm(retry, nil); res.Status != http.StatusSeeOther {
		t.Fatalf("retry: got %d", res.Status)
	}
	if err := h.app.deliveryWorkers.outbox.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(rcv.deliveries()); n != 1 {
		t.Fatalf("receiver got %d deliveries after Retry now, want 1", n)
	}
	evs, err := h.app.store.AuditEvents(ctx, "event", queued[0].ID)
	if err != nil || len(evs) != 1 || evs[0].Action != "event.retried" {
		t.Errorf("audit of the retry: %+v, %v", evs, err)
	}
	auditDoc := admin.get("/console/audit?subject_type=event").doc(t)
	if auditDoc.Find(`select[name=subject_type] option[value=event][selected]`).Length() != 1 || auditDoc.Find("table.audit tbody tr").Length() != 1 ||
		!strings.Contains(auditDoc.Find("table.audit tbody").Text(), "event.retried") {
		t.Errorf("the audit log filtered by subject event: %q", squash(auditDoc.Find("table.audit").Text()))
	}
	// Relayed: a second retry is refused with a message, not an error page.
	if res := admin.postForm(retry, nil); res.Status != http.StatusSeeOther {
		t.Errorf("retry of a relayed event: got %d, want 303 with an error flash", res.Status)
	}
	if doc := admin.get("/console/webhooks").doc(t); doc.Find(".delayed-events").Length() != 0 {
		t.Errorf("the delayed list is still shown after the event was relayed: %q", squash(doc.Find(".delayed-events").Text()))
	}
}

// TestWebhookEventSurvivesRestart: events are written with the change they
// report, so a process that stops right after the change (before anything
// was relayed or sent) loses none: the restarted server delivers them,
// signed, with the event ids written with the changes. A refused change (a
// second approval) writes no event.
func TestWebhookEventSurvivesRestart(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		testWebhookEventSurvivesRestart(t, "sqlite:"+filepath.Join(t.TempDir(), "shared.db"))
	})
	t.Run("postgres", func(t *testing.T) { testWebhookEventSurvivesRestart(t, dbtest.PostgresURL(t)) })
}

func testWebhookEventSurvivesRestart(t *testing.T, dbURL string) {
	rcv := startHookReceiver(t)
	opts := []harnessOption{withReview(credential.ReviewManual, false), withWebhooks(config.WebhookConfig{URL: rcv.srv.URL, Secret: hookSecret})}
	first := newHarnessWithDB(t, dbURL, opts...)
	f, p := deferredStart(t, first, newWallet(t, first), nil)
	if res := first.admin("/deferred/"+p.TransactionID+"/approve", nil); res.Status != http.StatusOK {
		t.Fatalf("approve: got %d\n%s", res.Status, res.Body)
	}
	if res := first.admin("/deferred/"+p.TransactionID+"/approve", nil); res.Status != http.StatusConflict {
		t.Fatalf("second approval: got %d, want 409", res.Status)
	}
	ctx := context.Background()
	queued, err := first.app.store.QueuedEvents(ctx, first.app.now(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(queued) != 2 || queued[0].Type != "issuance.pending" || queued[1].Type != "issuance.approved" {
		t.Fatalf("queued with the changes: got %+v, want issuance.pending and issuance.approved", queued)
	}
	first.srv.Close()
	if err := first.app.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(rcv.deliveries()); n != 0 {
		t.Fatalf("the stopped server delivered %d events", n)
	}

	second := newHarnessWithDB(t, dbURL, opts...)
	if err := second.app.deliveryWorkers.outbox.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	got := byCreation(rcv.deliveries()) // deliveries are not ordered; events have their time
	if len(got) != 2 {
		t.Fatalf("after the restart the receiver got %d events, want 2", len(got))
	}
	id := requestID(t, second, p.TransactionID)
	for i, d := range got {
		checkSigned(t, second, d)
		if d.Body.ID != queued[i].ID || d.Body.Type != queued[i].Type || d.Body.Data.TransactionID != id || d.Body.Data.ConfigurationID != "staff_badge" {
			t.Errorf("delivery %d: got %+v, want event %s (%s) of %s", i, d.Body, queued[i].ID, queued[i].Type, id)
		}
		if strings.Contains(string(d.Raw), "Lovelace") {
			t.Errorf("delivery %d carries applicant data: %s", i, d.Raw)
		}
	}
	if left, _ := second.app.store.QueuedEvents(ctx, second.app.now(), 10); len(left) != 0 {
		t.Errorf("still queued after relaying: %+v", left)
	}
	// The wallet collects on the new server; its credential.issued follows.
	f.w.h = second
	collectAndCheck(t, second, f, p.TransactionID)
	if err := second.app.deliveryWorkers.outbox.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, d := range byCreation(rcv.deliveries()) {
		types = append(types, d.Body.Type)
	}
	if want := []string{"issuance.pending", "issuance.approved", "credential.issued", "credential.accepted"}; !slices.Equal(types, want) {
		t.Errorf("events: got %v, want %v", types, want)
	}
}

// byCreation sorts deliveries by their event's created_at.
func byCreation(ds []hookDelivery) []hookDelivery {
	slices.SortStableFunc(ds, func(a, b hookDelivery) int { return a.Body.CreatedAt.Compare(b.Body.CreatedAt) })
	return ds
}
