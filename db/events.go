package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"credmint/app/audit"
	"credmint/app/delivery"
	"credmint/app/issuance"
)

// The event outbox: events for the issuer's back office written with the
// change they report (audit.Event.Publish) and relayed into the outbox by
// app/webhooks.

// eventRow is a row of event_outbox.
type eventRow struct {
	ID            string    `gorm:"column:id;primaryKey"`
	Type          string    `gorm:"column:type"`
	At            time.Time `gorm:"column:at"`
	Data          string    `gorm:"column:data"`
	Attempts      int       `gorm:"column:attempts"`
	NextAttemptAt time.Time `gorm:"column:next_attempt_at"`
	LastError     string    `gorm:"column:last_error"`
}

func (eventRow) TableName() string { return "event_outbox" }

// insertPublication queues ev.Publish, when set, with tx: the transaction
// of the change ev describes. It is due at once.
func insertPublication(tx *gorm.DB, ev audit.Event) error {
	p := ev.Publish
	if p == nil {
		return nil
	}
	if p.ID == "" || p.Type == "" {
		return fmt.Errorf("db: published event needs an id and a type")
	}
	at := p.At
	if at.IsZero() {
		at = ev.At
	}
	data := string(p.Data)
	if data == "" {
		data = "{}"
	}
	err := tx.Exec("INSERT INTO event_outbox (id, type, at, data, attempts, next_attempt_at, last_error) VALUES (?, ?, ?, ?, 0, ?, '')",
		p.ID, p.Type, utc(at), data, utc(at)).Error
	if err != nil {
		return fmt.Errorf("db: queue event %s: %w", p.Type, err)
	}
	return nil
}

// QueuedEvents returns the queued events due at now, oldest first, at most
// limit.
func (s *Store) QueuedEvents(ctx context.Context, now time.Time, limit int) ([]audit.Publication, error) {
	var rows []eventRow
	err := s.read(ctx).Where("next_attempt_at <= ?", utc(now)).Order("at, id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: queued events: %w", err)
	}
	out := make([]audit.Publication, len(rows))
	for i, r := range rows {
		out[i] = audit.Publication{ID: r.ID, Type: r.Type, At: fromDB(r.At), Data: []byte(r.Data), Attempts: r.Attempts}
	}
	return out, nil
}

// DelayedEvents returns the queued events whose relay has failed at least
// once, oldest first: what the console shows as not yet queued for
// delivery.
func (s *Store) DelayedEvents(ctx context.Context, limit int) ([]audit.Publication, error) {
	var rows []eventRow
	err := s.read(ctx).Where("attempts > 0").Order("at, id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: delayed events: %w", err)
	}
	out := make([]audit.Publication, len(rows))
	for i, r := range rows {
		out[i] = audit.Publication{ID: r.ID, Type: r.Type, At: fromDB(r.At), Attempts: r.Attempts, LastError: r.LastError, NextAttemptAt: fromDB(r.NextAttemptAt)}
	}
	return out, nil
}

// RetryEventNow makes delayed event id (one whose relay has failed) due at
// now and writes ev, in one transaction; issuance.ErrConflict when it is not
// a delayed event (never failed, or relayed meanwhile).
func (s *Store) RetryEventNow(ctx context.Context, id string, now time.Time, ev audit.Event) error {
	err := s.transition(ctx, ev, nil, "UPDATE event_outbox SET next_attempt_at = ? WHERE id = ? AND attempts > 0", utc(now), id)
	if errors.Is(err, errUnchanged) {
		err = issuance.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("db: retry event %s: %w", id, err)
	}
	return nil
}

// PublishEvent removes queued event id and inserts msgs (its deliveries,
// possibly none) into the outbox, in one transaction: of several relays
// publishing the same event one wins, the others get issuance.ErrConflict
// with nothing written.
func (s *Store) PublishEvent(ctx context.Context, id string, msgs []delivery.Message) error {
	err := s.transact(ctx, func(tx *gorm.DB) error {
		res := tx.Exec("DELETE FROM event_outbox WHERE id = ?", id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return issuance.ErrConflict
		}
		if len(msgs) == 0 {
			return nil
		}
		return s.insertMessages(tx, msgs)
	})
	if err != nil {
		return fmt.Errorf("db: publish event %s: %w", id, err)
	}
	return nil
}

// DelayEvent records a failed relay of queued event id: one more attempt,
// due again at next, with reason (no applicant data). issuance.ErrNotFound
// when it is no longer queued.
func (s *Store) DelayEvent(ctx context.Context, id string, next time.Time, reason string) error {
	res := s.write(ctx).Exec("UPDATE event_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?", utc(next), reason, id)
	if res.Error != nil {
		return fmt.Errorf("db: delay event %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("db: delay event %s: %w", id, issuance.ErrNotFound)
	}
	return nil
}
