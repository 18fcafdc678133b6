// Package dbtest gives tests a fresh, migrated db.Store on a real database:
// SQLite in a temporary directory, and PostgreSQL in a schema of its own when
// CREDMINT_TEST_POSTGRES_URL names a server. Each runs a test against both.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for schema setup

	"credmint/db"
)

// PostgresURLEnv names the environment variable holding the URL of the
// PostgreSQL database tests may use, e.g.
// postgres://credmint:credmint@127.0.0.1:5432/credmint?sslmode=disable.
// Each test gets a schema of its own in it, dropped afterwards.
const PostgresURLEnv = "CREDMINT_TEST_POSTGRES_URL"

// SQLite returns a migrated store on a new SQLite file in t.TempDir(),
// closed when t ends.
func SQLite(t testing.TB) *db.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "credmint.db")
	return open(t, "sqlite:"+path)
}

// Postgres returns a migrated store in a new schema of the database named by
// CREDMINT_TEST_POSTGRES_URL; the schema is dropped when t ends. Without the
// variable the test is skipped, or fails when CI is set (CI must not skip
// the PostgreSQL suite silently). An unreachable server fails the test.
func Postgres(t testing.TB) *db.Store {
	t.Helper()
	u, _ := postgresSchema(t)
	return open(t, u)
}

// Each runs fn as subtest "sqlite" and subtest "postgres", each with a fresh
// migrated store.
func Each(t *testing.T, fn func(t *testing.T, s *db.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// open opens and migrates the store at dbURL and closes it when t ends.
func open(t testing.TB, dbURL string) *db.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := db.Open(ctx, dbURL, db.Options{Logger: logger, MaxOpenConns: 10})
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close test database: %v", err)
		}
	})
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return s
}

// postgresSchema creates a schema with a random name in the database of
// CREDMINT_TEST_POSTGRES_URL, registers its removal, and returns the URL
// with search_path set to it, and its name.
func postgresSchema(t testing.TB) (string, string) {
	t.Helper()
	base := os.Getenv(PostgresURLEnv)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set; CI must run the PostgreSQL tests", PostgresURLEnv)
		}
		t.Skipf("%s is not set", PostgresURLEnv)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresURLEnv, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	schema := "credmint_test_" + randomHex(t)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema on %s: %v", PostgresURLEnv, err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresURLEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), schema
}

func randomHex(t testing.TB) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// PostgresURL returns the URL of a fresh schema in the test PostgreSQL
// database, for tests that open the store themselves (e.g. through the whole
// application). Skips or fails like Postgres.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u, _ := postgresSchema(t)
	return u
}
