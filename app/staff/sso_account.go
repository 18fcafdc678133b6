package staff

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"credmint/app/audit"
)

// account finds, links or creates the user of a verified sign-in, checks
// that they may sign in and gives them the role the mapping says.
func (s *SSO) account(ctx context.Context, sub string, claims map[string]any) (*User, error) {
	role := s.MapRole(claims)
	subject := s.Config.Issuer + "|" + sub
	u, err := s.Staff.Store.UserBySSOSubject(ctx, subject)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	link := false
	email, verified := s.email(claims)
	if u == nil && email != "" && verified {
		// Linked by email only when the provider has not said it is
		// unverified (OpenID Connect Core §5.7: email is not an identifier).
		if u, err = s.Staff.Store.UserByEmail(ctx, email); err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		if u != nil && u.SSOSubject != "" {
			return nil, s.refuse(ctx, u, refusal(http.StatusForbidden, "linked_elsewhere", "Account linked to another sign-in",
				"The console account with your email address is linked to another single sign-on identity. Ask an administrator."))
		}
		link = u != nil
	}
	switch {
	case u != nil && u.DisabledAt != nil:
		return nil, s.refuse(ctx, u, refusal(http.StatusForbidden, "disabled", "Account disabled",
			"Your console account is disabled. Ask an administrator."))
	case role == "":
		return nil, s.refuse(ctx, u, refusal(http.StatusForbidden, "no_role", "No console role",
			"Your organisation's account has no role in this console. Ask an administrator to give you one."))
	case u == nil:
		return s.create(ctx, subject, email, verified, role, claims)
	}
	ctx = userActor(ctx, u)
	if link {
		ev := audit.New(ctx, s.Staff.now(), "staff_user.sso_linked", "staff_user", u.ID, map[string]string{"issuer": s.Config.Issuer})
		if err := s.Store.LinkSSOSubject(ctx, u.ID, subject, ev); err != nil {
			return nil, err
		}
		u.SSOSubject = subject
	}
	if err := s.Staff.SetRole(ctx, u, role); errors.Is(err, ErrLastAdmin) {
		// The console must keep an enabled admin: the role stays.
		s.Log.Warn("console single sign-on: the mapped role would demote the last admin; the role is kept", "user_id", u.ID)
	} else if err != nil {
		return nil, err
	}
	return u, nil
}

// create makes an account for a person signing in for the first time.
func (s *SSO) create(ctx context.Context, subject, email string, verified bool, role string, claims map[string]any) (*User, error) {
	switch {
	case !s.Config.AllowCreate:
		return nil, s.refuse(ctx, nil, refusal(http.StatusForbidden, "no_account", "No console account",
			"There is no console account for you. Ask an administrator to create one with your email address."))
	case email == "" || !verified:
		return nil, s.refuse(ctx, nil, refusal(http.StatusForbidden, "no_verified_email", "No verified email address",
			"Your organisation's provider did not give a verified email address, so no console account can be made for you."))
	}
	name := claimString(claims, "name")
	if name == "" {
		name = strings.TrimSpace(claimString(claims, "given_name") + " " + claimString(claims, "family_name"))
	}
	u, err := s.Staff.createUserWith(ctx, NewUser{Email: email, Name: name, Role: role}, subject,
		map[string]string{"password": "none", "via": "sso", "issuer": s.Config.Issuer})
	var fe *FieldError
	if errors.As(err, &fe) {
		// A taken email with an unverified claim, or an unusable address.
		return nil, s.refuse(ctx, nil, refusal(http.StatusForbidden, "create_failed", "No console account",
			"No console account could be made for you ("+fe.Reason+"). Ask an administrator."))
	}
	return u, err
}

// MapRole maps the role claim's values through the role map; the most
// powerful mapped role wins, else the default role ("" refuses).
func (s *SSO) MapRole(claims map[string]any) string {
	best := -1
	for _, v := range claimValues(claims, s.Config.RoleClaim) {
		if r, ok := s.Config.RoleMap[v]; ok {
			if i := slices.Index(Roles, r); i >= 0 && (best < 0 || i < best) {
				best = i
			}
		}
	}
	if best < 0 {
		return s.Config.DefaultRole
	}
	return Roles[best]
}

// email returns the address claim and whether it may be trusted:
// email_verified must not be false.
func (s *SSO) email(claims map[string]any) (string, bool) {
	email, err := normalizeEmail(claimString(claims, s.Config.EmailClaim))
	if err != nil {
		return "", false
	}
	switch v := claims["email_verified"].(type) {
	case bool:
		return email, v
	case string:
		return email, !strings.EqualFold(v, "false")
	}
	return email, true
}

// claimValues returns the strings of claim name: the claim itself, or, when
// there is no claim of that name, the dotted path into objects
// (realm_access.roles).
func claimValues(claims map[string]any, name string) []string {
	v, ok := claims[name]
	if !ok && strings.Contains(name, ".") {
		var cur any = claims
		for part := range strings.SplitSeq(name, ".") {
			m, isMap := cur.(map[string]any)
			if !isMap {
				return nil
			}
			cur = m[part]
		}
		v = cur
	}
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return x
	}
	return nil
}

func claimString(claims map[string]any, name string) string {
	s, _ := claims[name].(string)
	return strings.TrimSpace(s)
}
