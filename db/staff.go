package db

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"credmint/app/audit"
	"credmint/app/staff"
)

var _ staff.Store = (*Store)(nil)

// staffUserRow is a row of staff_users.
type staffUserRow struct {
	ID           string     `gorm:"column:id;primaryKey"`
	Email        string     `gorm:"column:email"`
	Name         string     `gorm:"column:name"`
	Role         string     `gorm:"column:role"`
	PasswordHash string     `gorm:"column:password_hash"`
	SSOSubject   *string    `gorm:"column:sso_subject"`
	CreatedAt    time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	LastLoginAt  *time.Time `gorm:"column:last_login_at"`
	DisabledAt   *time.Time `gorm:"column:disabled_at"`
}

func (staffUserRow) TableName() string { return "staff_users" }

func toStaffUserRow(u *staff.User) staffUserRow {
	return staffUserRow{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, PasswordHash: u.PasswordHash,
		SSOSubject: nullIfEmpty(u.SSOSubject), CreatedAt: utc(u.CreatedAt), LastLoginAt: utcPtr(u.LastLoginAt), DisabledAt: utcPtr(u.DisabledAt)}
}

func (r *staffUserRow) user() *staff.User {
	return &staff.User{ID: r.ID, Email: r.Email, Name: r.Name, Role: r.Role, PasswordHash: r.PasswordHash,
		SSOSubject: emptyIfNull(r.SSOSubject), CreatedAt: fromDB(r.CreatedAt), LastLoginAt: fromDBPtr(r.LastLoginAt), DisabledAt: fromDBPtr(r.DisabledAt)}
}

// CreateUser inserts u and ev in one transaction; staff.ErrConflict when
// the email (or SSO subject) is taken.
func (s *Store) CreateUser(ctx context.Context, u *staff.User, ev audit.Event) error {
	row := toStaffUserRow(u)
	err := s.insertAudited(ctx, &row, ev)
	switch {
	case isDuplicate(err):
		return fmt.Errorf("db: create staff user: %w", staff.ErrConflict)
	case err != nil:
		return fmt.Errorf("db: create staff user: %w", err)
	}
	return nil
}

func (s *Store) userWhere(ctx context.Context, cond string, arg any) (*staff.User, error) {
	var row staffUserRow
	err := s.read(ctx).Where(cond, arg).Take(&row).Error
	switch {
	case isNotFound(err):
		return nil, staff.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("db: read staff user: %w", err)
	}
	return row.user(), nil
}

// UserByID returns the user with id, or staff.ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id string) (*staff.User, error) {
	return s.userWhere(ctx, "id = ?", id)
}

// UserByEmail returns the user with the (lower-case) email.
func (s *Store) UserByEmail(ctx context.Context, email string) (*staff.User, error) {
	return s.userWhere(ctx, "email = ?", email)
}

// UserBySSOSubject returns the user linked to an upstream login.
func (s *Store) UserBySSOSubject(ctx context.Context, subject string) (*staff.User, error) {
	return s.userWhere(ctx, "sso_subject = ?", subject)
}

// Users lists every account by email.
func (s *Store) Users(ctx context.Context) ([]staff.User, error) {
	var rows []staffUserRow
	if err := s.read(ctx).Order("email").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: list staff users: %w", err)
	}
	out := make([]staff.User, len(rows))
	for i := range rows {
		out[i] = *rows[i].user()
	}
	return out, nil
}

// UpdateUser writes the mutable fields of u.
func (s *Store) UpdateUser(ctx context.Context, u *staff.User) error {
	res := s.write(ctx).Model(&staffUserRow{}).Where("id = ?", u.ID).Updates(map[string]any{
		"name": u.Name, "role": u.Role, "password_hash": u.PasswordHash, "sso_subject": nullIfEmpty(u.SSOSubject),
		"last_login_at": utcPtr(u.LastLoginAt), "disabled_at": utcPtr(u.DisabledAt),
	})
	switch {
	case isDuplicate(res.Error):
		return fmt.Errorf("db: update staff user: %w", staff.ErrConflict)
	case res.Error != nil:
		return fmt.Errorf("db: update staff user: %w", res.Error)
	case res.RowsAffected == 0:
		return staff.ErrNotFound
	}
	return nil
}

// staffSessionRow is a row of staff_sessions.
type staffSessionRow struct {
	IDHash     string     `gorm:"column:id_hash;primaryKey"`
	UserID     string     `gorm:"column:user_id"`
	CreatedAt  time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	LastSeenAt time.Time  `gorm:"column:last_seen_at"`
	ExpiresAt  time.Time  `gorm:"column:expires_at"`
	RevokedAt  *time.Time `gorm:"column:revoked_at"`
	RemoteAddr string     `gorm:"column:remote_addr"`
	UserAgent  string     `gorm:"column:user_agent"`
}

func (staffSessionRow) TableName() string { return "staff_sessions" }

func (r *staffSessionRow) session() staff.Session {
	return staff.Session{IDHash: r.IDHash, UserID: r.UserID, CreatedAt: fromDB(r.CreatedAt), LastSeenAt: fromDB(r.LastSeenAt),
		ExpiresAt: fromDB(r.ExpiresAt), RevokedAt: fromDBPtr(r.RevokedAt), RemoteAddr: r.RemoteAddr, UserAgent: r.UserAgent}
}

// CreateSession inserts a session.
func (s *Store) CreateSession(ctx context.Context, ss *staff.Session) error {
	row := staffSessionRow{IDHash: ss.IDHash, UserID: ss.UserID, CreatedAt: utc(ss.CreatedAt), LastSeenAt: utc(ss.LastSeenAt),
		ExpiresAt: utc(ss.ExpiresAt), RemoteAddr: ss.RemoteAddr, UserAgent: ss.UserAgent}
	if err := s.write(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("db: create session: %w", err)
	}
	return nil
}

// SessionByHash returns the session with idHash, or staff.ErrNotFound.
func (s *Store) SessionByHash(ctx context.Context, idHash string) (*staff.Session, error) {
	var row staffSessionRow
	err := s.read(ctx).Where("id_hash = ?", idHash).Take(&row).Error
	switch {
	case isNotFound(err):
		return nil, staff.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("db: read session: %w", err)
	}
	ss := row.session()
	return &ss, nil
}

// TouchSession records that the session was used.
func (s *Store) TouchSession(ctx context.Context, idHash string, at time.Time) error {
	return s.write(ctx).Exec("UPDATE staff_sessions SET last_seen_at = ? WHERE id_hash = ?", utc(at), idHash).Error
}

// RevokeSession ends one session.
func (s *Store) RevokeSession(ctx context.Context, idHash string, at time.Time) error {
	return s.write(ctx).Exec("UPDATE staff_sessions SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL", utc(at), idHash).Error
}

// RevokeUserSessions ends every live session of userID.
func (s *Store) RevokeUserSessions(ctx context.Context, userID string, at time.Time) (int64, error) {
	res := s.write(ctx).Exec("UPDATE staff_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?", utc(at), userID, utc(at))
	return res.RowsAffected, res.Error
}

// Sessions lists the unrevoked, unexpired sessions of userID, newest first.
func (s *Store) Sessions(ctx context.Context, userID string, now time.Time) ([]staff.Session, error) {
	var rows []staffSessionRow
	err := s.read(ctx).Where("user_id = ? AND revoked_at IS NULL AND expires_at > ?", userID, utc(now)).Order("created_at DESC").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: list sessions: %w", err)
	}
	out := make([]staff.Session, len(rows))
	for i := range rows {
		out[i] = rows[i].session()
	}
	return out, nil
}

// throttleRow is a row of login_throttle.
type throttleRow struct {
	Key         string     `gorm:"column:key;primaryKey"`
	Failures    int        `gorm:"column:failures"`
	WindowStart time.Time  `gorm:"column:window_start"`
	LockedUntil *time.Time `gorm:"column:locked_until"`
}

func (throttleRow) TableName() string { return "login_throttle" }

func (r *throttleRow) throttle() *staff.Throttle {
	return &staff.Throttle{Key: r.Key, Failures: r.Failures, WindowStart: fromDB(r.WindowStart), LockedUntil: fromDBPtr(r.LockedUntil)}
}

// Throttle returns the counter for key, or staff.ErrNotFound.
func (s *Store) Throttle(ctx context.Context, key string) (*staff.Throttle, error) {
	var row throttleRow
	err := s.read(ctx).Where("key = ?", key).Take(&row).Error
	switch {
	case isNotFound(err):
		return nil, staff.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("db: read login throttle: %w", err)
	}
	return row.throttle(), nil
}

// RecordLoginFailure counts a failure in one transaction whose statements
// each lock the row, so concurrent guesses are all counted: restart an
// expired window, increment (inserting the row if needed), lock at the limit.
func (s *Store) RecordLoginFailure(ctx context.Context, key string, now time.Time, window time.Duration, limit int, lockFor time.Duration) (*staff.Throttle, error) {
	now = utc(now)
	var row throttleRow
	err := s.transact(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec("UPDATE login_throttle SET failures = 0, window_start = ? WHERE key = ? AND window_start < ?",
			now, key, now.Add(-window)).Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO login_throttle (key, failures, window_start) VALUES (?, 1, ?)
			ON CONFLICT (key) DO UPDATE SET failures = login_throttle.failures + 1`, key, now).Error; err != nil {
			return err
		}
		if err := tx.Exec("UPDATE login_throttle SET locked_until = ? WHERE key = ? AND failures >= ?",
			now.Add(lockFor), key, limit).Error; err != nil {
			return err
		}
		return tx.Where("key = ?", key).Take(&row).Error
	})
	if err != nil {
		return nil, fmt.Errorf("db: record login failure: %w", err)
	}
	return row.throttle(), nil
}

// ClearThrottle deletes the counter for key.
func (s *Store) ClearThrottle(ctx context.Context, key string) error {
	return s.write(ctx).Exec("DELETE FROM login_throttle WHERE key = ?", key).Error
}
