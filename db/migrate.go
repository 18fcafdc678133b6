package db

import (
	"context"
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrations holds the schema, one directory of goose SQL files per dialect.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// MigrationState is one migration as Store.MigrationStatus reports it.
type MigrationState struct {
	Version int64
	// Name is the migration's file name, e.g. "00001_init.sql".
	Name    string
	Applied bool
	// AppliedAt is when it was applied; zero when pending.
	AppliedAt time.Time
}

// Migrate applies the pending migrations in order, each in its own
// transaction, and returns the versions it applied (none when the schema is
// current). On PostgreSQL an advisory lock keeps concurrent Migrate calls on
// the same schema from racing.
func (s *Store) Migrate(ctx context.Context) ([]int64, error) {
	p, err := s.migrator(ctx)
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	applied := make([]int64, 0, len(results))
	for _, r := range results {
		if r.Error == nil {
			applied = append(applied, r.Source.Version)
		}
	}
	if err != nil {
		return applied, fmt.Errorf("db: migrate: %w", err)
	}
	return applied, nil
}

// MigrationStatus lists every known migration, oldest first, and whether it
// has been applied.
func (s *Store) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	p, err := s.migrator(ctx)
	if err != nil {
		return nil, err
	}
	status, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: migration status: %w", err)
	}
	out := make([]MigrationState, len(status))
	for i, m := range status {
		out[i] = MigrationState{
			Version:   m.Source.Version,
			Name:      path.Base(m.Source.Path),
			Applied:   m.State == goose.StateApplied,
			AppliedAt: m.AppliedAt.UTC(),
		}
	}
	return out, nil
}

// migrator returns a goose provider for the store's dialect, running on the
// writer pool.
func (s *Store) migrator(ctx context.Context) (*goose.Provider, error) {
	files, err := fs.Sub(migrations, "migrations/"+s.dialect)
	if err != nil {
		return nil, err
	}
	db, err := s.w.DB()
	if err != nil {
		return nil, err
	}
	dialect, opts := goose.DialectSQLite3, []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if s.dialect == DialectPostgres {
		dialect = goose.DialectPostgres
		locker, err := s.migrationLocker(ctx)
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db, files, opts...)
	if err != nil {
		return nil, fmt.Errorf("db: load migrations: %w", err)
	}
	return p, nil
}

// migrationLocker returns a PostgreSQL advisory-lock locker whose lock id is
// derived from the current schema, so that deployments (and tests) in
// different schemas of one database do not wait for each other.
func (s *Store) migrationLocker(ctx context.Context) (lock.SessionLocker, error) {
	var schema string
	if err := s.read(ctx).Raw("SELECT current_schema()").Scan(&schema).Error; err != nil {
		return nil, fmt.Errorf("db: migrate: current schema: %w", err)
	}
	h := fnv.New64a()
	h.Write([]byte("credmint migrate " + schema))
	return lock.NewPostgresSessionLocker(
		lock.WithLockID(int64(h.Sum64()>>1)),
		lock.WithLockTimeout(1, 300), // retry every second for 5 minutes
	)
}
