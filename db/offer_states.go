package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"credmint/app/audit"
	"credmint/app/issuance"
)

// preRedemption are the states in which an offer's pre-authorized code and
// tx_code may still be used.
var preRedemption = []string{string(issuance.OfferCreated), string(issuance.OfferFetched)}

// errUnchanged reports that a conditional update matched no row; the
// transaction it ran in was rolled back.
var errUnchanged = errors.New("no row changed")

// transition runs the conditional update stmt in a write transaction, then
// then (when not nil) and the insertion of ev. When stmt changes no row,
// nothing is written and the error is errUnchanged. then may run more than
// once and must start from scratch each time (transactRerunnable).
func (s *Store) transition(ctx context.Context, ev audit.Event, then func(tx *gorm.DB) error, stmt string, args ...any) error {
	return s.transactRerunnable(ctx, func(tx *gorm.DB) error {
		res := tx.Exec(stmt, args...)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errUnchanged
		}
		if then != nil {
			if err := then(tx); err != nil {
				return err
			}
		}
		return insertAudit(tx, ev)
	})
}

// unchangedOffer is the error for a refused change of offer id:
// issuance.ErrNotFound when there is no such offer, else ifExists. The read
// only explains the refusal; it never decides a change.
func (s *Store) unchangedOffer(ctx context.Context, id string, ifExists error) error {
	var n int64
	if err := s.read(ctx).Model(&offerRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return issuance.ErrNotFound
	}
	return ifExists
}

// MarkOfferFetched moves offer id from created to fetched and writes ev, in
// one transaction. Other states are left alone without error and without an
// event; issuance.ErrNotFound when there is no such offer.
func (s *Store) MarkOfferFetched(ctx context.Context, id string, at time.Time, ev audit.Event) error {
	err := s.transition(ctx, ev, nil,
		"UPDATE offers SET state = ?, fetched_at = ? WHERE id = ? AND state = ?",
		string(issuance.OfferFetched), utc(at), id, string(issuance.OfferCreated))
	if errors.Is(err, errUnchanged) {
		err = s.unchangedOffer(ctx, id, nil)
	}
	if err != nil {
		return fmt.Errorf("db: mark offer %s fetched: %w", id, err)
	}
	return nil
}

// ReserveTxCodeAttempt counts one tx_code attempt on offer id with a single
// conditional update: only while the offer is created or fetched, unexpired
// at now, and below its maximum. It returns the attempt number (1 for the
// first), or issuance.ErrConflict when no attempt is left (or no such
// offer). Concurrent callers never get more than the maximum in total.
func (s *Store) ReserveTxCodeAttempt(ctx context.Context, id string, now time.Time) (int, error) {
	var attempts []int
	err := s.writeOne(ctx, func(tx *gorm.DB) error {
		attempts = attempts[:0]
		return tx.Raw(`UPDATE offers SET tx_code_attempts = tx_code_attempts + 1
			WHERE id = ? AND state IN ? AND expires_at > ? AND tx_code_attempts < max_tx_code_attempts
			RETURNING tx_code_attempts`,
			id, preRedemption, utc(now)).Scan(&attempts).Error
	})
	switch {
	case err != nil:
		return 0, fmt.Errorf("db: reserve tx_code attempt on offer %s: %w", id, err)
	case len(attempts) == 0:
		return 0, fmt.Errorf("db: reserve tx_code attempt on offer %s: %w", id, issuance.ErrConflict)
	}
	return attempts[0], nil
}

// LockOffer moves offer id from created or fetched to locked and writes ev,
// in one transaction. issuance.ErrConflict when the offer is in another
// state (nothing is written), issuance.ErrNotFound when there is none.
func (s *Store) LockOffer(ctx context.Context, id string, at time.Time, ev audit.Event) error {
	err := s.transition(ctx, ev, nil,
		"UPDATE offers SET state = ?, locked_at = ?, tx_code_sealed = NULL WHERE id = ? AND state IN ?",
		string(issuance.OfferLocked), utc(at), id, preRedemption)
	if errors.Is(err, errUnchanged) {
		err = s.unchangedOffer(ctx, id, issuance.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("db: lock offer %s: %w", id, err)
	}
	return nil
}

// RevokeOffer moves offer id, in any state but revoked, to revoked, sets
// revoked_at on its access tokens not yet revoked, and writes ev, in one
// transaction. issuance.ErrConflict when it is already revoked,
// issuance.ErrNotFound when there is no such offer.
func (s *Store) RevokeOffer(ctx context.Context, id string, at time.Time, ev audit.Event) error {
	at = utc(at)
	revokeTokens := func(tx *gorm.DB) error {
		return tx.Exec("UPDATE access_tokens SET revoked_at = ? WHERE offer_id = ? AND revoked_at IS NULL", at, id).Error
	}
	err := s.transition(ctx, ev, revokeTokens,
		"UPDATE offers SET state = ?, revoked_at = ?, tx_code_sealed = NULL WHERE id = ? AND state <> ?",
		string(issuance.OfferRevoked), at, id, string(issuance.OfferRevoked))
	if errors.Is(err, errUnchanged) {
		err = s.unchangedOffer(ctx, id, issuance.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("db: revoke offer %s: %w", id, err)
	}
	return nil
}
