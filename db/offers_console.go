package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"credmint/app/applicants"
	"credmint/app/audit"
	"credmint/app/delivery"
	"credmint/app/issuance"
)

var (
	_ issuance.OfferAdminStore = (*Store)(nil)
	_ delivery.Store           = (*Store)(nil)
)

// lockedByAttempts is true for an offer whose tx_code attempts are used up
// (issuance.Offer.EffectiveState calls it locked even before the lock write).
const lockedByAttempts = "(tx_code IS NOT NULL AND tx_code_attempts >= max_tx_code_attempts)"

// ListOffers returns up to f.Limit offers matching f, newest first by
// (created_at, id), strictly after f.After. The state filter applies the
// same rules as issuance.Offer.EffectiveState.
func (s *Store) ListOffers(ctx context.Context, f issuance.OfferFilter) ([]issuance.Offer, error) {
	q := s.read(ctx).Model(&offerRow{})
	now := utc(f.Now)
	switch f.State {
	case "":
	case issuance.StateOpen:
		q = q.Where("state IN ? AND expires_at > ? AND NOT "+lockedByAttempts, preRedemption, now)
	case issuance.OfferCreated, issuance.OfferFetched:
		q = q.Where("state = ? AND expires_at > ? AND NOT "+lockedByAttempts, string(f.State), now)
	case issuance.OfferExpired:
		q = q.Where("state IN ? AND expires_at <= ? AND NOT "+lockedByAttempts, preRedemption, now)
	case issuance.OfferLocked:
		q = q.Where("(state = ? OR (state IN ? AND "+lockedByAttempts+"))", string(issuance.OfferLocked), preRedemption)
	default:
		q = q.Where("state = ?", string(f.State))
	}
	if f.ApplicantID != "" {
		q = q.Where("applicant_id = ?", f.ApplicantID)
	}
	if f.BatchID != "" {
		q = q.Where("batch_id = ?", f.BatchID)
	}
	if f.DeliveryFailed {
		q = q.Where("EXISTS (SELECT 1 FROM outbox WHERE outbox.offer_id = offers.id AND outbox.state = ? AND outbox.payload_sealed IS NOT NULL AND outbox.kind <> 'webhook')", delivery.StateFailed)
	}
	if f.After != nil {
		at := utc(f.After.CreatedAt)
		q = q.Where("(created_at < ? OR (created_at = ? AND id < ?))", at, at, f.After.ID)
	}
	var rows []offerRow
	if err := q.Order("created_at DESC, id DESC").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: list offers: %w", err)
	}
	return offersOf(rows)
}

func offersOf(rows []offerRow) ([]issuance.Offer, error) {
	out := make([]issuance.Offer, len(rows))
	for i := range rows {
		o, err := rows[i].offer()
		if err != nil {
			return nil, err
		}
		out[i] = *o
	}
	return out, nil
}

// ExtendOffer sets the expiry of offer id and writes ev, in one transaction,
// only while the offer is created or fetched and not locked by its attempts.
func (s *Store) ExtendOffer(ctx context.Context, id string, expiresAt time.Time, ev audit.Event) error {
	err := s.transition(ctx, ev, nil,
		"UPDATE offers SET expires_at = ? WHERE id = ? AND state IN ? AND NOT "+lockedByAttempts,
		utc(expiresAt), id, preRedemption)
	if errors.Is(err, errUnchanged) {
		err = s.unchangedOffer(ctx, id, issuance.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("db: extend offer %s: %w", id, err)
	}
	return nil
}

// Offers returns the offers with the given ids, oldest first; unknown ids
// are left out.
func (s *Store) Offers(ctx context.Context, ids []string) ([]issuance.Offer, error) {
	var rows []offerRow
	if err := s.read(ctx).Where("id IN ?", ids).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: read offers: %w", err)
	}
	return offersOf(rows)
}

// BatchOffers returns the offers of a batch, oldest first.
func (s *Store) BatchOffers(ctx context.Context, batchID string) ([]issuance.Offer, error) {
	var rows []offerRow
	if err := s.read(ctx).Where("batch_id = ?", batchID).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: read offers of batch %s: %w", batchID, err)
	}
	return offersOf(rows)
}

// BatchApplicants returns the applicants that have an offer of a batch.
func (s *Store) BatchApplicants(ctx context.Context, batchID string) (map[string]bool, error) {
	var ids []string
	if err := s.read(ctx).Model(&offerRow{}).Where("batch_id = ? AND applicant_id IS NOT NULL", batchID).Pluck("applicant_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("db: applicants of batch %s: %w", batchID, err)
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// CreateOffers inserts the offers, their messages and their events in one
// transaction. issuance.ErrConflict when an id or hash is taken.
func (s *Store) CreateOffers(ctx context.Context, offers []delivery.NewOffer) error {
	err := s.transact(ctx, func(tx *gorm.DB) error { return s.insertNewOffers(tx, offers) })
	switch {
	case isDuplicate(err):
		return fmt.Errorf("db: create offers: %w", issuance.ErrConflict)
	case err != nil:
		return fmt.Errorf("db: create offers: %w", err)
	}
	return nil
}

// auditValues are the audit_events columns of ev (see insertAudit).
func auditValues(ev audit.Event) ([]any, error) {
	if ev.Action == "" || ev.SubjectType == "" {
		return nil, fmt.Errorf("db: audit event needs an action and a subject type")
	}
	details := "{}"
	if len(ev.Details) > 0 {
		raw, err := json.Marshal(ev.Details)
		if err != nil {
			return nil, fmt.Errorf("db: audit details: %w", err)
		}
		details = string(raw)
	}
	kind := ev.Actor.Kind
	if kind == "" {
		kind = audit.ActorSystem
	}
	return []any{utc(ev.At), kind, ev.Actor.ID, ev.Actor.RemoteAddr, ev.Actor.RequestID, ev.Action, ev.SubjectType, ev.SubjectID, details}, nil
}

// ReplaceTxCode stores a regenerated tx_code of an offer (attempts reset; a
// locked offer back to fetched or created), cancels the offer's unsent
// tx_code messages, inserts add and writes ev, in one transaction.
// issuance.ErrConflict when the offer has no tx_code, is expired at r.Now or
// past redemption; issuance.ErrNotFound when there is no such offer.
func (s *Store) ReplaceTxCode(ctx context.Context, r delivery.TxCodeReplacement, add []delivery.Message, ev audit.Event) error {
	var sealed any
	if len(r.Sealed) > 0 {
		sealed = r.Sealed
	}
	then := func(tx *gorm.DB) error {
		err := tx.Exec(`UPDATE outbox SET state = ?, payload_sealed = NULL, lease_owner = '', lease_expires_at = NULL
			WHERE offer_id = ? AND purpose = ? AND state IN ?`,
			delivery.StateCancelled, r.OfferID, delivery.PurposeTxCode, []string{delivery.StatePending, delivery.StateFailed}).Error
		if err != nil {
			return err
		}
		return s.insertMessages(tx, add)
	}
	err := s.transition(ctx, ev, then, `UPDATE offers SET tx_code_hash = ?, tx_code_sealed = ?, tx_code_attempts = 0, locked_at = NULL,
		state = CASE WHEN state = ? THEN (CASE WHEN fetched_at IS NULL THEN ? ELSE ? END) ELSE state END
		WHERE id = ? AND tx_code IS NOT NULL AND state IN ? AND expires_at > ?`,
		r.Hash, sealed, string(issuance.OfferLocked), string(issuance.OfferCreated), string(issuance.OfferFetched),
		r.OfferID, append([]string{string(issuance.OfferLocked)}, preRedemption...), utc(r.Now))
	if errors.Is(err, errUnchanged) {
		err = s.unchangedOffer(ctx, r.OfferID, issuance.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("db: replace tx_code of offer %s: %w", r.OfferID, err)
	}
	return nil
}

// MarkPrinted sets delivered_at on the offers that have none and writes evs,
// in one transaction.
func (s *Store) MarkPrinted(ctx context.Context, offerIDs []string, at time.Time, evs []audit.Event) error {
	err := s.transact(ctx, func(tx *gorm.DB) error {
		for len(offerIDs) > 0 {
			n := min(len(offerIDs), 500)
			if err := tx.Exec("UPDATE offers SET delivered_at = ? WHERE id IN ? AND delivered_at IS NULL", utc(at), offerIDs[:n]).Error; err != nil {
				return err
			}
			offerIDs = offerIDs[n:]
		}
		return s.insertAudits(tx, evs)
	})
	if err != nil {
		return fmt.Errorf("db: mark offers printed: %w", err)
	}
	return nil
}

// batchRow is a row of offer_batches.
type batchRow struct {
	ID               string     `gorm:"column:id;primaryKey"`
	Selection        string     `gorm:"column:selection"`
	DeliveryChannel  string     `gorm:"column:delivery_channel"`
	TxCodeChannel    string     `gorm:"column:tx_code_channel"`
	ExpiresInSeconds int64      `gorm:"column:expires_in_seconds"`
	State            string     `gorm:"column:state"`
	Total            int        `gorm:"column:total"`
	CreatedCount     int        `gorm:"column:created_count"`
	SkippedCount     int        `gorm:"column:skipped_count"`
	AfterApplicant   string     `gorm:"column:after_applicant"`
	LastError        string     `gorm:"column:last_error"`
	LeaseOwner       string     `gorm:"column:lease_owner"`
	LeaseExpiresAt   *time.Time `gorm:"column:lease_expires_at"`
	CreatedBy        string     `gorm:"column:created_by"`
	CreatedAt        time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	UpdatedAt        time.Time  `gorm:"column:updated_at;autoUpdateTime:false"`
	FinishedAt       *time.Time `gorm:"column:finished_at"`
}

func (batchRow) TableName() string { return "offer_batches" }

// batchSelection is the JSON of offer_batches.selection: the applicants a
// batch selects, and the grant of its offers ("" for pre-authorized codes,
// absent in batches stored before batches could use the login).
type batchSelection struct {
	applicants.Filter
	Grant string `json:"grant,omitempty"`
}

func (r *batchRow) batch() (*delivery.Batch, error) {
	var sel batchSelection
	if err := decodeJSON("offer_batches.selection", &r.Selection, &sel); err != nil {
		return nil, err
	}
	return &delivery.Batch{
		ID: r.ID, Selection: sel.Filter, State: r.State, Total: r.Total, Created: r.CreatedCount, Skipped: r.SkippedCount,
		Order: delivery.Order{DeliveryChannel: r.DeliveryChannel, TxCodeChannel: r.TxCodeChannel, ExpiresIn: time.Duration(r.ExpiresInSeconds) * time.Second, Grant: sel.Grant},
		After: r.AfterApplicant, LastError: r.LastError, CreatedBy: r.CreatedBy,
		CreatedAt: fromDB(r.CreatedAt), UpdatedAt: fromDB(r.UpdatedAt), FinishedAt: fromDBPtr(r.FinishedAt),
	}, nil
}

// CreateBatch inserts b and writes ev, in one transaction.
func (s *Store) CreateBatch(ctx context.Context, b *delivery.Batch, ev audit.Event) error {
	sel, err := encodeJSON("offer_batches.selection", batchSelection{Filter: b.Selection, Grant: b.Order.Grant})
	if err != nil {
		return err
	}
	row := batchRow{ID: b.ID, Selection: sel, DeliveryChannel: b.Order.DeliveryChannel, TxCodeChannel: b.Order.TxCodeChannel,
		ExpiresInSeconds: int64(b.Order.ExpiresIn / time.Second), State: b.State, Total: b.Total, CreatedBy: b.CreatedBy,
		CreatedAt: utc(b.CreatedAt), UpdatedAt: utc(b.UpdatedAt)}
	err = s.insertAudited(ctx, &row, ev)
	if err != nil {
		return fmt.Errorf("db: create offer batch: %w", err)
	}
	return nil
}

// Batch returns the batch with id, or issuance.ErrNotFound.
func (s *Store) Batch(ctx context.Context, id string) (*delivery.Batch, error) {
	var row batchRow
	err := s.read(ctx).Where("id = ?", id).Take(&row).Error
	switch {
	case isNotFound(err):
		return nil, issuance.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("db: read offer batch: %w", err)
	}
	return row.batch()
}

// RecentBatches returns the newest batches first.
func (s *Store) RecentBatches(ctx context.Context, limit int) ([]delivery.Batch, error) {
	var rows []batchRow
	if err := s.read(ctx).Order("created_at DESC, id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: list offer batches: %w", err)
	}
	out := make([]delivery.Batch, 0, len(rows))
	for i := range rows {
		b, err := rows[i].batch()
		if err != nil {
			return nil, err
		}
		out = append(out, *b)
	}
	return out, nil
}

// ClaimBatch leases the oldest running batch that is free (no lease, or an
// expired one) to owner until leaseUntil, with one conditional update per
// candidate. issuance.ErrNotFound when there is none.
func (s *Store) ClaimBatch(ctx context.Context, owner string, now, leaseUntil time.Time) (*delivery.Batch, error) {
	now = utc(now)
	free := "state = ? AND (lease_owner = '' OR lease_expires_at <= ?)"
	var ids []string
	err := s.read(ctx).Model(&batchRow{}).Where(free, delivery.BatchRunning, now).Order("created_at, id").Limit(5).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("db: find offer batches to run: %w", err)
	}
	for _, id := range ids {
		res := s.write(ctx).Exec("UPDATE offer_batches SET lease_owner = ?, lease_expires_at = ? WHERE id = ? AND "+free,
			owner, utc(leaseUntil), id, delivery.BatchRunning, now)
		if res.Error != nil {
			return nil, fmt.Errorf("db: claim offer batch %s: %w", id, res.Error)
		}
		if res.RowsAffected == 1 {
			return s.Batch(ctx, id)
		}
	}
	return nil, issuance.ErrNotFound
}

// StoreBatchStep inserts the offers of one chunk of a batch and moves the
// batch's resume point from step.After to step.Next (with its counters and
// lease), in one transaction, only while step.Owner holds the running batch
// at step.After. issuance.ErrConflict, with nothing written, otherwise.
func (s *Store) StoreBatchStep(ctx context.Context, step delivery.BatchStep) error {
	err := s.transact(ctx, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE offer_batches SET after_applicant = ?, created_count = created_count + ?, skipped_count = skipped_count + ?,
			total = CASE WHEN ? > 0 THEN ? ELSE total END, updated_at = ?, lease_expires_at = ?
			WHERE id = ? AND state = ? AND lease_owner = ? AND after_applicant = ?`,
			step.Next, len(step.Offers), step.Skipped, step.Total, step.Total, utc(step.At), utc(step.LeaseUntil),
			step.BatchID, delivery.BatchRunning, step.Owner, step.After)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return issuance.ErrConflict
		}
		return s.insertNewOffers(tx, step.Offers)
	})
	switch {
	case errors.Is(err, issuance.ErrConflict):
		return fmt.Errorf("db: store step of batch %s: %w", step.BatchID, issuance.ErrConflict)
	case isDuplicate(err):
		return fmt.Errorf("db: store step of batch %s: %w", step.BatchID, issuance.ErrConflict)
	case err != nil:
		return fmt.Errorf("db: store step of batch %s: %w", step.BatchID, err)
	}
	return nil
}

// FinishBatch moves a running batch owner holds to state and writes ev, in
// one transaction. issuance.ErrConflict when owner does not hold it.
func (s *Store) FinishBatch(ctx context.Context, id, owner, state, lastError string, at time.Time, ev audit.Event) error {
	at = utc(at)
	err := s.transact(ctx, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE offer_batches SET state = ?, last_error = ?, finished_at = ?, updated_at = ?, lease_owner = '', lease_expires_at = NULL
			WHERE id = ? AND state = ? AND lease_owner = ?`, state, lastError, at, at, id, delivery.BatchRunning, owner)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return issuance.ErrConflict
		}
		return insertAudit(tx, ev)
	})
	if err != nil {
		return fmt.Errorf("db: finish offer batch %s: %w", id, err)
	}
	return nil
}
