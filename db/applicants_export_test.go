package db

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"credmint/app/applicants"
)

// ExplainApplicants returns the query plan of the list query q, as the
// database shows it (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL),
// one line per plan row.
func (s *Store) ExplainApplicants(ctx context.Context, q applicants.ListQuery) (string, error) {
	var rows []applicantRow
	stmt := s.applicantsQuery(s.read(ctx).Session(&gorm.Session{DryRun: true}), q).Find(&rows).Statement
	explain := "EXPLAIN "
	if s.dialect == DialectSQLite {
		explain = "EXPLAIN QUERY PLAN "
	}
	res, err := s.read(ctx).Raw(explain+stmt.SQL.String(), stmt.Vars...).Rows()
	if err != nil {
		return "", err
	}
	defer res.Close()
	cols, _ := res.Columns()
	var lines []string
	for res.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := res.Scan(ptrs...); err != nil {
			return "", err
		}
		lines = append(lines, fmt.Sprint(vals[len(vals)-1]))
	}
	return strings.Join(lines, "\n"), res.Err()
}

// ExecForTest runs a statement on the writer, for tests that seed data in
// bulk.
func (s *Store) ExecForTest(ctx context.Context, sql string, args ...any) error {
	return s.write(ctx).Exec(sql, args...).Error
}
