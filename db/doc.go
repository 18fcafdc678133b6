// Package db owns credmint's persistence: the Store that satisfies the store
// interfaces declared by app/issuance, app/keys, app/access and
// app/credential, on gorm over SQLite (embedded default) or PostgreSQL
// (production, shared by several processes).
//
// db owns the schema too: versioned goose migrations in migrations/sqlite and
// migrations/postgres, one file set per dialect, each migration applied in a
// transaction by Store.Migrate. gorm's AutoMigrate is never used.
//
// Rules every method follows:
//
//   - Single-use values (pre-authorized codes, tx_code attempts, c_nonces) are
//     consumed by one conditional statement, never read-then-write, so that
//     concurrent requests on several processes cannot both win.
//   - A state change and its audit event are written in one transaction; a
//     refused change writes no event.
//   - Times are written in UTC at microsecond precision, so SQLite's text
//     timestamps compare in time order and both dialects round-trip alike.
//   - Missing rows are the owning package's ErrNotFound, refused conditional
//     changes its ErrConflict; gorm errors never leak for those cases.
//   - SQL parameters are never logged: they hold hashes and sealed data.
//
// With SQLite the Store keeps two pools on the same file: a writer with a
// single connection through which every write and transaction goes (writes
// queue in Go instead of failing with SQLITE_BUSY), and a read-only pool of
// four connections for plain reads (WAL lets them run beside the writer).
// With PostgreSQL both are the same pool.
package db
