package db_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"credmint/db"
	"credmint/db/dbtest"
)

func TestOpenRejectsURL(t *testing.T) {
	tests := []struct{ url, want string }{
		{"mysql://root:s3cret@localhost/credmint", `scheme "mysql"`},
		{"host=localhost user=credmint password=s3cret", `scheme ""`},
		{"./data/credmint.db", `scheme ""`},
		{"sqlite:", "needs a file path"},
		{"sqlite::memory:", "needs a file path"},
		{"sqlite://data/credmint.db", "without //"},
		{"sqlite:./x.db?mode=ro", "must not contain '?'"},
	}
	for _, tt := range tests {
		s, err := db.Open(t.Context(), tt.url, db.Options{})
		if err == nil {
			s.Close()
			t.Errorf("Open(%q): got nil error, want one", tt.url)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Open(%q): got %q, want it to contain %q", tt.url, err, tt.want)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q): error %q shows the password", tt.url, err)
		}
	}
}

func TestOpenSQLiteCreatesDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "credmint.db")
	s, err := db.Open(t.Context(), "sqlite:"+path, db.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	for _, f := range []string{path, path + "-wal"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Errorf("database file: %v", err)
			continue
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("mode of %s: got %v, want -rw-------", filepath.Base(f), mode)
		}
	}
	if got := s.Dialect(); got != db.DialectSQLite {
		t.Errorf("Dialect: got %q, want %q", got, db.DialectSQLite)
	}
}

func TestMigrate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		if err := s.Ping(t.Context()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		applied, err := s.Migrate(t.Context()) // dbtest migrated already
		if err != nil || len(applied) != 0 {
			t.Errorf("Migrate on a current schema: got %v, %v, want nothing applied", applied, err)
		}
		status, err := s.MigrationStatus(t.Context())
		if err != nil {
			t.Fatalf("MigrationStatus: %v", err)
		}
		if len(status) == 0 || status[0].Version != 1 || status[0].Name != "00001_init.sql" {
			t.Fatalf("MigrationStatus: got %+v, want 00001_init.sql first", status)
		}
		for _, m := range status {
			if !m.Applied || m.AppliedAt.IsZero() {
				t.Errorf("migration %s: got applied %v at %v, want applied", m.Name, m.Applied, m.AppliedAt)
			}
		}
	})
}

func TestMigrateFreshDatabase(t *testing.T) {
	s, err := db.Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "credmint.db"), db.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	status, err := s.MigrationStatus(t.Context())
	if err != nil || len(status) == 0 || status[0].Applied {
		t.Fatalf("MigrationStatus before Migrate: got %+v, %v, want pending migrations", status, err)
	}
	applied, err := s.Migrate(t.Context())
	if err != nil || len(applied) != len(status) || applied[0] != 1 {
		t.Errorf("Migrate: got %v, %v, want all %d versions from 1", applied, err, len(status))
	}
}
