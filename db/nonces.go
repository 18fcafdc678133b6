package db

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"credmint/app/issuance"
)

// usedNonceRow is a row of used_nonces: the hash of a c_nonce that was
// consumed, kept until the nonce expires.
type usedNonceRow struct {
	Hash      string    `gorm:"column:hash;primaryKey"`
	ExpiresAt time.Time `gorm:"column:expires_at"`
}

func (usedNonceRow) TableName() string { return "used_nonces" }

// UseNonce records the c_nonce whose hash is hash as used until expiresAt,
// with a single insert: issuance.ErrConflict when it was used before, so of
// concurrent callers exactly one succeeds.
func (s *Store) UseNonce(ctx context.Context, hash string, expiresAt time.Time) error {
	row := usedNonceRow{Hash: hash, ExpiresAt: utc(expiresAt)}
	err := s.writeOne(ctx, func(tx *gorm.DB) error { return tx.Create(&row).Error })
	switch {
	case isDuplicate(err):
		return fmt.Errorf("db: use nonce: %w", issuance.ErrConflict)
	case err != nil:
		return fmt.Errorf("db: use nonce: %w", err)
	}
	return nil
}

// PurgeExpired deletes the used nonces expired at now (expires_at <= now,
// the rule of Offer.EffectiveState) and returns how many it deleted. A
// purged nonce must already be refused for its expiry by the caller.
func (s *Store) PurgeExpired(ctx context.Context, now time.Time) (int64, error) {
	res := s.write(ctx).Exec("DELETE FROM used_nonces WHERE expires_at <= ?", utc(now))
	if res.Error != nil {
		return 0, fmt.Errorf("db: purge expired nonces: %w", res.Error)
	}
	return res.RowsAffected, nil
}
