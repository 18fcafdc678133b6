package db_test

import (
	"errors"
	"testing"
	"time"

	"credmint/app/issuance"
	"credmint/db"
	"credmint/db/dbtest"
)

// allStates are the stored offer states.
var allStates = []issuance.OfferState{
	issuance.OfferCreated, issuance.OfferFetched, issuance.OfferRedeemed, issuance.OfferIssued,
	issuance.OfferAccepted, issuance.OfferRevoked, issuance.OfferLocked,
}

func TestOfferRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		full := createOffer(t, s, "full", func(o *issuance.Offer) {
			o.State = issuance.OfferIssued
			o.TxCodeAttempts = 2
			for _, p := range []**time.Time{&o.FetchedAt, &o.RedeemedAt, &o.IssuedAt, &o.AcceptedAt, &o.RevokedAt, &o.LockedAt} {
				*p = ptr(t0.Add(time.Minute))
			}
		})
		bare := createOffer(t, s, "bare", func(o *issuance.Offer) {
			o.TxCode, o.TxCodeHash, o.MaxTxCodeAttempts = nil, "", 0
			o.ConfigurationIDs = []string{"pid"}
			o.ByReference, o.CreatedBy = false, ""
		})
		for _, want := range []*issuance.Offer{full, bare} {
			got := mustOffer(t, s, want.ID)
			diff(t, "Offer("+want.ID+")", got, want)
			if got.CreatedAt.Location() != time.UTC {
				t.Errorf("Offer(%s).CreatedAt location: got %v, want UTC", want.ID, got.CreatedAt.Location())
			}
			byHandle, err := s.OfferByHandle(t.Context(), want.HandleHash)
			if err != nil {
				t.Fatalf("OfferByHandle: %v", err)
			}
			diff(t, "OfferByHandle", byHandle, want)
			byCode, err := s.OfferByCode(t.Context(), want.CodeHash)
			if err != nil {
				t.Fatalf("OfferByCode: %v", err)
			}
			diff(t, "OfferByCode", byCode, want)
		}
		wantActions(t, s, "full", "offer.created")
	})
}

func TestOfferNotFound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		createOffer(t, s, "o1", nil)
		lookups := map[string]func() (*issuance.Offer, error){
			"Offer":         func() (*issuance.Offer, error) { return s.Offer(t.Context(), "nope") },
			"OfferByHandle": func() (*issuance.Offer, error) { return s.OfferByHandle(t.Context(), hash("nope")) },
			"OfferByCode":   func() (*issuance.Offer, error) { return s.OfferByCode(t.Context(), hash("handle-o1")) },
		}
		for name, lookup := range lookups {
			if o, err := lookup(); !errors.Is(err, issuance.ErrNotFound) {
				t.Errorf("%s: got %v, %v, want ErrNotFound", name, o, err)
			}
		}
	})
}

func TestCreateOfferConflict(t *testing.T) {
	tests := []struct {
		name string
		edit func(*issuance.Offer)
	}{
		{"same id", func(o *issuance.Offer) { o.HandleHash, o.CodeHash = hash("h2"), hash("c2") }},
		{"same handle hash", func(o *issuance.Offer) { o.ID, o.CodeHash = "o2", hash("c2") }},
		{"same code hash", func(o *issuance.Offer) { o.ID, o.HandleHash = "o2", hash("h2") }},
	}
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		createOffer(t, s, "o1", nil)
		for _, tt := range tests {
			o := newOffer("o1")
			tt.edit(o)
			err := s.CreateOffer(t.Context(), o, event("offer.created", o.ID))
			if !errors.Is(err, issuance.ErrConflict) {
				t.Errorf("%s: got %v, want ErrConflict", tt.name, err)
			}
		}
		wantActions(t, s, "o1", "offer.created")
		wantActions(t, s, "o2")
	})
}

func TestMarkOfferFetched(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		for _, st := range allStates {
			id := string(st)
			createOffer(t, s, id, inState(st))
			at := t0.Add(time.Minute)
			if err := s.MarkOfferFetched(t.Context(), id, at, event("offer.fetched", id)); err != nil {
				t.Errorf("MarkOfferFetched(%s): %v", st, err)
				continue
			}
			got := mustOffer(t, s, id)
			if st != issuance.OfferCreated {
				if got.State != st || got.FetchedAt != nil {
					t.Errorf("MarkOfferFetched(%s): got state %s, fetched_at %v, want unchanged", st, got.State, got.FetchedAt)
				}
				wantActions(t, s, id, "offer.created")
				continue
			}
			if got.State != issuance.OfferFetched || got.FetchedAt == nil || !got.FetchedAt.Equal(at) {
				t.Errorf("MarkOfferFetched(created): got state %s, fetched_at %v, want fetched at %v", got.State, got.FetchedAt, at)
			}
			wantActions(t, s, id, "offer.created", "offer.fetched")
		}
		if err := s.MarkOfferFetched(t.Context(), "nope", t0, event("offer.fetched", "nope")); !errors.Is(err, issuance.ErrNotFound) {
			t.Errorf("MarkOfferFetched(unknown): got %v, want ErrNotFound", err)
		}
		wantActions(t, s, "nope")
	})
}

func TestLockOffer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		for _, st := range allStates {
			id := string(st)
			createOffer(t, s, id, inState(st))
			at := t0.Add(time.Minute)
			err := s.LockOffer(t.Context(), id, at, event("offer.locked", id))
			got := mustOffer(t, s, id)
			if st != issuance.OfferCreated && st != issuance.OfferFetched {
				if !errors.Is(err, issuance.ErrConflict) || got.State != st || got.LockedAt != nil {
					t.Errorf("LockOffer(%s): got %v, state %s, locked_at %v, want ErrConflict and no change", st, err, got.State, got.LockedAt)
				}
				wantActions(t, s, id, "offer.created")
				continue
			}
			if err != nil || got.State != issuance.OfferLocked || got.LockedAt == nil || !got.LockedAt.Equal(at) {
				t.Errorf("LockOffer(%s): got %v, state %s, locked_at %v, want locked at %v", st, err, got.State, got.LockedAt, at)
			}
			wantActions(t, s, id, "offer.created", "offer.locked")
		}
		if err := s.LockOffer(t.Context(), "nope", t0, event("offer.locked", "nope")); !errors.Is(err, issuance.ErrNotFound) {
			t.Errorf("LockOffer(unknown): got %v, want ErrNotFound", err)
		}
	})
}

func TestRevokeOffer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		for _, st := range allStates {
			id := string(st)
			createOffer(t, s, id, inState(st))
			at := t0.Add(time.Minute)
			err := s.RevokeOffer(t.Context(), id, at, event("offer.revoked", id))
			got := mustOffer(t, s, id)
			if st == issuance.OfferRevoked {
				if !errors.Is(err, issuance.ErrConflict) || got.RevokedAt != nil {
					t.Errorf("RevokeOffer(revoked): got %v, revoked_at %v, want ErrConflict and no change", err, got.RevokedAt)
				}
				wantActions(t, s, id, "offer.created")
				continue
			}
			if err != nil || got.State != issuance.OfferRevoked || got.RevokedAt == nil || !got.RevokedAt.Equal(at) {
				t.Errorf("RevokeOffer(%s): got %v, state %s, revoked_at %v, want revoked at %v", st, err, got.State, got.RevokedAt, at)
			}
			wantActions(t, s, id, "offer.created", "offer.revoked")
		}
		if err := s.RevokeOffer(t.Context(), "nope", t0, event("offer.revoked", "nope")); !errors.Is(err, issuance.ErrNotFound) {
			t.Errorf("RevokeOffer(unknown): got %v, want ErrNotFound", err)
		}
	})
}

func TestRevokeOfferRevokesTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		createOffer(t, s, "o1", nil)
		createOffer(t, s, "o2", nil)
		tok := redeem(t, s, "o1", "t1")
		other := redeem(t, s, "o2", "t2")
		at := t0.Add(5 * time.Minute)
		if err := s.RevokeOffer(t.Context(), "o1", at, event("offer.revoked", "o1")); err != nil {
			t.Fatalf("RevokeOffer: %v", err)
		}
		got, err := s.AccessToken(t.Context(), tok.Hash)
		if err != nil {
			t.Fatalf("AccessToken: %v", err)
		}
		if got.RevokedAt == nil || !got.RevokedAt.Equal(at) {
			t.Errorf("token of revoked offer: got revoked_at %v, want %v", got.RevokedAt, at)
		}
		// A second revocation is refused and leaves the token's time alone.
		if err := s.RevokeOffer(t.Context(), "o1", at.Add(time.Hour), event("offer.revoked", "o1")); !errors.Is(err, issuance.ErrConflict) {
			t.Errorf("second RevokeOffer: got %v, want ErrConflict", err)
		}
		if got, _ := s.AccessToken(t.Context(), tok.Hash); got.RevokedAt == nil || !got.RevokedAt.Equal(at) {
			t.Errorf("token after second revocation: got revoked_at %v, want %v", got.RevokedAt, at)
		}
		if got, _ := s.AccessToken(t.Context(), other.Hash); got.RevokedAt != nil {
			t.Errorf("token of another offer: got revoked_at %v, want nil", got.RevokedAt)
		}
		wantActions(t, s, "o1", "offer.created", "token.issued", "offer.revoked")
	})
}

func TestReserveTxCodeAttempt(t *testing.T) {
	tests := []struct {
		name string
		edit func(*issuance.Offer)
		now  time.Time
		want int // 0: ErrConflict
	}{
		{"created", nil, t0, 1},
		{"fetched", inState(issuance.OfferFetched), t0, 1},
		{"counts on", func(o *issuance.Offer) { o.TxCodeAttempts = 3 }, t0, 4},
		{"last attempt", func(o *issuance.Offer) { o.TxCodeAttempts = 4 }, t0, 5},
		{"none left", func(o *issuance.Offer) { o.TxCodeAttempts = 5 }, t0, 0},
		{"no tx_code attempts allowed", func(o *issuance.Offer) { o.MaxTxCodeAttempts = 0 }, t0, 0},
		{"just before expiry", nil, t0.Add(time.Hour - time.Microsecond), 1},
		{"at expiry", nil, t0.Add(time.Hour), 0},
		{"after expiry", nil, t0.Add(2 * time.Hour), 0},
		{"redeemed", inState(issuance.OfferRedeemed), t0, 0},
		{"locked", inState(issuance.OfferLocked), t0, 0},
		{"revoked", inState(issuance.OfferRevoked), t0, 0},
		{"credential_issued", inState(issuance.OfferIssued), t0, 0},
	}
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		for i, tt := range tests {
			o := createOffer(t, s, "o"+string(rune('a'+i)), tt.edit)
			got, err := s.ReserveTxCodeAttempt(t.Context(), o.ID, tt.now)
			attempts := mustOffer(t, s, o.ID).TxCodeAttempts
			if tt.want == 0 {
				if !errors.Is(err, issuance.ErrConflict) || attempts != o.TxCodeAttempts {
					t.Errorf("%s: got %d, %v, stored attempts %d, want ErrConflict and %d", tt.name, got, err, attempts, o.TxCodeAttempts)
				}
				continue
			}
			if err != nil || got != tt.want || attempts != tt.want {
				t.Errorf("%s: got %d, %v, stored attempts %d, want %d", tt.name, got, err, attempts, tt.want)
			}
		}
		if _, err := s.ReserveTxCodeAttempt(t.Context(), "nope", t0); !errors.Is(err, issuance.ErrConflict) {
			t.Errorf("unknown offer: got %v, want ErrConflict", err)
		}
	})
}

func TestReserveTxCodeAttemptStopsAtMaximum(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		createOffer(t, s, "o1", func(o *issuance.Offer) { o.MaxTxCodeAttempts = 3 })
		for want := 1; want <= 3; want++ {
			if got, err := s.ReserveTxCodeAttempt(t.Context(), "o1", t0); err != nil || got != want {
				t.Fatalf("attempt %d: got %d, %v, want %d", want, got, err, want)
			}
		}
		for range 2 {
			if got, err := s.ReserveTxCodeAttempt(t.Context(), "o1", t0); !errors.Is(err, issuance.ErrConflict) {
				t.Errorf("attempt past the maximum: got %d, %v, want ErrConflict", got, err)
			}
		}
		if got := mustOffer(t, s, "o1").TxCodeAttempts; got != 3 {
			t.Errorf("stored attempts: got %d, want 3", got)
		}
	})
}
