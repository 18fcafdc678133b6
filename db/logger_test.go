package db_test

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"credmint/db"
)

// A failing statement is logged by its verb and table, never its text or
// parameters.
func TestLoggerHidesParameters(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	s, err := db.Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "credmint.db"), db.Options{Logger: logger})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	createOffer(t, s, "o1", nil)
	creds := issued("o1", "token-SECRET", "notif-SECRET", "c1")
	if err := s.RecordIssuance(t.Context(), creds, event("credential.issued", "o1")); err == nil {
		t.Fatalf("RecordIssuance with an unknown token: got nil error, want one")
	}
	out := buf.String()
	if !strings.Contains(out, "database statement failed") || !strings.Contains(out, `statement="INSERT issued_credentials"`) {
		t.Errorf("log: got %q, want the failed statement's verb and table", out)
	}
	if strings.Contains(out, "VALUES") {
		t.Errorf("log shows statement text: %q", out)
	}
	if strings.Contains(out, "SECRET") {
		t.Errorf("log shows a parameter: %q", out)
	}
	// Expected outcomes (duplicates, not found) are not logged.
	buf.Reset()
	createOffer(t, s, "o2", nil)
	_ = s.CreateOffer(t.Context(), newOffer("o2"), event("offer.created", "o2"))
	_, _ = s.Offer(t.Context(), "nope")
	if buf.Len() != 0 {
		t.Errorf("log after a duplicate and a miss: got %q, want nothing", buf.String())
	}
}
