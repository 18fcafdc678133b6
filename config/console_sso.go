package config

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"credmint/app/staff"
)

// ConsoleSSOConfig is single sign-on for console staff through the
// organisation's OpenID provider: a relying party of its own, with the
// redirect URI {public_url}/console/sso/callback. No issuer means off; it is
// never switched on by itself, not even with the development provider.
type ConsoleSSOConfig struct {
	Issuer       string   `yaml:"issuer" env:"ISSUER"`
	ClientID     string   `yaml:"client_id" env:"CLIENT_ID"`
	ClientSecret string   `yaml:"client_secret" env:"CLIENT_SECRET"`
	Scopes       []string `yaml:"scopes" env:"SCOPES" envSeparator:","`
	// Name labels the sign-in button ("Sign in with <name>").
	Name string `yaml:"name" env:"NAME"`
	// RoleClaim names the ID token claim (string or array; a dotted path
	// reaches into objects) whose values RoleMap maps to roles.
	RoleClaim string `yaml:"role_claim" env:"ROLE_CLAIM"`
	// RoleMap maps claim values to admin, issuer, reviewer or auditor; the
	// environment twin is "value=role,value=role".
	RoleMap RoleMap `yaml:"role_map" env:"ROLE_MAP"`
	// DefaultRole is given when no value maps; empty refuses the person.
	DefaultRole string `yaml:"default_role" env:"DEFAULT_ROLE"`
	// EmailClaim names the claim that links to an existing account by email.
	EmailClaim string `yaml:"email_claim" env:"EMAIL_CLAIM"`
	// AllowCreate makes an account at the first sign-in (default true).
	AllowCreate *bool `yaml:"allow_create" env:"ALLOW_CREATE"`
}

// RoleMap maps claim values to console roles.
type RoleMap map[string]string

// UnmarshalText reads the environment form "value=role,value=role". A value
// may contain "=" (the last one separates the role); values with commas
// (LDAP DNs) need the YAML form.
func (m *RoleMap) UnmarshalText(b []byte) error {
	out := RoleMap{}
	for pair := range strings.SplitSeq(string(b), ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		i := strings.LastIndex(pair, "=")
		if i < 0 {
			return fmt.Errorf("console_sso.role_map: %q is not value=role", pair)
		}
		out[strings.TrimSpace(pair[:i])] = strings.TrimSpace(pair[i+1:])
	}
	*m = out
	return nil
}

// Enabled reports whether console single sign-on is configured.
func (o *ConsoleSSOConfig) Enabled() bool { return o.Issuer != "" }

// CreateAllowed reports console_sso.allow_create (default true).
func (o *ConsoleSSOConfig) CreateAllowed() bool { return o.AllowCreate == nil || *o.AllowCreate }

// defaults fills the unset keys of a configured single sign-on.
func (o *ConsoleSSOConfig) defaults() {
	if !o.Enabled() {
		return
	}
	if o.Name == "" {
		o.Name = "single sign-on"
	}
	if o.RoleClaim == "" {
		o.RoleClaim = "groups"
	}
	if o.EmailClaim == "" {
		o.EmailClaim = "email"
	}
	if len(o.Scopes) == 0 {
		o.Scopes = []string{"openid", "profile", "email"}
	}
}

// validate checks console_sso, naming the bad key.
func (o *ConsoleSSOConfig) validate(environment string) error {
	if !o.Enabled() {
		if o.ClientID != "" || o.ClientSecret != "" || len(o.RoleMap) > 0 || o.DefaultRole != "" {
			return &FieldError{"console_sso.issuer", "is required when console_sso is configured"}
		}
		return nil
	}
	u, err := url.Parse(o.Issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" || u.Fragment != "" {
		return &FieldError{"console_sso.issuer", fmt.Sprintf("%q is not an issuer URL (https, no query or fragment)", o.Issuer)}
	}
	if environment == Production && u.Scheme != "https" {
		return &FieldError{"console_sso.issuer", "must be https in production"}
	}
	if o.ClientID == "" {
		return &FieldError{"console_sso.client_id", "is required: the client credmint's console is registered as at the provider"}
	}
	for i, s := range o.Scopes {
		if s == "" || strings.ContainsAny(s, " \"\\") {
			return &FieldError{fmt.Sprintf("console_sso.scopes[%d]", i), fmt.Sprintf("%q is not a scope", s)}
		}
	}
	roles := strings.Join(staff.Roles, ", ")
	for _, v := range slices.Sorted(maps.Keys(o.RoleMap)) {
		if v == "" {
			return &FieldError{"console_sso.role_map", "has an empty claim value"}
		}
		if !staff.ValidRole(o.RoleMap[v]) {
			return &FieldError{"console_sso.role_map." + v, fmt.Sprintf("must be one of %s, not %q", roles, o.RoleMap[v])}
		}
	}
	if o.DefaultRole != "" && !staff.ValidRole(o.DefaultRole) {
		return &FieldError{"console_sso.default_role", fmt.Sprintf("must be empty (refuse) or one of %s, not %q", roles, o.DefaultRole)}
	}
	if len(o.RoleMap) == 0 && o.DefaultRole == "" {
		return &FieldError{"console_sso.role_map", "must map at least one claim value to a role (or set console_sso.default_role): otherwise nobody can sign in"}
	}
	return nil
}
