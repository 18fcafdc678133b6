package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestDevIdPRefusedInProduction: forcing the development identity provider
// on in production fails validation, naming the field; unforced, it is off.
func TestDevIdPRefusedInProduction(t *testing.T) {
	prod := map[string]string{"CREDMINT_ENVIRONMENT": "production", "CREDMINT_PUBLIC_URL": "https://issuer.example.org", "CREDMINT_MASTER_KEY": "x"}
	for _, tc := range []struct {
		name, yaml, field string
		env               map[string]string
	}{
		{"forced on by environment", "", "dev_idp.enabled", map[string]string{"CREDMINT_DEV_IDP_ENABLED": "true"}},
		{"forced on in the file", "dev_idp: {enabled: true}", "dev_idp.enabled", nil},
		{"people in production", "dev_idp: {people: [{subject: x}]}", "dev_idp.people", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range prod {
				t.Setenv(k, v)
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := Load(writeConfig(t, tc.yaml))
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Errorf("got %v, want a *FieldError on %s", err, tc.field)
			}
		})
	}
	t.Run("off by default", func(t *testing.T) {
		for k, v := range prod {
			t.Setenv(k, v)
		}
		c, err := Load(writeConfig(t, ""))
		if err != nil {
			t.Fatal(err)
		}
		if c.DevIdPEnabled() {
			t.Error("DevIdPEnabled() = true in production, want false")
		}
	})
}

func TestDevIdPEnabled(t *testing.T) {
	on, off := true, false
	for _, tc := range []struct {
		name     string
		upstream string
		enabled  *bool
		want     bool
	}{
		{"no upstream", "", nil, true},
		{"upstream configured", "https://login.example.org", nil, false},
		{"switched off", "", &off, false},
		{"forced on", "", &on, true},
	} {
		c := Config{Environment: Development, UpstreamOIDC: UpstreamOIDCConfig{Issuer: tc.upstream}, DevIdP: DevIdPConfig{Enabled: tc.enabled}}
		if got := c.DevIdPEnabled(); got != tc.want {
			t.Errorf("%s: DevIdPEnabled() = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// writeConfig writes yaml to a file and returns its path ("" for no yaml).
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	if yaml == "" {
		return ""
	}
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
