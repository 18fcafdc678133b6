package webhooks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"credmint/app/audit"
	"credmint/app/delivery"
	"credmint/app/issuance"
	"credmint/app/keys"
	"credmint/app/webhooks"
	"credmint/db"
	"credmint/db/dbtest"
)

// flakySink fails its first fails calls, then returns one message.
type flakySink struct {
	fails int
	calls int
	got   []issuance.WebhookEvent
}

func (f *flakySink) Wants(t string) bool { return t == issuance.WebhookIssuanceApproved }

func (f *flakySink) Messages(_ context.Context, ev issuance.WebhookEvent) ([]delivery.Message, error) {
	f.calls++
	if f.calls <= f.fails {
		return nil, errors.New("applicants: database unavailable")
	}
	f.got = append(f.got, ev)
	return []delivery.Message{{ID: "msg_" + ev.ID, Kind: delivery.KindEmail, Purpose: delivery.PurposeReviewReady,
		PayloadSealed: []byte("sealed"), State: delivery.StatePending, NextAttemptAt: ev.At, CreatedAt: ev.At}}, nil
}

// queue writes a change (a deferred request) with a published event.
func queue(t *testing.T, s *db.Store, at time.Time, id, eventType string) {
	t.Helper()
	data, _ := json.Marshal(issuance.WebhookEvent{TransactionID: id, ConfigurationID: "pid"})
	ev := audit.Event{At: at, Action: "deferred.created", SubjectType: "deferred_request", SubjectID: id,
		Publish: &audit.Publication{ID: "evt_" + id, Type: eventType, Data: data}}
	d := &issuance.DeferredRequest{ID: id, TransactionHash: "h-" + id, AccessTokenID: "tok_" + id, ConfigurationID: "pid",
		HolderKeys: []byte("[]"), ClaimsSealed: []byte("sealed"), State: issuance.DeferredPending, CreatedAt: at, ExpiresAt: at.Add(time.Hour)}
	if err := s.CreateDeferred(t.Context(), d, ev); err != nil {
		t.Fatal(err)
	}
}

// TestRelay: the webhooks and a second sink get each queued event once;
// an event nobody wants is dropped; a failing sink delays its event, which
// is relayed once due again, with the id it was written with.
func TestRelay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		sealer, err := keys.NewSealer(bytes.Repeat([]byte{7}, 32))
		if err != nil {
			t.Fatal(err)
		}
		hooks, err := webhooks.New(webhooks.Deps{Store: s, Sealer: sealer, Now: clock,
			Endpoints: []webhooks.Endpoint{{URL: "https://hooks.example/a", Secret: "0123456789abcdef", Events: []string{issuance.WebhookIssuanceApproved}}}})
		if err != nil {
			t.Fatal(err)
		}
		sink := &flakySink{fails: 1}
		woken := 0
		relay, err := webhooks.NewRelay(webhooks.RelayDeps{Store: s, Now: clock, Wake: func() { woken++ }}, hooks)
		if err != nil {
			t.Fatal(err)
		}
		relay.Add(sink)
		if !relay.Wants(issuance.WebhookIssuanceApproved) || relay.Wants(issuance.WebhookCredentialAccepted) {
			t.Fatal("Wants: want approved only")
		}
		queue(t, s, now, "dfr_1", issuance.WebhookIssuanceApproved)
		queue(t, s, now.Add(-time.Second), "dfr_2", issuance.WebhookCredentialIssued) // wanted when written, not any more

		n, err := relay.RelayEvents(ctx)
		if err != nil || n != 1 {
			t.Fatalf("first round: published %d, %v; want 1 (the unwanted event)", n, err)
		}
		if msgs, _ := s.WebhookMessages(ctx, 10); len(msgs) != 0 {
			t.Fatalf("a failing sink let the webhooks through alone: %+v", msgs)
		}
		left, _ := s.QueuedEvents(ctx, now.Add(time.Hour), 10)
		if len(left) != 1 || left[0].ID != "evt_dfr_1" || left[0].Attempts != 1 {
			t.Fatalf("after a failing sink: queued %+v, want evt_dfr_1 with one attempt", left)
		}
		if n, _ := relay.RelayEvents(ctx); n != 0 {
			t.Fatal("a delayed event was relayed before it was due")
		}

		now = now.Add(31 * time.Second)
		if n, err := relay.RelayEvents(ctx); err != nil || n != 1 {
			t.Fatalf("once due: published %d, %v; want 1", n, err)
		}
		msgs, _ := s.WebhookMessages(ctx, 10)
		if len(msgs) != 1 || msgs[0].Purpose != issuance.WebhookIssuanceApproved || msgs[0].Endpoint != "https://hooks.example/a" {
			t.Fatalf("webhook messages: %+v", msgs)
		}
		p, err := delivery.OpenPayload(sealer, &msgs[0])
		if err != nil {
			t.Fatal(err)
		}
		var body webhooks.Body
		if err := json.Unmarshal(p.Body, &body); err != nil {
			t.Fatal(err)
		}
		if body.ID != "evt_dfr_1" || body.Data.TransactionID != "dfr_1" || body.Data.ConfigurationID != "pid" {
			t.Errorf("webhook body: %+v", body)
		}
		if len(sink.got) != 1 || sink.got[0].ID != "evt_dfr_1" || sink.got[0].TransactionID != "dfr_1" {
			t.Errorf("second sink got %+v", sink.got)
		}
		if woken == 0 {
			t.Error("the outbox worker was not woken")
		}
		if left, _ := s.QueuedEvents(ctx, now.Add(time.Hour), 10); len(left) != 0 {
			t.Errorf("still queued: %+v", left)
		}
	})
}
