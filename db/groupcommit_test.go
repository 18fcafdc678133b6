package db_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"credmint/db"
	"credmint/db/dbtest"
)

// insertNonce inserts a used_nonces row: the simplest table to write.
func insertNonce(tx *gorm.DB, hash string) error {
	return tx.Exec("INSERT INTO used_nonces (hash, expires_at) VALUES (?, ?)", hash, t0.UTC()).Error
}

// nonceExists reports whether the used_nonces row hash is committed.
func nonceExists(t *testing.T, s *db.Store, hash string) bool {
	t.Helper()
	var n int64
	err := s.Transact(t.Context(), func(tx *gorm.DB) error {
		return tx.Raw("SELECT COUNT(*) FROM used_nonces WHERE hash = ?", hash).Scan(&n).Error
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	return n == 1
}

var errPlanned = errors.New("planned failure")

// transactModes are the ways a call may go to the committer: each one with
// savepoints, each one re-runnable (no savepoints until one fails), and both
// in one batch.
var transactModes = []struct {
	name       string
	rerunnable func(i int) bool
}{
	{"savepoints", func(int) bool { return false }},
	{"rerunnable", func(int) bool { return true }},
	{"mixed", func(i int) bool { return i%3 != 0 }},
}

// eachMode runs fn for every store (dbtest.Each) and every transact mode.
func eachMode(t *testing.T, fn func(t *testing.T, s *db.Store, rerunnable func(i int) bool)) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		for _, m := range transactModes {
			t.Run(m.name, func(t *testing.T) {
				if err := s.Transact(t.Context(), func(tx *gorm.DB) error {
					return tx.Exec("DELETE FROM used_nonces").Error
				}, false); err != nil {
					t.Fatal(err)
				}
				fn(t, s, m.rerunnable)
			})
		}
	})
}

// TestTransactConcurrentFailures runs many concurrent transactions, a third
// of which fail after writing (by returning an error, or by a statement that
// violates the primary key), and checks that each failed one left nothing and
// each successful one kept all its writes: on SQLite they share commits.
func TestTransactConcurrentFailures(t *testing.T) {
	eachMode(t, func(t *testing.T, s *db.Store, rerunnable func(int) bool) {
		ctx := t.Context()
		if err := s.Transact(ctx, func(tx *gorm.DB) error { return insertNonce(tx, "taken") }, false); err != nil {
			t.Fatal(err)
		}
		const calls = 300
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			errs  = make([]error, calls)
		)
		for i := range calls {
			wg.Go(func() {
				<-start
				errs[i] = s.Transact(ctx, func(tx *gorm.DB) error {
					if err := insertNonce(tx, fmt.Sprintf("n%03d-a", i)); err != nil {
						return err
					}
					switch i % 6 {
					case 1:
						return errPlanned
					case 4:
						// A failing statement after a write; the
						// transaction of the others goes on.
						if err := insertNonce(tx, "taken"); err != nil {
							return err
						}
						return errors.New("duplicate was accepted")
					}
					return insertNonce(tx, fmt.Sprintf("n%03d-b", i))
				}, rerunnable(i))
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			a, b := nonceExists(t, s, fmt.Sprintf("n%03d-a", i)), nonceExists(t, s, fmt.Sprintf("n%03d-b", i))
			switch i % 6 {
			case 1:
				if !errors.Is(err, errPlanned) {
					t.Errorf("call %d: error %v, want errPlanned", i, err)
				}
			case 4:
				if err == nil || !strings.Contains(strings.ToLower(err.Error()), "duplicate") && !strings.Contains(strings.ToLower(err.Error()), "unique") {
					t.Errorf("call %d: error %v, want a duplicate key error", i, err)
				}
			default:
				if err != nil {
					t.Errorf("call %d: %v", i, err)
				}
				if !a || !b {
					t.Errorf("call %d succeeded but rows a=%v b=%v are committed", i, a, b)
				}
				continue
			}
			if a || b {
				t.Errorf("call %d failed but left rows a=%v b=%v", i, a, b)
			}
		}
	})
}

// TestTransactPanic checks that a panicking transaction is rolled back, its
// panic reaches its caller, and the concurrent transactions are kept.
func TestTransactPanic(t *testing.T) {
	eachMode(t, func(t *testing.T, s *db.Store, rerunnable func(int) bool) {
		ctx := t.Context()
		const calls = 40
		var (
			wg     sync.WaitGroup
			start  = make(chan struct{})
			errs   = make([]error, calls)
			panics = make([]any, calls)
		)
		for i := range calls {
			wg.Go(func() {
				defer func() { panics[i] = recover() }()
				<-start
				errs[i] = s.Transact(ctx, func(tx *gorm.DB) error {
					if err := insertNonce(tx, fmt.Sprintf("p%02d", i)); err != nil {
						return err
					}
					if i%10 == 3 {
						panic(fmt.Sprintf("boom %d", i))
					}
					return nil
				}, rerunnable(i))
			})
		}
		close(start)
		wg.Wait()
		for i := range calls {
			kept := nonceExists(t, s, fmt.Sprintf("p%02d", i))
			if i%10 == 3 {
				if p := fmt.Sprint(panics[i]); !strings.Contains(p, fmt.Sprintf("boom %d", i)) {
					t.Errorf("call %d: panic %q, want boom %d", i, p, i)
				}
				if kept {
					t.Errorf("call %d panicked but its row is committed", i)
				}
				continue
			}
			if panics[i] != nil || errs[i] != nil || !kept {
				t.Errorf("call %d: panic %v, error %v, row committed %v", i, panics[i], errs[i], kept)
			}
		}
		// The store still writes after the panics.
		if err := s.Transact(ctx, func(tx *gorm.DB) error { return insertNonce(tx, "after") }, false); err != nil {
			t.Fatal(err)
		}
	})
}

// TestTransactCancelledWhileQueued checks that on SQLite a transaction whose
// context ends while it waits behind another does not run.
func TestTransactCancelledWhileQueued(t *testing.T) {
	s := dbtest.SQLite(t)
	started, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.Transact(t.Context(), func(tx *gorm.DB) error {
			close(started)
			<-release
			return insertNonce(tx, "first")
		}, false)
	}()
	<-started
	ctx, cancel := context.WithCancel(t.Context())
	ran := false
	queued := make(chan error, 1)
	go func() {
		queued <- s.Transact(ctx, func(tx *gorm.DB) error {
			ran = true
			return insertNonce(tx, "cancelled")
		}, true)
	}()
	time.Sleep(50 * time.Millisecond) // let it queue
	cancel()
	if err := <-queued; !errors.Is(err, context.Canceled) {
		t.Errorf("queued transaction: error %v, want context.Canceled", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := s.Transact(t.Context(), func(tx *gorm.DB) error { return insertNonce(tx, "next") }, false); err != nil {
		t.Fatal(err)
	}
	if ran || nonceExists(t, s, "cancelled") {
		t.Error("the cancelled transaction ran")
	}
	if !nonceExists(t, s, "first") || !nonceExists(t, s, "next") {
		t.Error("a transaction was lost")
	}
}
