package staff

import (
	"context"
	"errors"
	"time"

	"credmint/app/audit"
)

// Sentinel errors of a Store.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	// ErrLastAdmin: the change would leave no enabled admin account.
	ErrLastAdmin = errors.New("this would leave no enabled admin account")
)

// User is a staff account.
type User struct {
	ID    string
	Email string
	Name  string
	Role  string
	// PasswordHash is a bcrypt hash; empty for single-sign-on-only users.
	PasswordHash string
	// SSOSubject is "<issuer>|<sub>" of the upstream login, if linked.
	SSOSubject  string
	CreatedAt   time.Time
	LastLoginAt *time.Time
	DisabledAt  *time.Time
}

// Session is a console session. The session id itself is never stored.
type Session struct {
	IDHash     string
	UserID     string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	RevokedAt  *time.Time
	RemoteAddr string
	UserAgent  string
}

// Throttle is the failure counter of one throttling key.
type Throttle struct {
	Key         string
	Failures    int
	WindowStart time.Time
	LockedUntil *time.Time
}

// Store persists staff accounts, sessions and throttles.
type Store interface {
	// CreateUser inserts u and ev in one transaction; ErrConflict when the
	// email is taken.
	CreateUser(ctx context.Context, u *User, ev audit.Event) error
	UserByID(ctx context.Context, id string) (*User, error)
	UserByEmail(ctx context.Context, email string) (*User, error)
	UserBySSOSubject(ctx context.Context, subject string) (*User, error)
	Users(ctx context.Context) ([]User, error)
	// UpdateUser writes role, name, disabled_at, password_hash, sso_subject
	// and last_login_at of u.
	UpdateUser(ctx context.Context, u *User) error

	CreateSession(ctx context.Context, s *Session) error
	// SessionByHash returns the session with idHash, or ErrNotFound.
	SessionByHash(ctx context.Context, idHash string) (*Session, error)
	TouchSession(ctx context.Context, idHash string, at time.Time) error
	RevokeSession(ctx context.Context, idHash string, at time.Time) error
	// RevokeUserSessions revokes every live session of userID.
	RevokeUserSessions(ctx context.Context, userID string, at time.Time) (int64, error)
	// Sessions lists the live sessions of userID, newest first.
	Sessions(ctx context.Context, userID string, now time.Time) ([]Session, error)
	// LiveSessionCounts returns the number of live sessions at now per
	// user id (users without one are absent).
	LiveSessionCounts(ctx context.Context, now time.Time) (map[string]int, error)
	// AdministerUser writes role, name, password_hash and disabled_at of u,
	// ends u's live sessions at at when endSessions, and writes ev, in one
	// transaction, returning how many sessions it ended. ErrLastAdmin, with
	// nothing written, when afterwards no enabled admin account would
	// remain; ErrNotFound for an unknown user.
	AdministerUser(ctx context.Context, u *User, endSessions bool, at time.Time, ev audit.Event) (int64, error)

	// Throttle returns the counter for key, or ErrNotFound.
	Throttle(ctx context.Context, key string) (*Throttle, error)
	// RecordLoginFailure counts one failure for key in one statement: the
	// count restarts when the window that began at WindowStart has passed,
	// and reaching limit sets LockedUntil to now+lockFor.
	RecordLoginFailure(ctx context.Context, key string, now time.Time, window time.Duration, limit int, lockFor time.Duration) (*Throttle, error)
	// ClearThrottle deletes the counter for key.
	ClearThrottle(ctx context.Context, key string) error
}
