package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadDefaults(t *testing.T) {
	t.Setenv("CREDMINT_LISTEN", "")
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:8080" || c.PublicURL != "http://127.0.0.1:8080" || c.DatabaseURL != "sqlite:./data/credmint.db" {
		t.Errorf("got listen %q public_url %q database_url %q", c.Listen, c.PublicURL, c.DatabaseURL)
	}
	if len(c.CredentialConfigurations) != 1 || c.CredentialConfigurations[0].ID != "staff_badge" {
		t.Errorf("without a file the example configuration is seeded, got %+v", c.CredentialConfigurations)
	}
	if c.TxCode.MaxAttempts != 5 || c.TxCode.Length != 6 || !*c.TxCode.Required {
		t.Errorf("tx_code defaults: got %+v", c.TxCode)
	}
}

func TestLoadFileAndEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credmint.yaml")
	yaml := `
environment: development
listen: 127.0.0.1:9090
public_url: https://issuer.example.org/vci/t1
database_url: postgres://u@db/credmint
lifetimes:
  offer: 48h
tx_code:
  length: 8
credential_configurations:
  - id: staff_badge
    format: dc+sd-jwt
    vct: https://issuer.example.org/vct/staff_badge
    scope: staff_badge
    validity: 720h
    display: [{name: Staff badge, locale: en}]
    claims:
      - {path: [given_name], mandatory: true, display: [{name: First name, locale: en}]}
      - {path: [birthdate], selective: true, type: date}
      - {path: [nationalities, null], selective: true}
`
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CREDMINT_LISTEN", "0.0.0.0:8443")
	t.Setenv("CREDMINT_TX_CODE_MAX_ATTEMPTS", "3")
	t.Setenv("CREDMINT_ISSUER_NAME", "Example University")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "0.0.0.0:8443" {
		t.Errorf("environment must win over the file: listen %q", c.Listen)
	}
	if c.TxCode.MaxAttempts != 3 || c.TxCode.Length != 8 || c.Issuer.Name != "Example University" {
		t.Errorf("got tx_code %+v issuer %+v", c.TxCode, c.Issuer)
	}
	if c.Lifetimes.Offer != 48*time.Hour || c.Lifetimes.AccessToken != 5*time.Minute {
		t.Errorf("lifetimes: got %+v", c.Lifetimes)
	}
	if c.BasePath() != "/vci/t1" || c.Host() != "issuer.example.org" {
		t.Errorf("base path %q host %q", c.BasePath(), c.Host())
	}
	cc := c.CredentialConfigurations
	if len(cc) != 1 || cc[0].Validity != 720*time.Hour || len(cc[0].Claims) != 3 || cc[0].Claims[2].Path[1] != nil || !cc[0].Claims[1].Selective {
		t.Errorf("credential configurations: got %+v", cc)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		yaml  string
		field string
	}{
		{"bad environment", map[string]string{"CREDMINT_ENVIRONMENT": "staging"}, "", "environment"},
		{"bad listen", map[string]string{"CREDMINT_LISTEN": "8080"}, "", "listen"},
		{"relative public url", map[string]string{"CREDMINT_PUBLIC_URL": "issuer.example.org"}, "", "public_url"},
		{"public url with query", map[string]string{"CREDMINT_PUBLIC_URL": "https://issuer.example.org?x=1"}, "", "public_url"},
		{"public url with trailing slash", map[string]string{"CREDMINT_PUBLIC_URL": "https://issuer.example.org/"}, "", "public_url"},
		{"http in production", map[string]string{"CREDMINT_ENVIRONMENT": "production", "CREDMINT_PUBLIC_URL": "http://issuer.example.org", "CREDMINT_MASTER_KEY": "x"}, "", "public_url"},
		{"no master key in production", map[string]string{"CREDMINT_ENVIRONMENT": "production", "CREDMINT_PUBLIC_URL": "https://issuer.example.org"}, "", "master_key"},
		{"bad database url", map[string]string{"CREDMINT_DATABASE_URL": "mysql://x"}, "", "database_url"},
		{"bad log level", map[string]string{"CREDMINT_LOG_LEVEL": "loud"}, "", "log_level"},
		{"long access tokens", map[string]string{"CREDMINT_LIFETIMES_ACCESS_TOKEN": "1h"}, "", "lifetimes.access_token"},
		{"bad tx_code mode", map[string]string{"CREDMINT_TX_CODE_INPUT_MODE": "emoji"}, "", "tx_code.input_mode"},
		{"tx_code too short", map[string]string{"CREDMINT_TX_CODE_LENGTH": "2"}, "", "tx_code.length"},
		{"batch size", map[string]string{"CREDMINT_ISSUER_BATCH_SIZE": "1000"}, "", "issuer.batch_size"},
		{"offer lifetime", map[string]string{"CREDMINT_LIFETIMES_OFFER": "10s"}, "", "lifetimes.offer"},
		{"issuer locale", map[string]string{"CREDMINT_ISSUER_LOCALE": "english!"}, "", "issuer.locale"},
		{"trusted proxy", map[string]string{"CREDMINT_TRUSTED_PROXIES": "10.0.0.1,proxy.local"}, "", "trusted_proxies[1]"},
		{"duplicate configuration", nil, "credential_configurations: [{id: a, format: dc+sd-jwt}, {id: a, format: dc+sd-jwt}]", "credential_configurations[1].id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			path := ""
			if tt.yaml != "" {
				path = filepath.Join(t.TempDir(), "c.yaml")
				if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Load(path)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a *FieldError", err)
			}
			if fe.Field != tt.field {
				t.Fatalf("field: got %q (%v), want %q", fe.Field, err, tt.field)
			}
		})
	}
}

func TestUnknownKeyInFileIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("listne: 127.0.0.1:1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "listne") {
		t.Fatalf("got %v, want an error naming the misspelt key", err)
	}
}
