package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"credmint/app/audit"
	"credmint/app/staff"
)

var _ staff.SSOStore = (*Store)(nil)

// ssoLoginRow is a row of console_sso_logins.
type ssoLoginRow struct {
	StateHash      string     `gorm:"column:state_hash;primaryKey"`
	BrowserHash    string     `gorm:"column:browser_hash"`
	NonceHash      string     `gorm:"column:nonce_hash"`
	VerifierSealed []byte     `gorm:"column:verifier_sealed"`
	Next           string     `gorm:"column:next"`
	CreatedAt      time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	ExpiresAt      time.Time  `gorm:"column:expires_at"`
	UsedAt         *time.Time `gorm:"column:used_at"`
}

func (ssoLoginRow) TableName() string { return "console_sso_logins" }

// CreateSSOLogin deletes the logins that expired before purgeBefore and
// inserts l.
func (s *Store) CreateSSOLogin(ctx context.Context, l *staff.SSOLogin, purgeBefore time.Time) error {
	if err := s.write(ctx).Exec("DELETE FROM console_sso_logins WHERE expires_at < ?", utc(purgeBefore)).Error; err != nil {
		return fmt.Errorf("db: purge console sso logins: %w", err)
	}
	row := ssoLoginRow{StateHash: l.StateHash, BrowserHash: l.BrowserHash, NonceHash: l.NonceHash, VerifierSealed: l.VerifierSealed,
		Next: l.Next, CreatedAt: utc(l.CreatedAt), ExpiresAt: utc(l.ExpiresAt)}
	if err := s.write(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("db: create console sso login: %w", err)
	}
	return nil
}

// SSOLoginByState returns the login with stateHash, or staff.ErrNotFound.
func (s *Store) SSOLoginByState(ctx context.Context, stateHash string) (*staff.SSOLogin, error) {
	var r ssoLoginRow
	// From the primary: a callback may follow its start within
	// milliseconds, before a replica has the row.
	err := s.write(ctx).Where("state_hash = ?", stateHash).Take(&r).Error
	switch {
	case isNotFound(err):
		return nil, staff.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("db: read console sso login: %w", err)
	}
	return &staff.SSOLogin{StateHash: r.StateHash, BrowserHash: r.BrowserHash, NonceHash: r.NonceHash, VerifierSealed: r.VerifierSealed,
		Next: r.Next, CreatedAt: fromDB(r.CreatedAt), ExpiresAt: fromDB(r.ExpiresAt), UsedAt: fromDBPtr(r.UsedAt)}, nil
}

// UseSSOLogin marks the login used by one conditional update (unused and
// unexpired at now); staff.ErrConflict when no row changed.
func (s *Store) UseSSOLogin(ctx context.Context, stateHash string, now time.Time) error {
	now = utc(now)
	res := s.write(ctx).Exec("UPDATE console_sso_logins SET used_at = ? WHERE state_hash = ? AND used_at IS NULL AND expires_at > ?",
		now, stateHash, now)
	switch {
	case res.Error != nil:
		return fmt.Errorf("db: use console sso login: %w", res.Error)
	case res.RowsAffected == 0:
		return fmt.Errorf("db: use console sso login: %w", staff.ErrConflict)
	}
	return nil
}

// LinkSSOSubject sets the subject of user id when it has none, and writes
// ev, in one transaction. staff.ErrConflict when the user has a subject
// already or another user has this one.
func (s *Store) LinkSSOSubject(ctx context.Context, id, subject string, ev audit.Event) error {
	err := s.transact(ctx, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE staff_users SET sso_subject = ? WHERE id = ? AND (sso_subject IS NULL OR sso_subject = '')", subject, id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errUnchanged
		}
		return insertAudit(tx, ev)
	})
	switch {
	case errors.Is(err, errUnchanged), isDuplicate(err):
		return fmt.Errorf("db: link staff user %s: %w", id, staff.ErrConflict)
	case err != nil:
		return fmt.Errorf("db: link staff user %s: %w", id, err)
	}
	return nil
}

// AppendAudit writes ev on its own.
func (s *Store) AppendAudit(ctx context.Context, ev audit.Event) error {
	return insertAudit(s.write(ctx), ev)
}
