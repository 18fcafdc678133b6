package db

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"credmint/app/audit"
	"credmint/app/issuance"
)

// openSQLiteTest opens and migrates a store on a new SQLite file.
func openSQLiteTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "credmint.db"), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func TestSQLitePragmas(t *testing.T) {
	s := openSQLiteTest(t)
	tests := []struct {
		pragma string
		writer string
		reader string
	}{
		{"journal_mode", "wal", "wal"},
		{"busy_timeout", "10000", "10000"},
		{"foreign_keys", "1", "1"},
		{"synchronous", "1", ""}, // NORMAL; readers never sync
		{"query_only", "0", "1"},
	}
	for _, tt := range tests {
		for _, pool := range []struct {
			name string
			want string
			get  func() (string, error)
		}{
			{"writer", tt.writer, func() (v string, err error) { return v, s.write(t.Context()).Raw("PRAGMA " + tt.pragma).Scan(&v).Error }},
			{"reader", tt.reader, func() (v string, err error) { return v, s.read(t.Context()).Raw("PRAGMA " + tt.pragma).Scan(&v).Error }},
		} {
			if pool.want == "" {
				continue
			}
			got, err := pool.get()
			if err != nil || got != pool.want {
				t.Errorf("%s PRAGMA %s: got %q, %v, want %q", pool.name, tt.pragma, got, err, pool.want)
			}
		}
	}
	if err := s.read(t.Context()).Exec("DELETE FROM used_nonces").Error; err == nil {
		t.Errorf("write through the reader pool: got nil error, want query_only to refuse it")
	}
}

// Times are stored as UTC text, whatever the zone they are given in, so that
// text comparison in SQL is time order.
func TestSQLiteStoresUTCText(t *testing.T) {
	s := openSQLiteTest(t)
	at := time.Date(2025, 3, 1, 23, 30, 0, 123456789, time.FixedZone("EST", -5*3600))
	o := &issuance.Offer{ID: "o1", ConfigurationIDs: []string{"pid"}, State: issuance.OfferCreated,
		HandleHash: "h", CodeHash: "c", CreatedAt: at, ExpiresAt: at}
	if err := s.CreateOffer(t.Context(), o, audit.Event{At: at, Action: "offer.created", SubjectType: "offer", SubjectID: "o1"}); err != nil {
		t.Fatalf("CreateOffer: %v", err)
	}
	var text, kind string
	row := s.read(t.Context()).Raw("SELECT CAST(expires_at AS TEXT), typeof(expires_at) FROM offers").Row()
	if err := row.Scan(&text, &kind); err != nil {
		t.Fatalf("read expires_at: %v", err)
	}
	if want := "2025-03-02 04:30:00.123456+00:00"; text != want || kind != "text" {
		t.Errorf("stored expires_at: got %q (%s), want %q (text)", text, kind, want)
	}
	if !strings.HasSuffix(text, "+00:00") {
		t.Errorf("stored expires_at %q is not UTC", text)
	}
}
