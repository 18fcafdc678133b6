package db_test

import (
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"credmint/app/audit"
	"credmint/app/issuance"
	"credmint/app/status"
	"credmint/db"
	"credmint/db/dbtest"
)

// listMaker returns a newList function for ReserveStatusEntries that makes
// lists of size entries and bits bits, numbered in order.
func listMaker(size, bits int) func() (*status.List, audit.Event, error) {
	var mu sync.Mutex
	n := 0
	return func() (*status.List, audit.Event, error) {
		mu.Lock()
		defer mu.Unlock()
		n++
		seed := make([]byte, 32)
		rand.Read(seed)
		id := fmt.Sprintf("sl_%d_%d", bits, n)
		l := &status.List{ID: id, Bits: bits, Size: size, Seed: seed, Statuses: make([]byte, status.ByteLen(size, bits)),
			CreatedAt: t0.Add(time.Duration(n) * time.Second), UpdatedAt: t0}
		return l, audit.Event{At: t0, Action: "status_list.created", SubjectType: "status_list", SubjectID: id}, nil
	}
}

func TestReserveStatusEntries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		mk := listMaker(16, 2)
		got, err := s.ReserveStatusEntries(t.Context(), 10, 2, mk)
		if err != nil {
			t.Fatalf("ReserveStatusEntries: %v", err)
		}
		if len(got) != 1 || got[0].ListID != "sl_2_1" || got[0].First != 0 || got[0].Count != 10 || got[0].Size != 16 || len(got[0].Seed) != 32 {
			t.Fatalf("first reservation = %+v, want counters 0-9 of sl_2_1", got)
		}
		// 10 more: the 6 left in the first list, then 4 of a new one.
		got, err = s.ReserveStatusEntries(t.Context(), 10, 2, mk)
		if err != nil {
			t.Fatalf("ReserveStatusEntries: %v", err)
		}
		if len(got) != 2 || got[0].ListID != "sl_2_1" || got[0].First != 10 || got[0].Count != 6 ||
			got[1].ListID != "sl_2_2" || got[1].First != 0 || got[1].Count != 4 {
			t.Fatalf("second reservation = %+v, want sl_2_1 10-15 and sl_2_2 0-3", got)
		}
		// Lists of another bit width are separate.
		got, err = s.ReserveStatusEntries(t.Context(), 1, 1, listMaker(16, 1))
		if err != nil || len(got) != 1 || got[0].ListID != "sl_1_1" {
			t.Fatalf("1-bit reservation = %+v, %v; want a new 1-bit list", got, err)
		}
		l, err := s.StatusList(t.Context(), "sl_2_1", true)
		if err != nil {
			t.Fatal(err)
		}
		if l.Used != 16 || l.Bits != 2 || l.Size != 16 || len(l.Statuses) != 4 || l.Version != 0 {
			t.Errorf("list sl_2_1 = %+v, want 16 of 16 used, 4 bytes, version 0", l)
		}
		if _, err := s.StatusList(t.Context(), "nope", false); !errors.Is(err, issuance.ErrNotFound) {
			t.Errorf("StatusList(unknown) = %v, want ErrNotFound", err)
		}
		ids, err := s.StatusListIDs(t.Context())
		if err != nil || len(ids) != 3 {
			t.Errorf("StatusListIDs = %v, %v; want 3 lists", ids, err)
		}
	})
}

// TestReserveStatusEntriesConcurrent reserves from many goroutines at once
// (PostgreSQL runs them in parallel transactions): no counter is handed
// out twice and lists fill up before new ones start.
func TestReserveStatusEntriesConcurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		mk := listMaker(64, 2)
		const workers, rounds = 8, 10
		var mu sync.Mutex
		seen := map[string]bool{}
		var wg sync.WaitGroup
		errs := make(chan error, workers*rounds)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range rounds {
					res, err := s.ReserveStatusEntries(t.Context(), 1+(w+r)%3, 2, mk)
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					for _, x := range res {
						for c := x.First; c < x.First+x.Count; c++ {
							key := fmt.Sprintf("%s/%d", x.ListID, c)
							if seen[key] || c >= x.Size {
								errs <- fmt.Errorf("counter %s handed out twice or out of range", key)
							}
							seen[key] = true
						}
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		total := 0
		for w := range workers {
			for r := range rounds {
				total += 1 + (w+r)%3
			}
		}
		if len(seen) != total {
			t.Errorf("%d distinct counters, want %d", len(seen), total)
		}
		ids, _ := s.StatusListIDs(t.Context())
		if want := (total + 63) / 64; len(ids) < want || len(ids) > want+workers {
			t.Errorf("%d lists for %d entries of 64-entry lists, want about %d", len(ids), total, want)
		}
	})
}

// issueWithStatus records credentials of a new offer (for applicant, if
// not "") at the given indexes of list listID.
func issueWithStatus(t *testing.T, s *db.Store, offerID, applicant, listID string, indexes ...int) []string {
	t.Helper()
	createOffer(t, s, offerID, func(o *issuance.Offer) { o.ApplicantID = applicant })
	redeem(t, s, offerID, "tok-"+offerID)
	var ids []string
	for _, i := range indexes {
		ids = append(ids, fmt.Sprintf("%s-c%d", offerID, i))
	}
	creds := issued(offerID, "tok-"+offerID, "n-"+offerID, ids...)
	for k := range creds {
		creds[k].StatusListID, creds[k].StatusIndex, creds[k].SigningKeyID = listID, indexes[k], "kid-1"
	}
	if err := s.RecordIssuance(t.Context(), creds, event("credential.issued", offerID)); err != nil {
		t.Fatalf("RecordIssuance: %v", err)
	}
	return ids
}

// decideTo is a decide function that moves every credential to to, and
// refuses revoked ones.
func decideTo(to status.State) func(status.Credential) status.Decision {
	return func(c status.Credential) status.Decision {
		if c.Status == status.StateRevoked {
			return status.Decision{To: c.Status, Err: &status.ConflictError{CredentialID: c.ID, Reason: "final"}}
		}
		return status.Decision{To: to, Event: audit.Event{At: t0, Action: "credential." + string(to), SubjectType: "credential", SubjectID: c.ID}}
	}
}

func TestChangeCredentialStatus(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		if _, err := s.ReserveStatusEntries(ctx, 8, 2, listMaker(16, 2)); err != nil {
			t.Fatal(err)
		}
		a := issueWithStatus(t, s, "o1", "app-1", "sl_2_1", 3, 5)
		b := issueWithStatus(t, s, "o2", "", "sl_2_1", 9)

		// The entry is unique per list.
		dup := issued("o2", "tok-o2", "n", "o2-dup")
		dup[0].StatusListID, dup[0].StatusIndex = "sl_2_1", 9
		if err := s.RecordIssuance(ctx, dup, event("credential.issued", "o2")); !errors.Is(err, issuance.ErrConflict) {
			t.Errorf("second credential at sl_2_1[9]: %v, want ErrConflict", err)
		}

		c, err := s.StatusCredential(ctx, a[1])
		if err != nil {
			t.Fatal(err)
		}
		if c.ListID != "sl_2_1" || c.Index != 5 || c.Status != status.StateValid || c.ListBits != 2 || c.ApplicantID != "app-1" || c.SigningKeyID != "kid-1" {
			t.Errorf("StatusCredential = %+v", c)
		}
		got, err := s.IssuedCredentials(ctx, "o1")
		if err != nil || got[0].StatusListID != "sl_2_1" || got[0].StatusIndex != 3 || got[0].SigningKeyID != "kid-1" {
			t.Errorf("IssuedCredentials = %+v, %v; want the status entry and key id kept", got, err)
		}

		// Suspend one, revoke by applicant (both of o1), then check bits.
		out, err := s.ChangeCredentialStatus(ctx, status.Selector{IDs: []string{b[0], "unknown"}}, t0, decideTo(status.StateSuspended))
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 2 || !out[0].Changed || out[0].To != status.StateSuspended || !errors.Is(out[1].Err, issuance.ErrNotFound) {
			t.Errorf("suspend outcomes = %+v", out)
		}
		out, err = s.ChangeCredentialStatus(ctx, status.Selector{ApplicantID: "app-1"}, t0, decideTo(status.StateRevoked))
		if err != nil || len(out) != 2 || !out[0].Changed || !out[1].Changed {
			t.Fatalf("revoke by applicant = %+v, %v", out, err)
		}
		out, err = s.ChangeCredentialStatus(ctx, status.Selector{IDs: a}, t0, decideTo(status.StateValid))
		var ce *status.ConflictError
		if err != nil || len(out) != 2 || out[0].Changed || !errors.As(out[0].Err, &ce) {
			t.Errorf("changing revoked credentials = %+v, %v; want conflicts and no change", out, err)
		}
		l, err := s.StatusList(ctx, "sl_2_1", true)
		if err != nil {
			t.Fatal(err)
		}
		if l.Version != 2 {
			t.Errorf("list version = %d after two changes, want 2", l.Version)
		}
		want := map[int]byte{3: status.ValueInvalid, 5: status.ValueInvalid, 9: status.ValueSuspended}
		for i := range l.Size {
			if got := status.Get(l.Statuses, 2, i); got != want[i] {
				t.Errorf("entry %d = %d, want %d", i, got, want[i])
			}
		}
		at, err := s.StatusCredentialAt(ctx, "sl_2_1", 9)
		if err != nil || at.ID != b[0] || at.Status != status.StateSuspended || at.ChangedAt == nil {
			t.Errorf("StatusCredentialAt(9) = %+v, %v", at, err)
		}
		if _, err := s.StatusCredentialAt(ctx, "sl_2_1", 10); !errors.Is(err, issuance.ErrNotFound) {
			t.Errorf("StatusCredentialAt(unused) = %v, want ErrNotFound", err)
		}
		evs, err := s.AuditEvents(ctx, "credential", a[0])
		if err != nil || len(evs) != 1 || evs[0].Action != "credential.revoked" {
			t.Errorf("audit of %s = %+v, %v; want one credential.revoked", a[0], evs, err)
		}
		list, err := s.StatusCredentials(ctx, status.Selector{ApplicantID: "app-1"})
		if err != nil || len(list) != 2 || list[0].Status != status.StateRevoked {
			t.Errorf("StatusCredentials(app-1) = %+v, %v", list, err)
		}
	})
}

func TestSaveStatusListToken(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		if _, err := s.ReserveStatusEntries(ctx, 1, 2, listMaker(16, 2)); err != nil {
			t.Fatal(err)
		}
		tok := status.CachedToken{JWT: "a.b.c", Version: 0, KeyID: "k1", IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := s.SaveStatusListToken(ctx, "sl_2_1", tok); err != nil {
			t.Fatal(err)
		}
		l, _ := s.StatusList(ctx, "sl_2_1", false)
		diff(t, "cached token", l.Token, tok)
		// A token of a version the list has left is not cached.
		stale := tok
		stale.Version, stale.JWT = -1, "old"
		if err := s.SaveStatusListToken(ctx, "sl_2_1", stale); err != nil {
			t.Fatal(err)
		}
		l, _ = s.StatusList(ctx, "sl_2_1", false)
		if l.Token.JWT != "a.b.c" {
			t.Errorf("cached token = %q after saving a stale one, want a.b.c kept", l.Token.JWT)
		}
	})
}
