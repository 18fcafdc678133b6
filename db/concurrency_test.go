package db_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"credmint/app/audit"
	"credmint/app/issuance"
	"credmint/db"
	"credmint/db/dbtest"
)

// racers is how many goroutines compete for one single-use value.
const racers = 50

// race runs fn(i) for i in [0, racers) at once and returns the errors.
func race(fn func(i int) error) []error {
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make([]error, racers)
	)
	for i := range racers {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// tally counts nil errors and ErrConflict, and reports any other error.
func tally(t *testing.T, errs []error) (ok, conflicts int) {
	t.Helper()
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, issuance.ErrConflict):
			conflicts++
		default:
			t.Errorf("racer %d: unexpected error %v", i, err)
		}
	}
	return ok, conflicts
}

func TestRedeemOfferConcurrently(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		createOffer(t, s, "o1", nil)
		tokens := make([]*issuance.AccessToken, racers)
		for i := range tokens {
			tokens[i] = newToken(fmt.Sprintf("t%02d", i), "o1")
		}
		errs := race(func(i int) error {
			return s.RedeemOffer(t.Context(), "o1", t0, tokens[i], event("token.issued", "o1"))
		})
		if ok, conflicts := tally(t, errs); ok != 1 || conflicts != racers-1 {
			t.Errorf("RedeemOffer by %d racers: got %d successes and %d conflicts, want 1 and %d", racers, ok, conflicts, racers-1)
		}
		var stored []string
		for _, tok := range tokens {
			switch _, err := s.AccessToken(t.Context(), tok.Hash); {
			case err == nil:
				stored = append(stored, tok.ID)
			case !errors.Is(err, issuance.ErrNotFound):
				t.Fatalf("AccessToken(%s): %v", tok.ID, err)
			}
		}
		winner := slices.IndexFunc(errs, func(err error) bool { return err == nil })
		if len(stored) != 1 || winner < 0 || stored[0] != tokens[winner].ID {
			t.Errorf("stored tokens: got %v, want only the winner's", stored)
		}
		wantActions(t, s, "o1", "offer.created", "token.issued")
	})
}

func TestReserveTxCodeAttemptConcurrently(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		createOffer(t, s, "o1", func(o *issuance.Offer) { o.MaxTxCodeAttempts = 5 })
		attempts := make([]int, racers)
		errs := race(func(i int) error {
			var err error
			attempts[i], err = s.ReserveTxCodeAttempt(t.Context(), "o1", t0)
			return err
		})
		if ok, conflicts := tally(t, errs); ok != 5 || conflicts != racers-5 {
			t.Errorf("ReserveTxCodeAttempt by %d racers: got %d successes and %d conflicts, want 5 and %d", racers, ok, conflicts, racers-5)
		}
		var got []int
		for i, n := range attempts {
			if errs[i] == nil {
				got = append(got, n)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
			t.Errorf("attempt numbers handed out: got %v, want 1..5 once each", got)
		}
		if n := mustOffer(t, s, "o1").TxCodeAttempts; n != 5 {
			t.Errorf("stored attempts: got %d, want 5", n)
		}
	})
}

func TestUseNonceConcurrently(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		errs := race(func(int) error { return s.UseNonce(t.Context(), hash("n1"), t0) })
		if ok, conflicts := tally(t, errs); ok != 1 || conflicts != racers-1 {
			t.Errorf("UseNonce by %d racers: got %d successes and %d conflicts, want 1 and %d", racers, ok, conflicts, racers-1)
		}
	})
}

// Two stores on one SQLite file stand for two processes (credmint serve and
// a CLI command): the busy timeout and BEGIN IMMEDIATE keep them from
// failing, and the conditional update still lets exactly one win.
func TestRedeemOfferConcurrentlyTwoSQLiteStores(t *testing.T) {
	url := "sqlite:" + filepath.Join(t.TempDir(), "credmint.db")
	stores := make([]*db.Store, 2)
	for i := range stores {
		s, err := db.Open(t.Context(), url, db.Options{})
		if err != nil {
			t.Fatalf("Open #%d: %v", i, err)
		}
		t.Cleanup(func() { s.Close() })
		if _, err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate #%d: %v", i, err)
		}
		stores[i] = s
	}
	createOffer(t, stores[0], "o1", nil)
	errs := race(func(i int) error {
		tok := newToken(fmt.Sprintf("t%02d", i), "o1")
		return stores[i%2].RedeemOffer(t.Context(), "o1", t0, tok, event("token.issued", "o1"))
	})
	if ok, conflicts := tally(t, errs); ok != 1 || conflicts != racers-1 {
		t.Errorf("RedeemOffer by %d racers on two stores: got %d successes and %d conflicts, want 1 and %d", racers, ok, conflicts, racers-1)
	}
	// RevokeAPIKey reads before it writes.
	for i := range racers {
		createAPIKey(t, stores[0], fmt.Sprintf("k%02d", i), fmt.Sprintf("key %02d", i), 0)
	}
	errs = race(func(i int) error {
		_, err := stores[i%2].RevokeAPIKey(t.Context(), fmt.Sprintf("key %02d", i), t0, audit.Event{At: t0, Action: "api_key.revoked", SubjectType: "api_key"})
		return err
	})
	if ok, _ := tally(t, errs); ok != racers {
		t.Errorf("RevokeAPIKey by %d racers on two stores: got %d without error, want all", racers, ok)
	}
}
