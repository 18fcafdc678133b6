package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"credmint/config"
)

func TestCLIKeys(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CREDMINT_DATA_DIR", dir)
	t.Setenv("CREDMINT_DATABASE_URL", "sqlite:"+filepath.Join(dir, "credmint.db"))
	t.Setenv("CREDMINT_CONFIG", "")
	cfg, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	a.Close()

	for _, args := range [][]string{
		{"keys"}, {"keys", "frobnicate"}, {"keys", "csr", "--purpose", "credential"},
		{"keys", "csr", "--purpose", "credential", "--subject", "O=no cn"},
		{"keys", "import-chain", "--key", "x"}, {"keys", "rotate", "--purpose", "credential", "--at", "tomorrow"},
	} {
		if _, _, err := cli(t, args...); err == nil {
			t.Errorf("%v: got nil error", args)
		}
	}

	csrFile := filepath.Join(dir, "key.csr")
	_, stderr, err := cli(t, "keys", "csr", "--purpose", "credential", "--subject", "CN=issuer.example.org,O=Example,C=DE", "--dns", "issuer.example.org", "--out", csrFile)
	if err != nil {
		t.Fatalf("keys csr: %v\n%s", err, stderr)
	}
	m := regexp.MustCompile(`created credential key (\S+), pending`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("keys csr did not name the key: %q", stderr)
	}
	kid := m[1]
	out, _, _ := cli(t, "keys", "list")
	if !regexp.MustCompile(kid + `\s+credential\s+.*pending_certificate`).MatchString(out) {
		t.Errorf("keys list does not show the pending key:\n%s", out)
	}
	csrPEM, err := os.ReadFile(csrFile)
	if err != nil {
		t.Fatal(err)
	}
	chainFile := filepath.Join(dir, "chain.pem")
	if err := os.WriteFile(chainFile, newTestIssuingCA(t).sign(t, csrPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	wrongFile := filepath.Join(dir, "wrong.pem")
	if err := os.WriteFile(wrongFile, []byte("not a chain"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, "keys", "import-chain", "--key", kid, "--file", wrongFile); err == nil || !strings.Contains(err.Error(), "not PEM") {
		t.Errorf("import of a non-PEM file: %v", err)
	}
	out, _, err = cli(t, "keys", "import-chain", "--key", kid, "--file", chainFile)
	if err != nil || !strings.Contains(out, "issued by CN=Test Issuing CA") {
		t.Fatalf("keys import-chain: %q %v", out, err)
	}
	out, _, _ = cli(t, "keys", "list")
	if !regexp.MustCompile(kid + `\s+credential\s+.*\sactive\s`).MatchString(out) {
		t.Errorf("keys list after the import:\n%s", out)
	}

	at := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Second)
	out, _, err = cli(t, "keys", "rotate", "--purpose", "metadata", "--at", at.Format(time.RFC3339))
	if err != nil || !strings.Contains(out, "signing from "+at.Format(time.RFC3339)) {
		t.Fatalf("keys rotate: %q %v", out, err)
	}
	out, _, _ = cli(t, "keys", "list")
	if !regexp.MustCompile(`metadata\s+.*scheduled`).MatchString(out) {
		t.Errorf("keys list after the rotation:\n%s", out)
	}
}
