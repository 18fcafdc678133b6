package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"credmint/app/access"
	"credmint/app/credential"
	"credmint/app/issuance"
	"credmint/app/keys"
)

// Dialects a Store speaks, as returned by Store.Dialect.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// Store is credmint's database. It satisfies issuance.Store, keys.Store,
// access.Store and credential.Store. It is safe for concurrent use.
type Store struct {
	dialect string
	// w runs every write and transaction; r runs plain reads. With SQLite w
	// has a single connection and r is a read-only pool on the same file;
	// with PostgreSQL they are the same pool.
	w, r *gorm.DB
	// pools are the connection pools to close, each once.
	pools []*sql.DB
	now   func() time.Time
	// gc runs the write transactions with group commit (groupcommit.go);
	// SQLite only, nil with PostgreSQL.
	gc *committer
}

var (
	_ issuance.Store   = (*Store)(nil)
	_ keys.Store       = (*Store)(nil)
	_ access.Store     = (*Store)(nil)
	_ credential.Store = (*Store)(nil)
)

// Options tune Open. The zero value is usable.
type Options struct {
	// Logger receives slow queries and unexpected database errors at warn
	// level, without SQL parameters. Nil discards them.
	Logger *slog.Logger
	// MaxOpenConns is the PostgreSQL pool size; 0 means 20. SQLite ignores
	// it (one writer and four reader connections).
	MaxOpenConns int
	// Now is the clock used for times the store sets itself (the
	// updated_at of configurations); nil means time.Now.
	Now func() time.Time
}

// sqliteReaders is the size of the SQLite read pool.
const sqliteReaders = 4

// Open connects to the database at url, which is either sqlite:PATH (the
// file and its directory are created when missing) or a postgres:// or
// postgresql:// URL. It does not migrate; call Migrate.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.MaxOpenConns <= 0 {
		opts.MaxOpenConns = 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	var (
		s   *Store
		err error
	)
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		s, err = openSQLite(strings.TrimPrefix(url, "sqlite:"), opts)
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		s, err = openPostgres(url, opts)
	default:
		return nil, fmt.Errorf("db: unsupported database URL (scheme %q): want sqlite:PATH (e.g. sqlite:./data/credmint.db) or postgres://user:password@host:5432/dbname (postgresql:// also accepted)", urlScheme(url))
	}
	if err != nil {
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// urlScheme returns the scheme of url for an error message, or "" when url
// has none; the rest of url (it may hold a password) is never shown.
func urlScheme(url string) string {
	i := strings.Index(url, ":")
	if i <= 0 || i > 20 || strings.ContainsAny(url[:i], " =@/") {
		return ""
	}
	return url[:i]
}

// SQLite connection parameters. Every connection waits up to 10s for a
// lock and enforces foreign keys. The writer sets WAL and synchronous=NORMAL
// and begins transactions with BEGIN IMMEDIATE: the write lock is taken up
// front (waiting up to the busy timeout), so that a transaction that reads
// before it writes cannot fail midway because another process (the CLI)
// wrote meanwhile. The writer keeps a 32 MiB page cache, so that big batches
// of inserts (offer batches, imports) do not read index pages back from disk;
// 64 MiB was ~10% faster for 100 000-offer batches but held the server's RSS
// above 150 MB after 20 000 flows (docs/performance.md).
// Readers are query_only.
const (
	sqliteCommon = "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	sqliteWriter = sqliteCommon + "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-32768)&_txlock=immediate"
	sqliteReader = sqliteCommon + "&_pragma=query_only(1)"
)

func openSQLite(path string, opts Options) (*Store, error) {
	if err := prepareSQLiteFile(path); err != nil {
		return nil, err
	}
	// The writer opens first, so that its first connection has switched the
	// file to WAL before a reader opens it.
	w, wdb, err := openSQLitePool(path+sqliteWriter, 1, opts)
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite writer: %w", err)
	}
	r, rdb, err := openSQLitePool(path+sqliteReader, sqliteReaders, opts)
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("db: open sqlite readers: %w", err)
	}
	return &Store{dialect: DialectSQLite, w: w, r: r, pools: []*sql.DB{wdb, rdb}, now: opts.Now, gc: newCommitter(w)}, nil
}

// prepareSQLiteFile checks path and creates its directory and, readable by
// its owner only, the file: it holds sealed keys and hashes (SQLite gives
// the -wal and -shm files the same mode).
func prepareSQLiteFile(path string) error {
	switch {
	case path == "" || path == ":memory:" || strings.HasPrefix(path, "file:"):
		return fmt.Errorf("db: sqlite URL needs a file path, e.g. sqlite:./data/credmint.db")
	case strings.HasPrefix(path, "//"):
		return fmt.Errorf("db: sqlite URL is sqlite:PATH without //, e.g. sqlite:./data/credmint.db or sqlite:/var/lib/credmint/credmint.db")
	case strings.Contains(path, "?"):
		return fmt.Errorf("db: sqlite path must not contain '?'")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("db: create directory for sqlite database: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("db: open sqlite database: %w", err)
	}
	return f.Close()
}

// openSQLitePool opens a pool of at most conns connections on dsn and
// checks that a connection opens.
func openSQLitePool(dsn string, conns int, opts Options) (*gorm.DB, *sql.DB, error) {
	cfg := gormConfig(opts)
	// Cache gorm's statement objects per connection (the driver still
	// prepares in SQLite on each execution).
	cfg.PrepareStmt = true
	g, err := gorm.Open(sqlite.Open(dsn), cfg)
	if err != nil {
		return nil, nil, err
	}
	pool, err := g.DB()
	if err != nil {
		return nil, nil, err
	}
	pool.SetMaxOpenConns(conns)
	pool.SetMaxIdleConns(conns)
	if err := pool.Ping(); err != nil {
		pool.Close()
		return nil, nil, err
	}
	return g, pool, nil
}

func openPostgres(url string, opts Options) (*Store, error) {
	g, err := gorm.Open(postgres.Open(url), gormConfig(opts))
	if err != nil {
		return nil, fmt.Errorf("db: open postgres: %w", err)
	}
	pool, err := g.DB()
	if err != nil {
		return nil, err
	}
	pool.SetMaxOpenConns(opts.MaxOpenConns)
	pool.SetMaxIdleConns(min(opts.MaxOpenConns, 10))
	pool.SetConnMaxIdleTime(5 * time.Minute)
	return &Store{dialect: DialectPostgres, w: g, r: g, pools: []*sql.DB{pool}, now: opts.Now}, nil
}

func gormConfig(opts Options) *gorm.Config {
	return &gorm.Config{
		Logger:                 newLogger(opts.Logger),
		TranslateError:         true,
		SkipDefaultTransaction: true,
		DisableAutomaticPing:   true,
		NowFunc:                func() time.Time { return utc(opts.Now()) },
	}
}

// Dialect is DialectSQLite or DialectPostgres.
func (s *Store) Dialect() string { return s.dialect }

// Ping checks that the database answers, on every pool.
func (s *Store) Ping(ctx context.Context) error {
	for _, p := range s.pools {
		if err := p.PingContext(ctx); err != nil {
			return fmt.Errorf("db: ping %s: %w", s.dialect, err)
		}
	}
	return nil
}

// Close waits for the write transactions being committed, then closes the
// connection pools. Writes after Close fail.
func (s *Store) Close() error {
	if s.gc != nil {
		s.gc.close()
	}
	var errs []error
	for _, p := range s.pools {
		errs = append(errs, p.Close())
	}
	return errors.Join(errs...)
}

// write returns the handle for writes, bound to ctx. Write transactions go
// through transact (groupcommit.go), single hot statements through writeOne.
// Inside a transaction use its tx only: with SQLite the writer has one
// connection, which the transaction holds.
func (s *Store) write(ctx context.Context) *gorm.DB { return s.w.WithContext(ctx) }

// read returns the handle for plain reads, bound to ctx.
func (s *Store) read(ctx context.Context) *gorm.DB { return s.r.WithContext(ctx) }

// utc is t as stored: UTC at microsecond precision (PostgreSQL's).
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// utcPtr is utc for optional times.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := utc(*t)
	return &u
}

// fromDB returns a time read from the database in UTC.
func fromDB(t time.Time) time.Time { return t.UTC() }

// fromDBPtr is fromDB for optional times.
func fromDBPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
