package staff

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"credmint/app/audit"
)

// SSOConfig is the console's single sign-on through the organisation's
// OpenID provider.
type SSOConfig struct {
	// Issuer is the provider's issuer identifier; the subject of a linked
	// account is "<Issuer>|<sub>".
	Issuer string
	// RoleClaim names the ID token claim (a string or an array of strings;
	// a dotted path reaches into objects) whose values RoleMap maps to
	// roles. When several values map, the most powerful role wins.
	RoleClaim string
	RoleMap   map[string]string
	// DefaultRole is given when no value maps; empty refuses the person.
	DefaultRole string
	// EmailClaim names the claim with the email address (default email).
	EmailClaim string
	// AllowCreate creates an account for a person with a mapped role and
	// no account yet.
	AllowCreate bool
	// LoginLifetime bounds the round trip to the provider (default 10m).
	LoginLifetime time.Duration
}

// SSOProvider is the OpenID provider as single sign-on uses it: the code
// flow with state, nonce and PKCE, and a verified ID token.
type SSOProvider interface {
	// AuthURL is where the browser goes to sign in; ErrSSOUnavailable
	// while the provider cannot be discovered.
	AuthURL(ctx context.Context, state, nonce, verifier string) (string, error)
	// Exchange redeems code with the PKCE verifier, verifies the ID token
	// (signature, issuer, audience, expiry) and its nonce with checkNonce,
	// and returns its subject and claims.
	Exchange(ctx context.Context, code, verifier string, checkNonce func(string) bool) (string, map[string]any, error)
}

// Sealer encrypts the PKCE verifier while the browser is at the provider.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// SSOLogin is one round trip to the provider. Only hashes of the state,
// nonce and browser binding are stored, and the verifier sealed.
type SSOLogin struct {
	StateHash      string
	BrowserHash    string
	NonceHash      string
	VerifierSealed []byte
	Next           string
	CreatedAt      time.Time
	ExpiresAt      time.Time
	UsedAt         *time.Time
}

// SSOStore persists the round trips and links accounts.
type SSOStore interface {
	// CreateSSOLogin inserts l, first deleting logins that expired before
	// purgeBefore.
	CreateSSOLogin(ctx context.Context, l *SSOLogin, purgeBefore time.Time) error
	// SSOLoginByState returns the login with stateHash, or ErrNotFound.
	SSOLoginByState(ctx context.Context, stateHash string) (*SSOLogin, error)
	// UseSSOLogin marks the login used by one conditional update (unused
	// and unexpired at now); ErrConflict otherwise: of two uses one wins.
	UseSSOLogin(ctx context.Context, stateHash string, now time.Time) error
	// LinkSSOSubject sets the subject of user id when it has none, and
	// writes ev, in one transaction; ErrConflict when it has another one
	// or the subject is linked to another user.
	LinkSSOSubject(ctx context.Context, id, subject string, ev audit.Event) error
	// AppendAudit writes ev on its own (a refusal changes nothing else).
	AppendAudit(ctx context.Context, ev audit.Event) error
}

// ErrSSOUnavailable: the provider cannot be reached (discovery failed).
var ErrSSOUnavailable = errors.New("staff: the single sign-on provider is not available")

// SSORefusal is a sign-in refused with a message for the person. Reason is
// a stable code for the log and the audit event.
type SSORefusal struct {
	Status         int
	Reason         string
	Title, Message string
}

func (e *SSORefusal) Error() string { return "single sign-on refused: " + e.Reason }

func refusal(status int, reason, title, msg string) *SSORefusal {
	return &SSORefusal{Status: status, Reason: reason, Title: title, Message: msg}
}

// SSODeps are what single sign-on needs.
type SSODeps struct {
	Staff    *Service
	Store    SSOStore
	Provider SSOProvider
	Sealer   Sealer
	Config   SSOConfig
	Log      *slog.Logger
}

// SSO signs staff in through the organisation's OpenID provider.
type SSO struct {
	SSODeps
}

// NewSSO checks d and fills defaults.
func NewSSO(d SSODeps) (*SSO, error) {
	if d.Staff == nil || d.Store == nil || d.Provider == nil || d.Sealer == nil || d.Config.Issuer == "" {
		return nil, errors.New("staff: single sign-on needs Staff, Store, Provider, Sealer and an issuer")
	}
	for v, r := range d.Config.RoleMap {
		if !ValidRole(r) {
			return nil, fmt.Errorf("staff: single sign-on: %q maps to %q, which is not a role", v, r)
		}
	}
	if d.Config.DefaultRole != "" && !ValidRole(d.Config.DefaultRole) {
		return nil, fmt.Errorf("staff: single sign-on: default role %q is not a role", d.Config.DefaultRole)
	}
	if d.Config.EmailClaim == "" {
		d.Config.EmailClaim = "email"
	}
	if d.Config.LoginLifetime <= 0 {
		d.Config.LoginLifetime = 10 * time.Minute
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &SSO{SSODeps: d}, nil
}

// Start begins a sign-in: it draws state, nonce, PKCE verifier and the
// browser binding secret (for the cookie), stores them hashed or sealed,
// and returns the provider's URL (OpenID Connect Core §3.1.2.1; RFC 7636).
func (s *SSO) Start(ctx context.Context, next string) (authURL, browserSecret string, err error) {
	var state, nonce, verifier string
	for _, v := range []*string{&state, &nonce, &verifier, &browserSecret} {
		if *v, err = randomToken(s.Staff.Rand, 32); err != nil {
			return "", "", err
		}
	}
	now := s.Staff.now()
	sealed, err := s.Sealer.Seal([]byte(verifier), []byte("console_sso|"+hashID(state)))
	if err != nil {
		return "", "", err
	}
	if authURL, err = s.Provider.AuthURL(ctx, state, nonce, verifier); err != nil {
		return "", "", err
	}
	l := &SSOLogin{StateHash: hashID(state), BrowserHash: hashID(browserSecret), NonceHash: hashID(nonce), VerifierSealed: sealed,
		Next: next, CreatedAt: now, ExpiresAt: now.Add(s.Config.LoginLifetime)}
	// A used login is kept until it expires (to name replays), then an
	// hour more; the insert clears older ones.
	if err := s.Store.CreateSSOLogin(ctx, l, now.Add(-time.Hour)); err != nil {
		return "", "", err
	}
	return authURL, browserSecret, nil
}

// Callback finishes a sign-in at {public_url}/console/sso/callback (Core
// §3.1.2.5): the state is found by hash, checked to belong to this browser
// and spent once; the code is redeemed with the verifier and the ID token
// verified, with its nonce. It returns the signed-in user and the page to
// go to, or an *SSORefusal.
func (s *SSO) Callback(ctx context.Context, q url.Values, browserSecret string) (*User, string, error) {
	l, err := s.spend(ctx, q.Get("state"), browserSecret)
	if err != nil {
		return nil, "", err
	}
	// RFC 9207 §2.4: a response that names another provider is a mix-up.
	if iss := q.Get("iss"); iss != "" && iss != s.Config.Issuer {
		return nil, "", s.refuse(ctx, nil, refusal(http.StatusForbidden, "iss_mismatch", "Sign-in refused",
			"The answer came from an unexpected identity provider. Start again."))
	}
	if q.Get("error") != "" || q.Get("code") == "" {
		return nil, "", s.refuse(ctx, nil, refusal(http.StatusForbidden, "provider_error", "Sign-in cancelled",
			"The sign-in at your organisation's provider was cancelled or failed. Start again, or sign in with your password."))
	}
	verifier, err := s.Sealer.Open(l.VerifierSealed, []byte("console_sso|"+l.StateHash))
	if err != nil {
		return nil, "", err
	}
	checkNonce := func(n string) bool {
		return n != "" && subtle.ConstantTimeCompare([]byte(hashID(n)), []byte(l.NonceHash)) == 1
	}
	sub, claims, err := s.Provider.Exchange(ctx, q.Get("code"), string(verifier), checkNonce)
	if err != nil {
		// The cause may quote the provider: logged, never shown.
		s.Log.Warn("console single sign-on: the login could not be verified", "error", err.Error())
		return nil, "", s.refuse(ctx, nil, refusal(http.StatusForbidden, "unverified", "Sign-in refused",
			"The sign-in at your organisation's provider could not be verified. Start again."))
	}
	u, err := s.account(ctx, sub, claims)
	if err != nil {
		return nil, "", err
	}
	return u, l.Next, nil
}

// spend finds the login of state, checks that this browser started it and
// marks it used by one conditional update: a state works once.
func (s *SSO) spend(ctx context.Context, state, browserSecret string) (*SSOLogin, error) {
	expired := refusal(http.StatusBadRequest, "unknown_state", "This sign-in has expired",
		"The sign-in link is not valid any more: it was used already, has expired or was changed. Start again.")
	if state == "" {
		return nil, s.refuse(ctx, nil, expired)
	}
	l, err := s.Store.SSOLoginByState(ctx, hashID(state))
	if errors.Is(err, ErrNotFound) {
		return nil, s.refuse(ctx, nil, expired)
	} else if err != nil {
		return nil, err
	}
	now := s.Staff.now()
	if l.UsedAt != nil {
		expired.Reason = "replayed_state"
		return nil, s.refuse(ctx, nil, expired)
	}
	if !now.Before(l.ExpiresAt) {
		expired.Reason = "expired_state"
		return nil, s.refuse(ctx, nil, expired)
	}
	if subtle.ConstantTimeCompare([]byte(hashID(browserSecret)), []byte(l.BrowserHash)) != 1 {
		return nil, s.refuse(ctx, nil, refusal(http.StatusForbidden, "other_browser", "Start again in this browser",
			"This sign-in was started in another browser, or your browser does not keep cookies for this site."))
	}
	if err := s.Store.UseSSOLogin(ctx, l.StateHash, now); errors.Is(err, ErrConflict) {
		expired.Reason = "replayed_state"
		return nil, s.refuse(ctx, nil, expired)
	} else if err != nil {
		return nil, err
	}
	return l, nil
}

// refuse logs r without personal data, audits it when the user is known,
// and returns it.
func (s *SSO) refuse(ctx context.Context, u *User, r *SSORefusal) error {
	level := slog.LevelInfo
	if r.Reason == "replayed_state" || r.Reason == "other_browser" || r.Reason == "iss_mismatch" || r.Reason == "unverified" {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{slog.String("reason", r.Reason)}
	if u != nil {
		attrs = append(attrs, slog.String("user_id", u.ID))
	}
	s.Log.LogAttrs(ctx, level, "console single sign-on refused", attrs...)
	if u != nil {
		ev := audit.New(userActor(ctx, u), s.Staff.now(), "staff_user.sso_refused", "staff_user", u.ID, map[string]string{"reason": r.Reason})
		if err := s.Store.AppendAudit(ctx, ev); err != nil {
			return err
		}
	}
	return r
}

// userActor makes u the actor of the events of its own sign-in.
func userActor(ctx context.Context, u *User) context.Context {
	a := audit.ActorFrom(ctx)
	return audit.WithActor(ctx, audit.Actor{Kind: audit.ActorStaff, ID: u.ID, RemoteAddr: a.RemoteAddr, RequestID: a.RequestID})
}
