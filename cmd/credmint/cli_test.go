package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"credmint/config"
)

// cli runs credmint's main logic as the shell would, with the environment
// pointing at a temp data directory.
func cli(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), err
}

func TestCLI(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CREDMINT_DATA_DIR", dir)
	t.Setenv("CREDMINT_DATABASE_URL", "sqlite:"+filepath.Join(dir, "credmint.db"))
	t.Setenv("CREDMINT_CONFIG", "")

	out, _, err := cli(t, "migrate")
	if err != nil || !strings.Contains(out, "applied migrations") {
		t.Fatalf("migrate: %q %v", out, err)
	}
	if out, _, _ = cli(t, "migrate"); !strings.Contains(out, "up to date") {
		t.Fatalf("second migrate: %q", out)
	}
	if out, _, _ = cli(t, "migrate", "--status"); !regexp.MustCompile(`1\s+00001_init.sql\s+20`).MatchString(out) {
		t.Fatalf("migrate --status: %q", out)
	}

	key, stderr, err := cli(t, "apikeys", "create", "--name", "backoffice")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^cmk_[A-Za-z0-9_-]{43}\n$`).MatchString(key) {
		t.Fatalf("apikeys create must print only the key on stdout, got %q", key)
	}
	if strings.Contains(stderr, strings.TrimSpace(key)) {
		t.Fatal("the key must not appear in logs")
	}

	out, _, err = cli(t, "apikeys", "list")
	if err != nil || !strings.Contains(out, "backoffice") || strings.Contains(out, strings.TrimSpace(key)) {
		t.Fatalf("apikeys list: %q %v (must not show the key)", out, err)
	}
	if _, _, err := cli(t, "apikeys", "revoke", "nobody"); err == nil {
		t.Fatal("revoking an unknown key must fail")
	}
	if out, _, err = cli(t, "apikeys", "revoke", "backoffice"); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("apikeys revoke: %q %v", out, err)
	}

	if out, _, _ = cli(t, "keys", "list"); strings.Contains(out, "ES256") {
		t.Fatalf("keys list must not create a key: %q", out)
	}
	// The first start creates the signing key.
	cfg, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	out, _, err = cli(t, "keys", "list")
	if err != nil || !strings.Contains(out, "credential") || !strings.Contains(out, "ES256") || !strings.Contains(out, "active") {
		t.Fatalf("keys list: %q %v", out, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "master.key")); err != nil {
		t.Fatalf("the development master key was not created: %v", err)
	}
	if _, _, err := cli(t, "frobnicate"); err == nil {
		t.Fatal("an unknown command must fail")
	}
	if _, _, err := cli(t, "apikeys", "create"); err == nil {
		t.Fatal("apikeys create without --name must fail")
	}
}

func TestProductionRefusesToStartWithoutMasterKey(t *testing.T) {
	t.Setenv("CREDMINT_CONFIG", "")
	t.Setenv("CREDMINT_DATA_DIR", t.TempDir())
	t.Setenv("CREDMINT_ENVIRONMENT", "production")
	t.Setenv("CREDMINT_PUBLIC_URL", "https://issuer.example.org")
	_, _, err := cli(t, "serve")
	if err == nil || !strings.Contains(err.Error(), "master_key") {
		t.Fatalf("got %v, want an error about master_key", err)
	}
}
