package db_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"credmint/app/issuance"
	"credmint/db"
	"credmint/db/dbtest"
)

// newDeferred returns a pending deferred request for token tokenID of offer
// offerID, expiring an hour after t0.
func newDeferred(id, offerID, tokenID string) *issuance.DeferredRequest {
	return &issuance.DeferredRequest{ID: id, TransactionHash: hash("tx-" + id), AccessTokenID: tokenID, OfferID: offerID,
		ConfigurationID: "pid", HolderKeys: []byte(`[{"kty":"EC"}]`), ClaimsSealed: []byte("sealed"),
		Reasons: []string{issuance.ReasonManualPolicy}, State: issuance.DeferredPending, OfferCreatedBy: "usr_1",
		CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
}

// TestDeferredLifecycle: create, find by id and transaction hash, approve
// (once), collect with the issuance record (exactly once of many
// concurrent attempts), and the offer moves to credential_issued.
func TestDeferredLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		createOffer(t, s, "off_1", nil)
		redeem(t, s, "off_1", "tok_1")
		d := newDeferred("dfr_1", "off_1", "tok_1")
		if err := s.CreateDeferred(ctx, d, event("deferred.created", "dfr_1")); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateDeferred(ctx, d, event("deferred.created", "dfr_1")); !errors.Is(err, issuance.ErrConflict) {
			t.Fatalf("second create: got %v, want ErrConflict", err)
		}
		got, err := s.DeferredByTransaction(ctx, d.TransactionHash)
		if err != nil {
			t.Fatal(err)
		}
		want := *d
		want.CreatedAt, want.ExpiresAt = t0.UTC(), t0.Add(time.Hour).UTC()
		diff(t, "deferred request", got, &want)
		if _, err := s.Deferred(ctx, "dfr_none"); !errors.Is(err, issuance.ErrNotFound) {
			t.Fatalf("unknown id: got %v, want ErrNotFound", err)
		}

		creds := []issuance.IssuedCredential{{ID: "crd_1", OfferID: "off_1", AccessTokenID: "tok_1", ConfigurationID: "pid", Format: "dc+sd-jwt", NotificationID: "n1", IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}}
		if err := s.CollectDeferred(ctx, "dfr_1", t0, creds, event("credential.issued", "dfr_1")); !errors.Is(err, issuance.ErrConflict) {
			t.Fatalf("collect while pending: got %v, want ErrConflict", err)
		}
		at := t0.Add(time.Minute)
		if err := s.DecideDeferred(ctx, "dfr_1", issuance.DeferredApproved, "usr_2", "", []byte("edited"), at, event("deferred.approved", "dfr_1")); err != nil {
			t.Fatal(err)
		}
		if err := s.DecideDeferred(ctx, "dfr_1", issuance.DeferredRejected, "usr_3", "late", nil, at, event("deferred.rejected", "dfr_1")); !errors.Is(err, issuance.ErrConflict) {
			t.Fatalf("reject after approval: got %v, want ErrConflict", err)
		}
		got, _ = s.Deferred(ctx, "dfr_1")
		if got.State != issuance.DeferredApproved || got.ApprovedBy != "usr_2" || string(got.ClaimsSealed) != "edited" || got.DecidedAt == nil {
			t.Fatalf("after approval: got %+v", got)
		}

		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				c := creds[0]
				c.ID = "crd_" + string(rune('a'+i))
				err := s.CollectDeferred(ctx, "dfr_1", at, []issuance.IssuedCredential{c}, event("credential.issued", "dfr_1"))
				switch {
				case err == nil:
					wins.Add(1)
				case !errors.Is(err, issuance.ErrConflict):
					t.Errorf("collect: %v", err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("concurrent collections: %d succeeded, want 1", wins.Load())
		}
		if got, _ := s.Deferred(ctx, "dfr_1"); got.State != issuance.DeferredIssued || got.CollectedAt == nil {
			t.Fatalf("after collection: got %+v", got)
		}
		if o := mustOffer(t, s, "off_1"); o.State != issuance.OfferIssued {
			t.Errorf("offer state: got %s, want %s", o.State, issuance.OfferIssued)
		}
	})
}

// TestDeferredRejectExpireList: rejection keeps the reason; expired
// requests cannot be decided and housekeeping marks them; the list filters
// by state and configuration, oldest first.
func TestDeferredRejectExpireList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		for i, id := range []string{"dfr_a", "dfr_b", "dfr_c"} {
			d := newDeferred(id, "", "tok_x")
			d.CreatedAt = t0.Add(time.Duration(i) * time.Second)
			if id == "dfr_c" {
				d.ConfigurationID = "other"
			}
			if err := s.CreateDeferred(ctx, d, event("deferred.created", id)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.DecideDeferred(ctx, "dfr_a", issuance.DeferredRejected, "usr_2", "not eligible", nil, t0, event("deferred.rejected", "dfr_a")); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Deferred(ctx, "dfr_a"); got.State != issuance.DeferredRejected || got.RejectReason != "not eligible" || got.RejectedBy != "usr_2" {
			t.Fatalf("after rejection: got %+v", got)
		}
		late := t0.Add(2 * time.Hour)
		if err := s.DecideDeferred(ctx, "dfr_b", issuance.DeferredApproved, "usr_2", "", nil, late, event("deferred.approved", "dfr_b")); !errors.Is(err, issuance.ErrConflict) {
			t.Fatalf("approve after expiry: got %v, want ErrConflict", err)
		}
		pending, err := s.ListDeferred(ctx, issuance.DeferredFilter{State: issuance.DeferredPending})
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) != 2 || pending[0].ID != "dfr_b" || pending[1].ID != "dfr_c" {
			t.Fatalf("pending list: got %d %+v", len(pending), pending)
		}
		if l, _ := s.ListDeferred(ctx, issuance.DeferredFilter{ConfigurationID: "other"}); len(l) != 1 || l[0].ID != "dfr_c" {
			t.Fatalf("list by configuration: got %+v", l)
		}
		n, err := s.ExpireDeferred(ctx, late)
		if err != nil || n != 2 {
			t.Fatalf("ExpireDeferred: got %d, %v; want 2", n, err)
		}
		if got, _ := s.Deferred(ctx, "dfr_b"); got.State != issuance.DeferredExpired {
			t.Fatalf("after housekeeping: got %s, want expired", got.State)
		}
	})
}

// TestDeferredListByOfferAndCount: the OfferID filter returns the requests
// of one offer only (the landing page reads the latest of them), and the
// dashboard's count sees pending and unexpired requests only.
func TestDeferredListByOfferAndCount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		createOffer(t, s, "off_1", nil)
		createOffer(t, s, "off_2", nil)
		redeem(t, s, "off_1", "tok_1")
		redeem(t, s, "off_2", "tok_2")
		for i, r := range []struct{ id, offer, token string }{
			{"dfr_1a", "off_1", "tok_1"}, {"dfr_2a", "off_2", "tok_2"}, {"dfr_1b", "off_1", "tok_1"}, {"dfr_none", "", "tok_x"},
		} {
			d := newDeferred(r.id, r.offer, r.token)
			d.CreatedAt = t0.Add(time.Duration(i) * time.Second)
			d.ExpiresAt = d.CreatedAt.Add(time.Hour)
			if err := s.CreateDeferred(ctx, d, event("deferred.created", r.id)); err != nil {
				t.Fatal(err)
			}
		}
		ids := func(ds []issuance.DeferredRequest) []string {
			out := []string{}
			for _, d := range ds {
				out = append(out, d.ID)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			f    issuance.DeferredFilter
			want []string
		}{
			{"offer 1", issuance.DeferredFilter{OfferID: "off_1"}, []string{"dfr_1a", "dfr_1b"}},
			{"offer 2", issuance.DeferredFilter{OfferID: "off_2"}, []string{"dfr_2a"}},
			{"unknown offer", issuance.DeferredFilter{OfferID: "off_9"}, []string{}},
			{"offer 1, limit 1", issuance.DeferredFilter{OfferID: "off_1", Limit: 1}, []string{"dfr_1a"}},
			{"offer and state", issuance.DeferredFilter{OfferID: "off_1", State: issuance.DeferredRejected}, []string{}},
			{"no filter", issuance.DeferredFilter{}, []string{"dfr_1a", "dfr_2a", "dfr_1b", "dfr_none"}},
		} {
			got, err := s.ListDeferred(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			diff(t, tc.name, ids(got), tc.want)
		}

		count := func(at time.Time) int {
			t.Helper()
			n, err := s.CountPendingDeferred(ctx, at)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(t0); n != 4 {
			t.Errorf("pending at t0: got %d, want 4", n)
		}
		if err := s.DecideDeferred(ctx, "dfr_1a", issuance.DeferredApproved, "usr_2", "", nil, t0, event("deferred.approved", "dfr_1a")); err != nil {
			t.Fatal(err)
		}
		if n := count(t0); n != 3 {
			t.Errorf("after an approval: got %d, want 3", n)
		}
		// dfr_2a expires at t0+1h+1s: at that instant it is no longer pending.
		if n := count(t0.Add(time.Hour + time.Second)); n != 2 {
			t.Errorf("past the first expiry: got %d, want 2", n)
		}
	})
}
