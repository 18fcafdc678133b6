package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"credmint/app/audit"
	"credmint/app/delivery"
	"credmint/app/issuance"
)

// QueueMessages inserts msgs into the outbox in one statement (webhook
// events, see app/webhooks).
func (s *Store) QueueMessages(ctx context.Context, msgs []delivery.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	if err := s.insertMessages(s.write(ctx), msgs); err != nil {
		return fmt.Errorf("db: queue messages: %w", err)
	}
	return nil
}

// WebhookMessages returns the newest webhook messages first, at most limit.
func (s *Store) WebhookMessages(ctx context.Context, limit int) ([]delivery.Message, error) {
	var rows []outboxRow
	err := s.read(ctx).Where("kind = ?", delivery.KindWebhook).Order("created_at DESC, id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: webhook messages: %w", err)
	}
	out := make([]delivery.Message, len(rows))
	for i := range rows {
		out[i] = rows[i].message()
	}
	return out, nil
}

// RequeueWebhook makes a failed webhook message that still has its payload
// due at now with its attempts reset, and writes ev, in one transaction;
// issuance.ErrConflict when there is no such failed message.
func (s *Store) RequeueWebhook(ctx context.Context, id string, now time.Time, ev audit.Event) error {
	err := s.transition(ctx, ev, nil, `UPDATE outbox SET state = ?, attempts = 0, next_attempt_at = ?, last_error = ''
		WHERE id = ? AND kind = ? AND state = ? AND payload_sealed IS NOT NULL`,
		delivery.StatePending, utc(now), id, delivery.KindWebhook, delivery.StateFailed)
	if errors.Is(err, errUnchanged) {
		err = issuance.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("db: requeue webhook %s: %w", id, err)
	}
	return nil
}
