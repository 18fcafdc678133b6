package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"credmint/app/audit"
	"credmint/app/credential"
	"credmint/app/staff"
)

// Changes made from the operator console. Each writes its audit event in the
// transaction of the change.

var _ credential.Editor = (*Store)(nil)

// CredentialConfiguration returns the configuration with id, disabled or
// not, normalized; credential.ErrNotFound when there is none.
func (s *Store) CredentialConfiguration(ctx context.Context, id string) (*credential.Configuration, error) {
	var row configurationRow
	err := s.read(ctx).Where("id = ?", id).Take(&row).Error
	switch {
	case isNotFound(err):
		return nil, credential.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("db: credential configuration %s: %w", id, err)
	}
	var c credential.Configuration
	if err := json.Unmarshal([]byte(row.Document), &c); err != nil {
		return nil, fmt.Errorf("db: credential configuration %s: %w", id, err)
	}
	c.Normalize()
	return &c, nil
}

// CreateCredentialConfiguration inserts c and ev in one transaction;
// credential.ErrExists when a configuration with c's id exists.
func (s *Store) CreateCredentialConfiguration(ctx context.Context, c *credential.Configuration, ev audit.Event) error {
	row, err := s.configurationRow(c)
	if err != nil {
		return err
	}
	err = s.insertAudited(ctx, &row, ev)
	switch {
	case isDuplicate(err):
		return fmt.Errorf("db: create credential configuration %s: %w", c.ID, credential.ErrExists)
	case err != nil:
		return fmt.Errorf("db: create credential configuration %s: %w", c.ID, err)
	}
	return nil
}

// SaveCredentialConfiguration inserts c or replaces the configuration with
// its id (one statement), and writes ev, in one transaction, stamping
// updated_at with the store's clock.
func (s *Store) SaveCredentialConfiguration(ctx context.Context, c *credential.Configuration, ev audit.Event) error {
	row, err := s.configurationRow(c)
	if err != nil {
		return err
	}
	err = s.transact(ctx, func(tx *gorm.DB) error {
		err := tx.Exec(`INSERT INTO credential_configurations (id, format, disabled, document, updated_at)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET format = excluded.format, disabled = excluded.disabled,
				document = excluded.document, updated_at = excluded.updated_at`,
			row.ID, row.Format, row.Disabled, row.Document, row.UpdatedAt).Error
		if err != nil {
			return err
		}
		return insertAudit(tx, ev)
	})
	if err != nil {
		return fmt.Errorf("db: save credential configuration %s: %w", c.ID, err)
	}
	return nil
}

func (s *Store) configurationRow(c *credential.Configuration) (configurationRow, error) {
	if c.ID == "" {
		return configurationRow{}, errors.New("db: credential configuration: empty id")
	}
	doc, err := json.Marshal(c)
	if err != nil {
		return configurationRow{}, fmt.Errorf("db: credential configuration %s: %w", c.ID, err)
	}
	return configurationRow{ID: c.ID, Format: c.Format, Disabled: c.Disabled, Document: string(doc), UpdatedAt: utc(s.now())}, nil
}

// LiveSessionCounts returns, per user id, the sessions neither revoked nor
// past their absolute expiry at now: one aggregate query.
func (s *Store) LiveSessionCounts(ctx context.Context, now time.Time) (map[string]int, error) {
	var rows []struct {
		UserID string `gorm:"column:user_id"`
		N      int    `gorm:"column:n"`
	}
	err := s.read(ctx).Raw(`SELECT user_id, COUNT(*) AS n FROM staff_sessions
		WHERE revoked_at IS NULL AND expires_at > ? GROUP BY user_id`, utc(now)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: live session counts: %w", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.UserID] = r.N
	}
	return out, nil
}

// AdministerUser writes role, name, password_hash and disabled_at of u, ends
// u's live sessions when endSessions, and writes ev, in one transaction. It
// refuses with staff.ErrLastAdmin a change that takes the last enabled admin
// away: the enabled admins are read first, and on PostgreSQL locked (FOR
// UPDATE), so that two admins demoting each other at the same time cannot
// both succeed; on SQLite the transaction holds the write lock from its
// start (BEGIN IMMEDIATE).
func (s *Store) AdministerUser(ctx context.Context, u *staff.User, endSessions bool, at time.Time, ev audit.Event) (int64, error) {
	var ended int64
	err := s.transact(ctx, func(tx *gorm.DB) error {
		q := tx.Model(&staffUserRow{}).Where("role = ? AND disabled_at IS NULL", staff.RoleAdmin).Order("id")
		if s.dialect == DialectPostgres {
			q = q.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate})
		}
		var admins []string
		if err := q.Pluck("id", &admins).Error; err != nil {
			return err
		}
		stillAdmin := u.Role == staff.RoleAdmin && u.DisabledAt == nil
		if !stillAdmin && len(admins) == 1 && admins[0] == u.ID {
			return staff.ErrLastAdmin
		}
		res := tx.Model(&staffUserRow{}).Where("id = ?", u.ID).Updates(map[string]any{
			"name": u.Name, "role": u.Role, "password_hash": u.PasswordHash, "disabled_at": utcPtr(u.DisabledAt),
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return staff.ErrNotFound
		}
		if endSessions {
			res := tx.Exec("UPDATE staff_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?", utc(at), u.ID, utc(at))
			if res.Error != nil {
				return res.Error
			}
			ended = res.RowsAffected
		}
		return insertAudit(tx, ev)
	})
	if err != nil {
		return 0, fmt.Errorf("db: administer staff user %s: %w", u.ID, err)
	}
	return ended, nil
}
