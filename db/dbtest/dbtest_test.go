package dbtest

import (
	"database/sql"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"credmint/db"
)

// The store of Postgres lives in the test's own schema: pgx passes
// search_path from the URL to the server as a run-time parameter.
func TestPostgresUsesOwnSchema(t *testing.T) {
	u, schema := postgresSchema(t)
	s := open(t, u)
	if got := s.Dialect(); got != db.DialectPostgres {
		t.Errorf("Dialect: got %q, want %q", got, db.DialectPostgres)
	}
	admin, err := sql.Open("pgx", os.Getenv(PostgresURLEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	rows, err := admin.QueryContext(t.Context(),
		"SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name", schema)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	for _, want := range []string{"goose_db_version", "offers", "audit_events"} {
		if !slices.Contains(tables, want) {
			t.Errorf("tables in schema %s: got %v, want %s among them", schema, tables, want)
		}
	}
	var public sql.NullString
	if err := admin.QueryRowContext(t.Context(), "SELECT to_regclass('public.offers')::text").Scan(&public); err != nil {
		t.Fatal(err)
	}
	if public.Valid {
		t.Errorf("public.offers exists: migrations escaped the test schema")
	}
}

func TestSQLite(t *testing.T) {
	s := SQLite(t)
	if got := s.Dialect(); got != db.DialectSQLite {
		t.Errorf("Dialect: got %q, want %q", got, db.DialectSQLite)
	}
	if st, err := s.MigrationStatus(t.Context()); err != nil || len(st) == 0 || !st[len(st)-1].Applied {
		t.Errorf("MigrationStatus: got %+v, %v, want all applied", st, err)
	}
}

// Without CREDMINT_TEST_POSTGRES_URL, Postgres skips, except on CI where it
// fails. Checked in a child process running TestPostgresWithoutURL.
func TestPostgresWithoutURL(t *testing.T) {
	if os.Getenv("DBTEST_CHILD") != "" {
		Postgres(t)
		return
	}
	for _, ci := range []string{"", "true"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPostgresWithoutURL$", "-test.v")
		cmd.Env = append(withoutEnv(PostgresURLEnv, "CI"), "DBTEST_CHILD=1", "CI="+ci)
		out, err := cmd.CombinedOutput()
		skipped := strings.Contains(string(out), "--- SKIP")
		if ci == "" && (err != nil || !skipped) {
			t.Errorf("without CI: got %v, output:\n%s\nwant a skip", err, out)
		}
		if ci != "" && (err == nil || skipped) {
			t.Errorf("with CI set: got %v, output:\n%s\nwant a failure", err, out)
		}
	}
}

// withoutEnv returns the environment without the named variables.
func withoutEnv(names ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(names, name) {
			env = append(env, kv)
		}
	}
	return env
}
