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

var _ delivery.OutboxStore = (*Store)(nil)

// outboxRow is a row of outbox.
type outboxRow struct {
	ID             string     `gorm:"column:id;primaryKey"`
	Kind           string     `gorm:"column:kind"`
	Purpose        string     `gorm:"column:purpose"`
	OfferID        string     `gorm:"column:offer_id"`
	PayloadSealed  []byte     `gorm:"column:payload_sealed"`
	State          string     `gorm:"column:state"`
	Attempts       int        `gorm:"column:attempts"`
	NextAttemptAt  time.Time  `gorm:"column:next_attempt_at"`
	LastError      string     `gorm:"column:last_error"`
	LeaseOwner     string     `gorm:"column:lease_owner"`
	LeaseExpiresAt *time.Time `gorm:"column:lease_expires_at"`
	CreatedAt      time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	SentAt         *time.Time `gorm:"column:sent_at"`
	Endpoint       string     `gorm:"column:endpoint"`
}

func (outboxRow) TableName() string { return "outbox" }

func toOutboxRow(m *delivery.Message) outboxRow {
	return outboxRow{
		ID: m.ID, Kind: m.Kind, Purpose: m.Purpose, OfferID: m.OfferID, PayloadSealed: nilIfEmpty(m.PayloadSealed),
		State: m.State, Attempts: m.Attempts, NextAttemptAt: utc(m.NextAttemptAt), LastError: m.LastError,
		LeaseOwner: m.LeaseOwner, LeaseExpiresAt: utcPtr(m.LeaseExpiresAt), CreatedAt: utc(m.CreatedAt), SentAt: utcPtr(m.SentAt),
		Endpoint: m.Endpoint,
	}
}

func (r *outboxRow) message() delivery.Message {
	return delivery.Message{
		ID: r.ID, Kind: r.Kind, Purpose: r.Purpose, OfferID: r.OfferID, PayloadSealed: nilIfEmpty(r.PayloadSealed),
		State: r.State, Attempts: r.Attempts, NextAttemptAt: fromDB(r.NextAttemptAt), LastError: r.LastError,
		LeaseOwner: r.LeaseOwner, LeaseExpiresAt: fromDBPtr(r.LeaseExpiresAt), CreatedAt: fromDB(r.CreatedAt), SentAt: fromDBPtr(r.SentAt),
		Endpoint: r.Endpoint,
	}
}

// OfferMessages returns the outbox messages of an offer, oldest first.
func (s *Store) OfferMessages(ctx context.Context, offerID string) ([]delivery.Message, error) {
	var rows []outboxRow
	if err := s.read(ctx).Where("offer_id = ? AND kind <> ?", offerID, delivery.KindWebhook).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: outbox of offer %s: %w", offerID, err)
	}
	out := make([]delivery.Message, len(rows))
	for i := range rows {
		out[i] = rows[i].message()
	}
	return out, nil
}

// CountFailedMessages counts the messages that failed for good and can
// still be resent (their payload is kept until the offer is spent).
func (s *Store) CountFailedMessages(ctx context.Context) (int, error) {
	var n int64
	err := s.read(ctx).Model(&outboxRow{}).Where("state = ? AND payload_sealed IS NOT NULL AND kind <> ?", delivery.StateFailed, delivery.KindWebhook).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("db: count failed messages: %w", err)
	}
	return int(n), nil
}

// OffersWithFailedMessages returns which of the offers have a message that
// failed for good and can still be resent.
func (s *Store) OffersWithFailedMessages(ctx context.Context, offerIDs []string) (map[string]bool, error) {
	var ids []string
	err := s.read(ctx).Model(&outboxRow{}).Distinct("offer_id").
		Where("offer_id IN ? AND state = ? AND payload_sealed IS NOT NULL AND kind <> ?", offerIDs, delivery.StateFailed, delivery.KindWebhook).Pluck("offer_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("db: offers with failed messages: %w", err)
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// ClaimMessages leases up to limit due messages to owner until now+lease and
// counts an attempt on each, in one statement. On PostgreSQL the candidate
// rows are locked with FOR UPDATE SKIP LOCKED, so concurrent workers claim
// disjoint sets without waiting; on SQLite the single writer serialises the
// statement. A message whose lease expired (its worker died between sending
// and marking) is claimed again.
func (s *Store) ClaimMessages(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]delivery.Message, error) {
	now = utc(now)
	lock := ""
	if s.dialect == DialectPostgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var rows []outboxRow
	err := s.write(ctx).Raw(`UPDATE outbox SET state = ?, lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM outbox
			WHERE (state = ? AND next_attempt_at <= ?) OR (state = ? AND lease_expires_at <= ?)
			ORDER BY next_attempt_at, id LIMIT ?`+lock+`)
		RETURNING *`,
		delivery.StateSending, owner, now.Add(lease), delivery.StatePending, now, delivery.StateSending, now, limit).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: claim outbox messages: %w", err)
	}
	out := make([]delivery.Message, len(rows))
	for i := range rows {
		out[i] = rows[i].message()
	}
	return out, nil
}

// leased is the condition of a change to a message owner holds.
const leased = "id = ? AND lease_owner = ? AND state = 'sending'"

// MarkMessageSent moves a message owner holds to sent, clears its payload,
// sets delivered_at of its offer (an offer message), and writes ev, in one
// transaction. issuance.ErrConflict when owner no longer holds it.
func (s *Store) MarkMessageSent(ctx context.Context, id, owner string, at time.Time, ev audit.Event) error {
	at = utc(at)
	err := s.transact(ctx, func(tx *gorm.DB) error {
		var got []outboxRow
		err := tx.Raw(`UPDATE outbox SET state = ?, sent_at = ?, payload_sealed = NULL, lease_owner = '', lease_expires_at = NULL, last_error = ''
			WHERE `+leased+` RETURNING offer_id, purpose`, delivery.StateSent, at, id, owner).Scan(&got).Error
		if err != nil {
			return err
		}
		if len(got) == 0 {
			return issuance.ErrConflict
		}
		if got[0].Purpose == delivery.PurposeOffer {
			if err := tx.Exec("UPDATE offers SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL", at, got[0].OfferID).Error; err != nil {
				return err
			}
		}
		return insertAudit(tx, ev)
	})
	if err != nil {
		return fmt.Errorf("db: mark message %s sent: %w", id, err)
	}
	return nil
}

// RetryMessage makes a message owner holds pending again, due at next.
func (s *Store) RetryMessage(ctx context.Context, id, owner string, next time.Time, lastError string) error {
	res := s.write(ctx).Exec(`UPDATE outbox SET state = ?, next_attempt_at = ?, last_error = ?, lease_owner = '', lease_expires_at = NULL
		WHERE `+leased, delivery.StatePending, utc(next), lastError, id, owner)
	switch {
	case res.Error != nil:
		return fmt.Errorf("db: retry message %s: %w", id, res.Error)
	case res.RowsAffected == 0:
		return fmt.Errorf("db: retry message %s: %w", id, issuance.ErrConflict)
	}
	return nil
}

// EndMessage moves a message owner holds to state (failed or cancelled),
// clears the payload of a cancelled one, and writes ev, in one transaction.
func (s *Store) EndMessage(ctx context.Context, id, owner, state string, at time.Time, lastError string, ev audit.Event) error {
	if state != delivery.StateFailed && state != delivery.StateCancelled {
		return fmt.Errorf("db: end message %s: bad state %q", id, state)
	}
	err := s.transition(ctx, ev, nil, `UPDATE outbox SET state = ?, last_error = ?, lease_owner = '', lease_expires_at = NULL,
		payload_sealed = CASE WHEN ? = 'cancelled' THEN NULL ELSE payload_sealed END
		WHERE `+leased, state, lastError, state, id, owner)
	if errors.Is(err, errUnchanged) {
		err = issuance.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("db: end message %s: %w", id, err)
	}
	return nil
}

// RequeueMessages makes the failed messages of an offer that still have a
// payload due at now with their attempts reset, inserts add, and writes ev,
// in one transaction. It returns how many messages were requeued.
func (s *Store) RequeueMessages(ctx context.Context, offerID string, now time.Time, add []delivery.Message, ev audit.Event) (int, error) {
	var n int64
	err := s.transact(ctx, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE outbox SET state = ?, attempts = 0, next_attempt_at = ?, last_error = ''
			WHERE offer_id = ? AND state = ? AND payload_sealed IS NOT NULL AND kind <> ?`,
			delivery.StatePending, utc(now), offerID, delivery.StateFailed, delivery.KindWebhook)
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		if err := s.insertMessages(tx, add); err != nil {
			return err
		}
		return insertAudit(tx, ev)
	})
	if err != nil {
		return 0, fmt.Errorf("db: requeue messages of offer %s: %w", offerID, err)
	}
	return int(n), nil
}

// WipeSpentTxCodes clears what is kept sealed only until an offer is spent:
// the tx_code kept for printing and the payloads of failed or cancelled
// messages, on offers expired at now or past redemption. It returns how many
// offers it cleared.
func (s *Store) WipeSpentTxCodes(ctx context.Context, now time.Time) (int64, error) {
	now = utc(now)
	var n int64
	err := s.transact(ctx, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE offers SET tx_code_sealed = NULL
			WHERE tx_code_sealed IS NOT NULL AND (expires_at <= ? OR state NOT IN ?)`, now, preRedemption)
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		return tx.Exec(`UPDATE outbox SET payload_sealed = NULL
			WHERE state IN ? AND payload_sealed IS NOT NULL AND kind <> 'webhook'
			AND offer_id IN (SELECT id FROM offers WHERE expires_at <= ? OR state NOT IN ?)`,
			[]string{delivery.StateFailed, delivery.StateCancelled, delivery.StatePending}, now, preRedemption).Error
	})
	if err != nil {
		return 0, fmt.Errorf("db: wipe spent tx_codes: %w", err)
	}
	return n, nil
}
