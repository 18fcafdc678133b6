package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"credmint/app/audit"
	"credmint/app/delivery"
	"credmint/app/issuance"
	"credmint/db"
	"credmint/db/dbtest"
)

// A webhook message may have no offer (offer_id NULL), is claimed like any
// other, and is requeued by id only once it has failed.
func TestWebhookMessagesWithoutOffer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		m := delivery.Message{ID: "msg_hook1", Kind: delivery.KindWebhook, Purpose: "credential.issued", Endpoint: "https://hooks.example/x",
			PayloadSealed: []byte("sealed"), State: delivery.StatePending, NextAttemptAt: now, CreatedAt: now}
		if err := s.QueueMessages(ctx, []delivery.Message{m}); err != nil {
			t.Fatal(err)
		}
		got, err := s.ClaimMessages(ctx, "w1", now, time.Minute, 10)
		if err != nil || len(got) != 1 || got[0].OfferID != "" || got[0].Endpoint != m.Endpoint || got[0].Purpose != m.Purpose {
			t.Fatalf("claim: got %+v, %v", got, err)
		}
		ev := audit.Event{At: now, Action: "webhook.retried", SubjectType: "webhook", SubjectID: m.ID}
		if err := s.RequeueWebhook(ctx, m.ID, now, ev); !errors.Is(err, issuance.ErrConflict) {
			t.Errorf("requeue of a sending message: got %v, want ErrConflict", err)
		}
		fail := audit.Event{At: now, Action: "webhook.failed", SubjectType: "webhook", SubjectID: m.ID}
		if err := s.EndMessage(ctx, m.ID, "w1", delivery.StateFailed, now, "webhook: endpoint refused the event (400)", fail); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CountFailedMessages(ctx); n != 0 {
			t.Errorf("failed offer deliveries: got %d, want 0 (webhooks are not offer deliveries)", n)
		}
		if err := s.RequeueWebhook(ctx, m.ID, now, ev); err != nil {
			t.Fatal(err)
		}
		log, err := s.WebhookMessages(ctx, 10)
		if err != nil || len(log) != 1 || log[0].State != delivery.StatePending || log[0].Attempts != 0 {
			t.Errorf("log: got %+v, %v", log, err)
		}
	})
}
