package db_test

import (
	"strings"
	"testing"
	"time"

	"credmint/app/applicants"
	"credmint/db"
	"credmint/db/dbtest"
)

// seedApplicants bulk-inserts n applicants with one statement: three
// configurations, one import job per 10 000 rows, one in a hundred
// flagged, created one second apart from t0 on. The created_at text is
// written as the SQLite driver writes times, so that keyset comparisons
// with Go times hold.
func seedApplicants(t testing.TB, s *db.Store, n int) {
	t.Helper()
	const cols = `id, configuration_id, external_id, name, name_key, email, email_key, phone, address, flags, flagged, import_job_id, import_row, created_at, updated_at`
	var sql string
	if s.Dialect() == db.DialectSQLite {
		sql = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
		INSERT INTO applicants (` + cols + `)
		SELECT printf('apl_%08d', i), CASE i % 3 WHEN 0 THEN 'pid' WHEN 1 THEN 'mdl' ELSE 'badge' END, printf('E%08d', i),
			printf('Person %d', (i * 7919) % ?), printf('person %d', (i * 7919) % ?), printf('p%d@example.org', i), printf('p%d@example.org', i),
			'', 'Street 1', CASE WHEN i % 100 = 0 THEN '["needs_review"]' ELSE '[]' END, i % 100 = 0, printf('imp_%04d', i / 10000), i % 10000 + 2,
			strftime('%Y-%m-%d %H:%M:%S', '2025-01-01', '+' || i || ' seconds') || '+00:00', '2025-01-01 00:00:00+00:00'
		FROM n`
	} else {
		sql = `INSERT INTO applicants (` + cols + `)
		SELECT 'apl_' || lpad(i::text, 8, '0'), CASE i % 3 WHEN 0 THEN 'pid' WHEN 1 THEN 'mdl' ELSE 'badge' END, 'E' || lpad(i::text, 8, '0'),
			'Person ' || ((i::bigint * 7919) % ?), 'person ' || ((i::bigint * 7919) % ?), 'p' || i || '@example.org', 'p' || i || '@example.org',
			'', 'Street 1', CASE WHEN i % 100 = 0 THEN '["needs_review"]' ELSE '[]' END, i % 100 = 0, 'imp_' || lpad((i / 10000)::text, 4, '0'), i % 10000 + 2,
			timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second', timestamptz '2025-01-01 00:00:00+00'
		FROM generate_series(0, ? - 1) AS i`
	}
	if err := s.ExecForTest(t.Context(), sql, n, n, n); err != nil {
		t.Fatalf("seed %d applicants: %v", n, err)
	}
	analyze := "ANALYZE"
	if err := s.ExecForTest(t.Context(), analyze); err != nil {
		t.Fatal(err)
	}
}

// TestApplicantListPlansUseIndexes seeds 200 000 applicants and checks that
// every list query walks an index: no full scan, and no sort of the whole
// table for the keyset orders.
func TestApplicantListPlansUseIndexes(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 200 000 rows")
	}
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		seedApplicants(t, s, 200_000)
		mid := &applicants.SortKey{CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), NameKey: "person 4242", ID: "apl_00050000"}
		for _, tc := range []struct {
			name string
			q    applicants.ListQuery
			// index is the index SQLite must use; sorted allows a sort of
			// the matching rows (a search unions three index ranges).
			index  string
			sorted bool
		}{
			{"newest, first page", applicants.ListQuery{Sort: applicants.SortNewest}, "applicants_created_at_idx", false},
			{"newest, next page", applicants.ListQuery{Sort: applicants.SortNewest, After: mid}, "applicants_created_at_idx", false},
			{"newest, previous page", applicants.ListQuery{Sort: applicants.SortNewest, After: mid, Backward: true}, "applicants_created_at_idx", false},
			{"by name, next page", applicants.ListQuery{Sort: applicants.SortName, After: mid}, "applicants_name_key_idx", false},
			{"by name, previous page", applicants.ListQuery{Sort: applicants.SortName, After: mid, Backward: true}, "applicants_name_key_idx", false},
			{"configuration", applicants.ListQuery{Sort: applicants.SortNewest, After: mid, Filter: applicants.Filter{ConfigurationID: "mdl"}}, "applicants_configuration_idx", false},
			{"import job", applicants.ListQuery{Sort: applicants.SortNewest, After: mid, Filter: applicants.Filter{ImportJobID: "imp_0007"}}, "applicants_import_job_idx", false},
			{"flagged", applicants.ListQuery{Sort: applicants.SortNewest, After: mid, Filter: applicants.Filter{Flagged: true}}, "applicants_flagged_idx", false},
			{"search", applicants.ListQuery{Sort: applicants.SortNewest, Filter: applicants.Filter{Query: "person 424"}}, "applicants_name_key_idx", true},
			{"search email", applicants.ListQuery{Sort: applicants.SortNewest, Filter: applicants.Filter{Query: "p4242@"}}, "applicants_email_key_idx", true},
			{"search external id", applicants.ListQuery{Sort: applicants.SortNewest, Filter: applicants.Filter{Query: "E0004242"}}, "applicants_external_id_key", true},
		} {
			tc.q.Limit = 51
			plan, err := s.ExplainApplicants(t.Context(), tc.q)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if s.Dialect() == db.DialectSQLite {
				if !strings.Contains(plan, "USING INDEX "+tc.index) && !strings.Contains(plan, "USING COVERING INDEX "+tc.index) {
					t.Errorf("%s: the plan does not use %s:\n%s", tc.name, tc.index, plan)
				}
				for _, line := range strings.Split(plan, "\n") {
					if strings.HasPrefix(line, "SCAN applicants") && !strings.Contains(line, "INDEX") {
						t.Errorf("%s: full table scan:\n%s", tc.name, plan)
					}
				}
				if !tc.sorted && strings.Contains(plan, "TEMP B-TREE") {
					t.Errorf("%s: the plan sorts:\n%s", tc.name, plan)
				}
			} else {
				if strings.Contains(plan, "Seq Scan") {
					t.Errorf("%s: sequential scan:\n%s", tc.name, plan)
				}
				if !strings.Contains(plan, "Index") {
					t.Errorf("%s: no index in the plan:\n%s", tc.name, plan)
				}
				if !tc.sorted && strings.Contains(plan, "Sort") {
					t.Errorf("%s: the plan sorts:\n%s", tc.name, plan)
				}
			}
			t.Logf("%s:\n%s", tc.name, plan)
		}
		// The seeded times compare as the store's own: the page after mid
		// starts right before it.
		rows, err := s.Applicants(t.Context(), applicants.ListQuery{Sort: applicants.SortNewest, After: mid, Limit: 2})
		if err != nil || len(rows) != 2 || rows[0].ID != "apl_00097444" {
			t.Fatalf("page after %v: %v %v", mid.CreatedAt, ids(rows), err)
		}
	})
}

// BenchmarkListApplicants1M lists one page (50 rows) of a million
// applicants on SQLite, for each filter and order the console offers.
//
//	go test ./db -run '^$' -bench ListApplicants1M -benchtime 200x
func BenchmarkListApplicants1M(b *testing.B) {
	s := dbtest.SQLite(b)
	start := time.Now()
	seedApplicants(b, s, 1_000_000)
	b.Logf("seeded 1 000 000 applicants in %v", time.Since(start).Round(time.Millisecond))
	mid := &applicants.SortKey{CreatedAt: time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC), NameKey: "person 424242", ID: "apl_00500000"}
	for _, bc := range []struct {
		name string
		q    applicants.ListQuery
	}{
		{"newest/first", applicants.ListQuery{Sort: applicants.SortNewest}},
		{"newest/middle", applicants.ListQuery{Sort: applicants.SortNewest, After: mid}},
		{"newest/previous", applicants.ListQuery{Sort: applicants.SortNewest, After: mid, Backward: true}},
		{"name/middle", applicants.ListQuery{Sort: applicants.SortName, After: mid}},
		{"configuration/middle", applicants.ListQuery{Sort: applicants.SortNewest, After: mid, Filter: applicants.Filter{ConfigurationID: "mdl"}}},
		{"import/first", applicants.ListQuery{Sort: applicants.SortNewest, Filter: applicants.Filter{ImportJobID: "imp_0042"}}},
		{"flagged/middle", applicants.ListQuery{Sort: applicants.SortNewest, After: mid, Filter: applicants.Filter{Flagged: true}}},
		{"search/name", applicants.ListQuery{Sort: applicants.SortNewest, Filter: applicants.Filter{Query: "person 4242"}}},
		{"search/email", applicants.ListQuery{Sort: applicants.SortNewest, Filter: applicants.Filter{Query: "p424242@"}}},
		{"search/one-letter", applicants.ListQuery{Sort: applicants.SortNewest, Filter: applicants.Filter{Query: "p"}}},
	} {
		bc.q.Limit = 51
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Applicants(b.Context(), bc.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
