package staff

import (
	"context"
	"fmt"
	"strings"

	"credmint/app/audit"
)

// Account is a user as the console's user list shows it.
type Account struct {
	User
	// LiveSessions is the number of sessions that are neither revoked nor
	// past their absolute expiry (idle ones included).
	LiveSessions int
}

// Accounts lists every user by email with its live sessions.
func (s *Service) Accounts(ctx context.Context) ([]Account, error) {
	users, err := s.Store.Users(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := s.Store.LiveSessionCounts(ctx, s.now())
	if err != nil {
		return nil, err
	}
	out := make([]Account, len(users))
	for i, u := range users {
		out[i] = Account{User: u, LiveSessions: counts[u.ID]}
	}
	return out, nil
}

// Invite creates an account for n. With generate, a random password is set
// and returned: the only time it is seen. Otherwise n.Password is used
// (empty: single sign-on only).
func (s *Service) Invite(ctx context.Context, n NewUser, generate bool) (*User, string, error) {
	how := "set"
	switch {
	case generate:
		pw, err := s.GeneratePassword()
		if err != nil {
			return nil, "", err
		}
		n.Password, how = pw, "generated"
	case n.Password == "":
		how = "none"
	}
	u, err := s.createUser(ctx, n, map[string]string{"password": how})
	if err != nil {
		return nil, "", err
	}
	if generate {
		return u, n.Password, nil
	}
	return u, "", nil
}

// ChangeRole gives the user with id role. The user's sessions end, so the
// new role applies at once. ErrLastAdmin when it would demote the last
// enabled admin.
func (s *Service) ChangeRole(ctx context.Context, id, role string) (*User, error) {
	u, err := s.Store.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return u, s.SetRole(ctx, u, role)
}

// SetRole changes u's role; its sessions end so the new role applies at
// once. ErrLastAdmin when u is the last enabled admin and role is not admin.
func (s *Service) SetRole(ctx context.Context, u *User, role string) error {
	if !ValidRole(role) {
		return &FieldError{"role", "must be one of " + strings.Join(Roles, ", ")}
	}
	old := u.Role
	if old == role {
		return nil
	}
	u.Role = role
	now := s.now()
	ev := audit.New(ctx, now, "staff_user.role_changed", "staff_user", u.ID, map[string]string{"from": old, "to": role})
	if _, err := s.Store.AdministerUser(ctx, u, true, now, ev); err != nil {
		u.Role = old
		return err
	}
	return nil
}

// SetUserDisabled disables or enables the user with id.
func (s *Service) SetUserDisabled(ctx context.Context, id string, disabled bool) (*User, error) {
	u, err := s.Store.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return u, s.SetDisabled(ctx, u, disabled)
}

// SetDisabled disables or enables u; disabling ends its sessions.
// ErrLastAdmin when it would disable the last enabled admin.
func (s *Service) SetDisabled(ctx context.Context, u *User, disabled bool) error {
	if (u.DisabledAt != nil) == disabled {
		return nil
	}
	old := u.DisabledAt
	now := s.now()
	action := "staff_user.enabled"
	u.DisabledAt = nil
	if disabled {
		action, u.DisabledAt = "staff_user.disabled", &now
	}
	if _, err := s.Store.AdministerUser(ctx, u, disabled, now, audit.New(ctx, now, action, "staff_user", u.ID, nil)); err != nil {
		u.DisabledAt = old
		return err
	}
	return nil
}

// RevokeSessions ends every live session of the user with id and returns
// how many it ended.
func (s *Service) RevokeSessions(ctx context.Context, id string) (int64, error) {
	u, err := s.Store.UserByID(ctx, id)
	if err != nil {
		return 0, err
	}
	now := s.now()
	// The count is known only inside the transaction; the event says that
	// sessions were ended, the flash says how many.
	ev := audit.New(ctx, now, "staff_user.sessions_revoked", "staff_user", u.ID, nil)
	n, err := s.Store.AdministerUser(ctx, u, true, now, ev)
	if err != nil {
		return 0, fmt.Errorf("staff: revoke sessions: %w", err)
	}
	return n, nil
}
