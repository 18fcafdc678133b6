package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestConsoleSSOFromFileAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credmint.yaml")
	yaml := "console_sso:\n  issuer: https://login.example.org\n  client_id: console\n  role_map:\n    \"cn=admins,ou=groups\": admin\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := ConsoleSSOConfig{Issuer: "https://login.example.org", ClientID: "console", Name: "single sign-on", RoleClaim: "groups", EmailClaim: "email",
		Scopes: []string{"openid", "profile", "email"}, RoleMap: RoleMap{"cn=admins,ou=groups": "admin"}}
	if d := cmp.Diff(want, c.ConsoleSSO); d != "" || !c.ConsoleSSO.CreateAllowed() {
		t.Errorf("from the file (-want +got):\n%s", d)
	}

	t.Setenv("CREDMINT_CONSOLE_SSO_ROLE_MAP", "staff-admins=admin, staff=issuer,a=b=reviewer")
	t.Setenv("CREDMINT_CONSOLE_SSO_ALLOW_CREATE", "false")
	t.Setenv("CREDMINT_CONSOLE_SSO_ROLE_CLAIM", "realm_access.roles")
	if c, err = Load(path); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(RoleMap{"staff-admins": "admin", "staff": "issuer", "a=b": "reviewer"}, c.ConsoleSSO.RoleMap); d != "" {
		t.Errorf("role_map from the environment (-want +got):\n%s", d)
	}
	if c.ConsoleSSO.CreateAllowed() || c.ConsoleSSO.RoleClaim != "realm_access.roles" {
		t.Errorf("allow_create %v role_claim %q", c.ConsoleSSO.CreateAllowed(), c.ConsoleSSO.RoleClaim)
	}
}

func TestConsoleSSOValidateNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		field string
		sso   ConsoleSSOConfig
	}{
		{"console_sso.issuer", ConsoleSSOConfig{ClientID: "x"}},
		{"console_sso.issuer", ConsoleSSOConfig{Issuer: "login.example.org", ClientID: "x", RoleMap: RoleMap{"a": "admin"}}},
		{"console_sso.client_id", ConsoleSSOConfig{Issuer: "https://login.example.org", RoleMap: RoleMap{"a": "admin"}}},
		{"console_sso.role_map.staff", ConsoleSSOConfig{Issuer: "https://login.example.org", ClientID: "x", RoleMap: RoleMap{"staff": "superuser"}}},
		{"console_sso.default_role", ConsoleSSOConfig{Issuer: "https://login.example.org", ClientID: "x", DefaultRole: "root"}},
		{"console_sso.role_map", ConsoleSSOConfig{Issuer: "https://login.example.org", ClientID: "x"}},
	} {
		c := &Config{Path: "test"}
		c.Defaults()
		c.ConsoleSSO = tc.sso
		c.ConsoleSSO.defaults()
		var fe *FieldError
		if err := c.Validate(); !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%+v: got %v, want an error naming %s", tc.sso, err, tc.field)
		}
	}
}
