package db_test

import (
	"errors"
	"testing"
	"time"

	"credmint/app/audit"
	"credmint/app/issuance"
	"credmint/db"
	"credmint/db/dbtest"
)

func TestRedeemOffer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		createOffer(t, s, "o1", nil)
		tok := redeem(t, s, "o1", "t1")
		got, err := s.AccessToken(t.Context(), tok.Hash)
		if err != nil {
			t.Fatalf("AccessToken: %v", err)
		}
		diff(t, "AccessToken", got, tok)
		o := mustOffer(t, s, "o1")
		if o.State != issuance.OfferRedeemed || o.RedeemedAt == nil || !o.RedeemedAt.Equal(t0) {
			t.Errorf("redeemed offer: got state %s, redeemed_at %v, want redeemed at %v", o.State, o.RedeemedAt, t0)
		}
		wantActions(t, s, "o1", "offer.created", "token.issued")

		// The code is single-use: a second redemption is refused and
		// writes neither a token nor an event.
		second := newToken("t2", "o1")
		if err := s.RedeemOffer(t.Context(), "o1", t0, second, event("token.issued", "o1")); !errors.Is(err, issuance.ErrConflict) {
			t.Errorf("second RedeemOffer: got %v, want ErrConflict", err)
		}
		if _, err := s.AccessToken(t.Context(), second.Hash); !errors.Is(err, issuance.ErrNotFound) {
			t.Errorf("token of refused redemption: got %v, want ErrNotFound", err)
		}
		wantActions(t, s, "o1", "offer.created", "token.issued")
	})
}

// whole is a time on a whole second, after t0.
var whole = t0.Truncate(time.Second).Add(30 * time.Minute)

// expiresAt is an edit for createOffer that sets the expiry.
func expiresAt(at time.Time) func(*issuance.Offer) {
	return func(o *issuance.Offer) { o.ExpiresAt = at }
}

func TestRedeemOfferRefused(t *testing.T) {
	tests := []struct {
		name string
		edit func(*issuance.Offer)
		now  time.Time
		ok   bool
	}{
		{"created", nil, t0, true},
		{"fetched", inState(issuance.OfferFetched), t0, true},
		{"just before expiry", nil, t0.Add(time.Hour - time.Microsecond), true},
		{"at expiry", nil, t0.Add(time.Hour), false},
		{"after expiry", nil, t0.Add(24 * time.Hour), false},
		// SQLite compares text: a whole-second time has no fraction.
		{"whole-second expiry, 0.5s before", expiresAt(whole), whole.Add(-500 * time.Millisecond), true},
		{"whole-second expiry, 0.5s after", expiresAt(whole), whole.Add(500 * time.Millisecond), false},
		{"redeemed", inState(issuance.OfferRedeemed), t0, false},
		{"credential_issued", inState(issuance.OfferIssued), t0, false},
		{"accepted", inState(issuance.OfferAccepted), t0, false},
		{"locked", inState(issuance.OfferLocked), t0, false},
		{"revoked", inState(issuance.OfferRevoked), t0, false},
	}
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		for i, tt := range tests {
			o := createOffer(t, s, "o"+string(rune('a'+i)), tt.edit)
			tok := newToken("t"+o.ID, o.ID)
			err := s.RedeemOffer(t.Context(), o.ID, tt.now, tok, event("token.issued", o.ID))
			state := mustOffer(t, s, o.ID).State
			_, tokErr := s.AccessToken(t.Context(), tok.Hash)
			if tt.ok {
				if err != nil || state != issuance.OfferRedeemed || tokErr != nil {
					t.Errorf("%s: got %v, state %s, token lookup %v, want redeemed with token", tt.name, err, state, tokErr)
				}
				continue
			}
			if !errors.Is(err, issuance.ErrConflict) || state != o.State || !errors.Is(tokErr, issuance.ErrNotFound) {
				t.Errorf("%s: got %v, state %s, token lookup %v, want ErrConflict, state %s, no token", tt.name, err, state, tokErr, o.State)
			}
			wantActions(t, s, o.ID, "offer.created")
		}
		if err := s.RedeemOffer(t.Context(), "nope", t0, newToken("tx", "nope"), event("token.issued", "nope")); !errors.Is(err, issuance.ErrConflict) {
			t.Errorf("unknown offer: got %v, want ErrConflict", err)
		}
	})
}

// A failure after the conditional update (here a duplicate token hash, then
// an unusable audit event) rolls the redemption back.
func TestRedeemOfferRollsBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		createOffer(t, s, "o1", nil)
		createOffer(t, s, "o2", nil)
		redeem(t, s, "o1", "t1")

		dup := newToken("t2", "o2")
		dup.Hash = hash("token-t1")
		if err := s.RedeemOffer(t.Context(), "o2", t0, dup, event("token.issued", "o2")); !errors.Is(err, issuance.ErrConflict) {
			t.Errorf("duplicate token hash: got %v, want ErrConflict", err)
		}
		if st := mustOffer(t, s, "o2").State; st != issuance.OfferCreated {
			t.Errorf("offer after refused token: got state %s, want created", st)
		}

		err := s.RedeemOffer(t.Context(), "o2", t0, newToken("t3", "o2"), audit.Event{})
		if err == nil {
			t.Errorf("RedeemOffer with an empty audit event: got nil error, want one")
		}
		if st := mustOffer(t, s, "o2").State; st != issuance.OfferCreated {
			t.Errorf("offer after failed audit insert: got state %s, want created", st)
		}
		if _, err := s.AccessToken(t.Context(), newToken("t3", "o2").Hash); !errors.Is(err, issuance.ErrNotFound) {
			t.Errorf("token after failed audit insert: got %v, want ErrNotFound", err)
		}
		wantActions(t, s, "o2", "offer.created")
	})
}

func TestAccessTokenRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		createOffer(t, s, "o1", nil)
		createOffer(t, s, "o2", nil)
		createOffer(t, s, "o3", nil)
		bare := newToken("bare", "")
		bare.CredentialIdentifiers, bare.ClientID = nil, ""
		empty := newToken("empty", "o3")
		empty.CredentialIdentifiers = map[string]string{}
		revoked := newToken("revoked", "o2")
		revoked.RevokedAt = ptr(t0.Add(time.Minute))
		for _, c := range []struct {
			offer string
			tok   *issuance.AccessToken
		}{{"o1", bare}, {"o2", revoked}, {"o3", empty}} {
			if err := s.RedeemOffer(t.Context(), c.offer, t0, c.tok, event("token.issued", c.offer)); err != nil {
				t.Fatalf("RedeemOffer(%s): %v", c.offer, err)
			}
		}
		bare.OfferID = "o1" // an empty OfferID is the redeemed offer's
		for _, want := range []*issuance.AccessToken{bare, revoked, empty} {
			got, err := s.AccessToken(t.Context(), want.Hash)
			if err != nil {
				t.Fatalf("AccessToken(%s): %v", want.ID, err)
			}
			diff(t, "AccessToken("+want.ID+")", got, want)
		}
		if _, err := s.AccessToken(t.Context(), hash("nope")); !errors.Is(err, issuance.ErrNotFound) {
			t.Errorf("AccessToken(unknown): got %v, want ErrNotFound", err)
		}
		err := s.RedeemOffer(t.Context(), "o3", t0, newToken("x", "o1"), event("token.issued", "o3"))
		if err == nil || errors.Is(err, issuance.ErrConflict) {
			t.Errorf("RedeemOffer with a token for another offer: got %v, want a plain error", err)
		}
	})
}

func TestUseNonce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		exp := t0.Add(5 * time.Minute)
		if err := s.UseNonce(t.Context(), hash("n1"), exp); err != nil {
			t.Fatalf("UseNonce: %v", err)
		}
		if err := s.UseNonce(t.Context(), hash("n1"), exp); !errors.Is(err, issuance.ErrConflict) {
			t.Errorf("UseNonce again: got %v, want ErrConflict", err)
		}
		if err := s.UseNonce(t.Context(), hash("n2"), exp); err != nil {
			t.Errorf("UseNonce(another nonce): %v", err)
		}
	})
}

func TestPurgeExpired(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		nonces := map[string]time.Time{
			"past":     t0.Add(-time.Minute),
			"now":      t0,
			"future":   t0.Add(time.Microsecond),
			"tomorrow": t0.Add(24 * time.Hour),
		}
		for n, exp := range nonces {
			if err := s.UseNonce(t.Context(), hash(n), exp); err != nil {
				t.Fatalf("UseNonce(%s): %v", n, err)
			}
		}
		n, err := s.PurgeExpired(t.Context(), t0)
		if err != nil || n != 2 {
			t.Fatalf("PurgeExpired: got %d, %v, want 2", n, err)
		}
		for name, wantUsed := range map[string]bool{"past": false, "now": false, "future": true, "tomorrow": true} {
			err := s.UseNonce(t.Context(), hash(name), t0.Add(time.Hour))
			if used := errors.Is(err, issuance.ErrConflict); used != wantUsed || (err != nil && !used) {
				t.Errorf("nonce %s after purge: UseNonce got %v, want still used = %v", name, err, wantUsed)
			}
		}
	})
}
