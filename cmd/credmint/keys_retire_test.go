package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"credmint/config"
)

// TestCLIKeysRetire retires the active status list key: without --yes
// nothing changes, with it the key is retired and a new one takes over;
// the IACA is refused while its document signer is in use.
func TestCLIKeysRetire(t *testing.T) {
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

	keyOf := func(purpose, state string) string {
		t.Helper()
		out, _, err := cli(t, "keys", "list")
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`(?m)^(\S+)\s+` + purpose + `\s+.*\s` + state + `\s+\d+$`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no %s %s key in:\n%s", state, purpose, out)
		}
		return m[1]
	}
	old := keyOf("status_list", "active")

	if _, _, err := cli(t, "keys", "retire"); err == nil {
		t.Error("keys retire without --key: nil error")
	}
	if _, _, err := cli(t, "keys", "retire", "--key", "nosuchkey", "--yes"); err == nil || !strings.Contains(err.Error(), "no key nosuchkey") {
		t.Errorf("unknown key: %v", err)
	}
	out, _, err := cli(t, "keys", "retire", "--key", old)
	if err == nil || !strings.Contains(err.Error(), "--yes") || !strings.Contains(out, "a new one is created at once") || !strings.Contains(out, "JWKS") {
		t.Errorf("retire without --yes: %q, %v; want the plan and an error asking for --yes", out, err)
	}
	if keyOf("status_list", "active") != old {
		t.Fatal("retire without --yes changed the active key")
	}

	out, _, err = cli(t, "keys", "retire", "--key", old, "--reason", "key compromised", "--yes")
	if err != nil || !strings.Contains(out, "retired status_list key "+old) || !strings.Contains(out, "created status_list key") {
		t.Fatalf("keys retire --yes: %q %v", out, err)
	}
	if now := keyOf("status_list", "active"); now == old {
		t.Error("the retired key is still active")
	}
	if keyOf("status_list", "retired") != old {
		t.Error("the old key is not listed as retired")
	}

	iaca := keyOf("mdoc_iaca", "active")
	if _, _, err := cli(t, "keys", "retire", "--key", iaca, "--yes"); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("retire the IACA while its document signer is in use: %v, want a refusal naming --force", err)
	}
	if keyOf("mdoc_iaca", "active") != iaca {
		t.Error("a refused retirement changed the IACA")
	}
	if out, _, err := cli(t, "keys", "retire", "--key", iaca, "--force", "--yes"); err != nil || !strings.Contains(out, "created mdoc_iaca key") {
		t.Errorf("forced IACA retirement: %q %v", out, err)
	}
}
