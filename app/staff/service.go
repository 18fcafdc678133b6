package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"credmint/app/audit"
)

// Errors of Login.
var (
	// ErrBadCredentials: unknown email, wrong password or disabled account;
	// deliberately one error so the answer does not tell which.
	ErrBadCredentials = errors.New("email or password is wrong")
	// ErrThrottled: too many failures for the account or the address.
	ErrThrottled = errors.New("too many failed logins; try again later")
)

// Policy holds the session and throttling rules.
type Policy struct {
	// SessionIdle ends a session not used for this long.
	SessionIdle time.Duration
	// SessionAbsolute ends any session this long after login.
	SessionAbsolute time.Duration
	// MaxFailures failed logins within FailureWindow lock the account (or
	// the address, with MaxFailuresPerIP) for LockFor.
	MaxFailures      int
	MaxFailuresPerIP int
	FailureWindow    time.Duration
	LockFor          time.Duration
	// BcryptCost is the bcrypt work factor (default 12).
	BcryptCost int
}

// Deps are what a Service needs.
type Deps struct {
	Store  Store
	Policy Policy
	Now    func() time.Time
	Rand   io.Reader
}

// Service manages staff accounts and sessions.
type Service struct {
	Deps
	// dummyHash is compared against when the account does not exist, so
	// a login takes as long either way.
	dummyHash []byte
}

// New returns a Service with defaults filled in.
func New(d Deps) (*Service, error) {
	if d.Store == nil {
		return nil, errors.New("staff: Store is required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	p := &d.Policy
	def := func(v *time.Duration, x time.Duration) {
		if *v <= 0 {
			*v = x
		}
	}
	def(&p.SessionIdle, 30*time.Minute)
	def(&p.SessionAbsolute, 12*time.Hour)
	def(&p.FailureWindow, 15*time.Minute)
	def(&p.LockFor, 15*time.Minute)
	if p.MaxFailures <= 0 {
		p.MaxFailures = 5
	}
	if p.MaxFailuresPerIP <= 0 {
		p.MaxFailuresPerIP = 50
	}
	if p.BcryptCost == 0 {
		p.BcryptCost = 12
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte("credmint timing equaliser"), p.BcryptCost)
	if err != nil {
		return nil, err
	}
	return &Service{Deps: d, dummyHash: dummy}, nil
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

// NewUser is what CreateUser needs.
type NewUser struct {
	Email, Name, Role string
	// Password is empty for a single-sign-on-only account.
	Password string
}

// FieldError names the bad field of a request.
type FieldError struct{ Field, Reason string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// CreateUser validates and stores a new account, with a
// "staff_user.created" audit event.
func (s *Service) CreateUser(ctx context.Context, n NewUser) (*User, error) {
	return s.createUser(ctx, n, nil)
}

// createUser is CreateUser with extra audit details.
func (s *Service) createUser(ctx context.Context, n NewUser, details map[string]string) (*User, error) {
	return s.createUserWith(ctx, n, "", details)
}

// createUserWith is createUser for an account linked to the single sign-on
// subject ssoSubject ("" for none).
func (s *Service) createUserWith(ctx context.Context, n NewUser, ssoSubject string, details map[string]string) (*User, error) {
	email, err := normalizeEmail(n.Email)
	if err != nil {
		return nil, err
	}
	if !ValidRole(n.Role) {
		return nil, &FieldError{"role", "must be one of " + strings.Join(Roles, ", ")}
	}
	u := &User{Email: email, Name: strings.TrimSpace(n.Name), Role: n.Role, SSOSubject: ssoSubject, CreatedAt: s.now()}
	if n.Password != "" {
		if u.PasswordHash, err = s.hashPassword(n.Password); err != nil {
			return nil, err
		}
	}
	if u.ID, err = randomID(s.Rand, "usr_"); err != nil {
		return nil, err
	}
	if details == nil {
		details = map[string]string{}
	}
	details["role"] = u.Role
	details["email"] = u.Email
	ev := audit.New(ctx, u.CreatedAt, "staff_user.created", "staff_user", u.ID, details)
	if err := s.Store.CreateUser(ctx, u, ev); errors.Is(err, ErrConflict) {
		return nil, &FieldError{"email", "an account with this email exists"}
	} else if err != nil {
		return nil, err
	}
	return u, nil
}

func normalizeEmail(raw string) (string, error) {
	addr, err := mail.ParseAddress(strings.TrimSpace(raw))
	if err != nil || addr.Name != "" {
		return "", &FieldError{"email", "is not an email address"}
	}
	return strings.ToLower(addr.Address), nil
}

func (s *Service) hashPassword(pw string) (string, error) {
	if len([]rune(pw)) < MinPasswordLength {
		return "", &FieldError{"password", fmt.Sprintf("must be at least %d characters", MinPasswordLength)}
	}
	if len(pw) > 72 {
		return "", &FieldError{"password", "must be at most 72 bytes (bcrypt's limit)"}
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), s.Policy.BcryptCost)
	return string(h), err
}

// GeneratePassword returns a random password for a new account.
func (s *Service) GeneratePassword() (string, error) {
	return randomToken(s.Rand, 15) // 20 characters, 120 bits
}

// SetPassword changes a user's password and ends their sessions.
func (s *Service) SetPassword(ctx context.Context, u *User, pw string) error {
	h, err := s.hashPassword(pw)
	if err != nil {
		return err
	}
	u.PasswordHash = h
	if err := s.Store.UpdateUser(ctx, u); err != nil {
		return err
	}
	_, err = s.Store.RevokeUserSessions(ctx, u.ID, s.now())
	return err
}

// Login checks email and password, throttled per account and per address,
// and returns the user. Every failure costs one bcrypt comparison.
func (s *Service) Login(ctx context.Context, email, password, remoteAddr string) (*User, error) {
	now := s.now()
	email = strings.ToLower(strings.TrimSpace(email))
	keys := []string{"account:" + email, "ip:" + remoteAddr}
	for _, k := range keys {
		t, err := s.Store.Throttle(ctx, k)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		if t != nil && t.LockedUntil != nil && now.Before(*t.LockedUntil) {
			return nil, ErrThrottled
		}
	}
	u, err := s.Store.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	hash := s.dummyHash
	if u != nil && u.PasswordHash != "" {
		hash = []byte(u.PasswordHash)
	}
	match := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
	if u == nil || u.PasswordHash == "" || !match || u.DisabledAt != nil {
		limits := []int{s.Policy.MaxFailures, s.Policy.MaxFailuresPerIP}
		for i, k := range keys {
			if _, err := s.Store.RecordLoginFailure(ctx, k, now, s.Policy.FailureWindow, limits[i], s.Policy.LockFor); err != nil {
				return nil, err
			}
		}
		return nil, ErrBadCredentials
	}
	if err := s.Store.ClearThrottle(ctx, keys[0]); err != nil {
		return nil, err
	}
	return u, nil
}

// StartSession creates a session for u and returns the id for the cookie.
// A fresh id at every login rotates it.
func (s *Service) StartSession(ctx context.Context, u *User, remoteAddr, userAgent string) (string, *Session, error) {
	id, err := randomToken(s.Rand, 32)
	if err != nil {
		return "", nil, err
	}
	now := s.now()
	if len(userAgent) > 200 {
		userAgent = userAgent[:200]
	}
	sess := &Session{IDHash: hashID(id), UserID: u.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.Policy.SessionAbsolute), RemoteAddr: remoteAddr, UserAgent: userAgent}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return "", nil, err
	}
	u.LastLoginAt = &now
	if err := s.Store.UpdateUser(ctx, u); err != nil {
		return "", nil, err
	}
	return id, sess, nil
}

// touchEvery throttles last-seen writes.
const touchEvery = time.Minute

// Resume returns the live session and user for a cookie's session id:
// ErrNotFound when it is unknown, revoked, idle too long, past its absolute
// expiry, or its user is disabled.
func (s *Service) Resume(ctx context.Context, id string) (*User, *Session, error) {
	if id == "" {
		return nil, nil, ErrNotFound
	}
	sess, err := s.Store.SessionByHash(ctx, hashID(id))
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	if sess.RevokedAt != nil || !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= s.Policy.SessionIdle {
		return nil, nil, ErrNotFound
	}
	u, err := s.Store.UserByID(ctx, sess.UserID)
	if err != nil {
		return nil, nil, err
	}
	if u.DisabledAt != nil {
		return nil, nil, ErrNotFound
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.Store.TouchSession(ctx, sess.IDHash, now); err != nil {
			return nil, nil, err
		}
	}
	return u, sess, nil
}

// Logout ends the session with id.
func (s *Service) Logout(ctx context.Context, id string) error {
	return s.Store.RevokeSession(ctx, hashID(id), s.now())
}

// hashID is how session ids are stored.
func hashID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

func randomToken(r io.Reader, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("staff: reading randomness: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func randomID(r io.Reader, prefix string) (string, error) {
	t, err := randomToken(r, 12)
	return prefix + t, err
}
