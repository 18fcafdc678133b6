package db_test

import (
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"credmint/app/audit"
	"credmint/app/delivery"
	"credmint/app/issuance"
	"credmint/db"
	"credmint/db/dbtest"
)

// published is event(action, id) carrying a queued event evtID.
func published(action, id, evtID string) audit.Event {
	ev := event(action, id)
	ev.Publish = &audit.Publication{ID: evtID, Type: "issuance.approved", Data: json.RawMessage(`{"transaction_id":"` + id + `"}`)}
	return ev
}

// queued returns the ids of the events due at at.
func queued(t *testing.T, s *db.Store, at time.Time) []string {
	t.Helper()
	evs, err := s.QueuedEvents(t.Context(), at, 100)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, e := range evs {
		ids = append(ids, e.ID)
	}
	return ids
}

// TestEventsCommitWithTheirChange: an event travels with the state change
// it reports: written when the change commits, not written when the change
// is refused or its transaction fails.
func TestEventsCommitWithTheirChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		d := newDeferred("dfr_1", "", "tok_1")
		if err := s.CreateDeferred(ctx, d, published("deferred.created", "dfr_1", "evt_created")); err != nil {
			t.Fatal(err)
		}
		// A duplicate insert fails its transaction: no second event.
		if err := s.CreateDeferred(ctx, d, published("deferred.created", "dfr_1", "evt_dup")); !errors.Is(err, issuance.ErrConflict) {
			t.Fatalf("duplicate: got %v, want ErrConflict", err)
		}
		if err := s.DecideDeferred(ctx, "dfr_1", issuance.DeferredApproved, "usr_2", "", nil, t0, published("deferred.approved", "dfr_1", "evt_approved")); err != nil {
			t.Fatal(err)
		}
		// A refused conditional change (no longer pending) writes nothing.
		if err := s.DecideDeferred(ctx, "dfr_1", issuance.DeferredRejected, "usr_3", "no", nil, t0, published("deferred.rejected", "dfr_1", "evt_rejected")); !errors.Is(err, issuance.ErrConflict) {
			t.Fatalf("decide twice: got %v, want ErrConflict", err)
		}
		// A failure after the change, inside the transaction (an event id
		// already queued), rolls the change back with the event.
		d2 := newDeferred("dfr_2", "", "tok_2")
		if err := s.CreateDeferred(ctx, d2, published("deferred.created", "dfr_2", "evt_created")); err == nil {
			t.Fatal("a transaction whose event could not be queued committed")
		}
		if _, err := s.Deferred(ctx, "dfr_2"); !errors.Is(err, issuance.ErrNotFound) {
			t.Fatalf("the change of a failed transaction: got %v, want ErrNotFound", err)
		}
		diff(t, "queued events", queued(t, s, t0), []string{"evt_approved", "evt_created"})

		evs, _ := s.QueuedEvents(ctx, t0, 10)
		got := evs[1]
		if got.Type != "issuance.approved" || !got.At.Equal(t0) || string(got.Data) != `{"transaction_id":"dfr_1"}` || got.Attempts != 0 {
			t.Errorf("queued event: got %+v", got)
		}
		if audits, _ := s.AuditEvents(ctx, "offer", "dfr_1"); len(audits) != 2 {
			t.Errorf("audit events: got %d, want 2", len(audits))
		}
	})
}

// TestEventsPublishedOnce: publishing removes the event and inserts its
// messages in one transaction; of concurrent relays exactly one wins; a
// delayed event is not due until its time.
func TestEventsPublishedOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		for _, id := range []string{"dfr_a", "dfr_b"} {
			if err := s.CreateDeferred(ctx, newDeferred(id, "", "tok_"+id), published("deferred.created", id, "evt_"+id)); err != nil {
				t.Fatal(err)
			}
		}
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 6 {
			wg.Go(func() {
				m := delivery.Message{ID: "msg_" + string(rune('a'+i)), Kind: delivery.KindWebhook, Purpose: "issuance.approved",
					Endpoint: "https://hooks.example/x", PayloadSealed: []byte("sealed"), State: delivery.StatePending, NextAttemptAt: t0, CreatedAt: t0}
				switch err := s.PublishEvent(ctx, "evt_dfr_a", []delivery.Message{m}); {
				case err == nil:
					wins.Add(1)
				case !errors.Is(err, issuance.ErrConflict):
					t.Errorf("publish: %v", err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("concurrent publications: %d won, want 1", wins.Load())
		}
		if msgs, _ := s.WebhookMessages(ctx, 10); len(msgs) != 1 {
			t.Fatalf("outbox: got %d messages, want 1", len(msgs))
		}
		diff(t, "queued after publishing", queued(t, s, t0), []string{"evt_dfr_b"})

		later := t0.Add(time.Minute)
		if err := s.DelayEvent(ctx, "evt_dfr_b", later, "applicants: database unavailable"); err != nil {
			t.Fatal(err)
		}
		diff(t, "queued while delayed", queued(t, s, t0), []string{})
		evs, _ := s.QueuedEvents(ctx, later, 10)
		if len(evs) != 1 || evs[0].Attempts != 1 {
			t.Fatalf("after the delay: got %+v", evs)
		}
		delayed, err := s.DelayedEvents(ctx, 10)
		if err != nil || len(delayed) != 1 || delayed[0].ID != "evt_dfr_b" || delayed[0].Attempts != 1 ||
			delayed[0].LastError != "applicants: database unavailable" || !delayed[0].NextAttemptAt.Equal(later) {
			t.Fatalf("delayed events: got %+v, %v; want evt_dfr_b, 1 attempt, its error, due at %s", delayed, err, later)
		}
		retried := audit.Event{At: t0, Action: "event.retried", SubjectType: "event", SubjectID: "evt_dfr_b"}
		if err := s.RetryEventNow(ctx, "evt_dfr_b", t0, retried); err != nil {
			t.Fatalf("retry now: %v", err)
		}
		diff(t, "queued after Retry now", queued(t, s, t0), []string{"evt_dfr_b"})
		if err := s.RetryEventNow(ctx, "evt_never_failed", t0, retried); !errors.Is(err, issuance.ErrConflict) {
			t.Errorf("retry of an event that is not delayed: got %v, want ErrConflict", err)
		}
		if err := s.PublishEvent(ctx, "evt_dfr_b", nil); err != nil {
			t.Fatal(err)
		}
		if err := s.DelayEvent(ctx, "evt_dfr_b", later, "x"); !errors.Is(err, issuance.ErrNotFound) {
			t.Errorf("delay of a published event: got %v, want ErrNotFound", err)
		}
		diff(t, "queued at the end", queued(t, s, later), []string{})
		if delayed, _ := s.DelayedEvents(ctx, 10); len(delayed) != 0 {
			t.Errorf("delayed events after publishing: %+v", delayed)
		}
	})
}
