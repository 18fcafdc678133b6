package keys_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"credmint/app/keys"
	"credmint/db"
	"credmint/db/dbtest"
)

// expiryStore is the real store with the credentials each key signed
// replaced by a map (key id → latest expiry), so the tests need no offers.
type expiryStore struct {
	*db.Store
	expiry map[string]time.Time
}

func (s *expiryStore) LatestCredentialExpiry(_ context.Context, id string) (time.Time, bool, error) {
	t, ok := s.expiry[id]
	return t, ok, nil
}

func newRingWith(t testing.TB, s keys.Store, c *clock, rot keys.RotationSettings, validity time.Duration) *keys.Ring {
	t.Helper()
	r, err := keys.NewRing(keys.Deps{
		Store: s, Sealer: newSealer(t, masterKey(1)), Now: c.Now,
		Subject: "credmint issuer issuer.example.org", DNSName: "issuer.example.org",
		CertValidity: validity, Rotation: rot,
		Mdoc: keys.MdocSettings{Country: "DE", IACAName: "Test IACA", IssuerURL: "https://issuer.example.org"},
	})
	if err != nil {
		t.Fatalf("NewRing: %v", err)
	}
	return r
}

func activeID(t testing.TB, r *keys.Ring, purpose string) string {
	t.Helper()
	s, err := r.Active(purpose)
	if err != nil {
		t.Fatalf("Active(%s): %v", purpose, err)
	}
	return s.KeyID()
}

func published(r *keys.Ring, kid string) bool {
	set := r.PublicJWKS()
	return len(set.Key(kid)) == 1
}

func housekeep(t testing.TB, r *keys.Ring) keys.HousekeepingResult {
	t.Helper()
	res, err := r.Housekeep(context.Background())
	if err != nil {
		t.Fatalf("Housekeep: %v", err)
	}
	return res
}

func stateOf(t testing.TB, r *keys.Ring, id string) string {
	t.Helper()
	for _, k := range r.Keys() {
		if k.ID == id {
			return k.State
		}
	}
	t.Fatalf("key %s not listed", id)
	return ""
}

func TestRotateWithGrace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		store := &expiryStore{Store: s, expiry: map[string]time.Time{}}
		c := newClock(t0)
		r := newRingWith(t, store, c, keys.RotationSettings{}, 0)
		ctx := context.Background()
		if _, err := r.Ensure(ctx, keys.PurposeCredential); err != nil {
			t.Fatalf("Ensure: %v", err)
		}
		old := activeID(t, r, keys.PurposeCredential)
		if res := housekeep(t, r); len(res.Retired) != 0 {
			t.Fatalf("Housekeep retired %v with one key per purpose", res.Retired)
		}

		at := t0.Add(24 * time.Hour)
		next, err := r.Rotate(ctx, keys.PurposeCredential, at)
		if err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		if !next.NotBefore.Equal(at) || next.State != keys.StateScheduled {
			t.Errorf("rotated key: NotBefore %v state %q, want %v scheduled", next.NotBefore, next.State, at)
		}
		if got := activeID(t, r, keys.PurposeCredential); got != old {
			t.Errorf("Active before the rotation time = %s, want the old key %s", got, old)
		}
		if !published(r, old) || !published(r, next.ID) {
			t.Errorf("JWKS must hold the current and the scheduled key")
		}

		c.Set(at)
		if got := activeID(t, r, keys.PurposeCredential); got != next.ID {
			t.Errorf("Active at the rotation time = %s, want the new key %s", got, next.ID)
		}
		store.expiry[old] = at.Add(10 * 24 * time.Hour) // a credential the old key signed
		if res := housekeep(t, r); len(res.Retired) != 0 {
			t.Errorf("Housekeep retired %v while a credential of the old key is valid", res.Retired)
		}
		if !published(r, old) || stateOf(t, r, old) != keys.StateSuperseded {
			t.Errorf("the superseded key must stay published, state %q", stateOf(t, r, old))
		}

		c.Set(at.Add(10*24*time.Hour + time.Second))
		res := housekeep(t, r)
		if !slices.Equal(res.Retired, []string{old}) {
			t.Fatalf("Housekeep retired %v, want [%s]", res.Retired, old)
		}
		if published(r, old) || !published(r, next.ID) {
			t.Errorf("after retirement the JWKS must hold only the new key")
		}
		if got := stateOf(t, r, old); got != keys.StateRetired {
			t.Errorf("old key state = %q, want retired", got)
		}
		evs, err := s.AuditEvents(ctx, "signing_key", old)
		if err != nil {
			t.Fatalf("AuditEvents: %v", err)
		}
		var actions []string
		for _, ev := range evs {
			actions = append(actions, ev.Action)
		}
		if !slices.Equal(actions, []string{"signing_key.created", "signing_key.retired"}) {
			t.Errorf("audit of the old key = %q, want created, retired", actions)
		}
		// The active key is never retired, however long nothing happens.
		c.Set(at.Add(300 * 24 * time.Hour))
		if res := housekeep(t, r); len(res.Retired) != 0 {
			t.Errorf("Housekeep retired %v, the active key", res.Retired)
		}
	})
}

func TestHousekeepGraceByPurpose(t *testing.T) {
	store := &expiryStore{Store: dbtest.SQLite(t), expiry: map[string]time.Time{}}
	c := newClock(t0)
	r := newRingWith(t, store, c, keys.RotationSettings{StatusListGrace: 6 * time.Hour}, 0)
	ctx := context.Background()
	var old []string
	for _, p := range []string{keys.PurposeStatusList, keys.PurposeMetadata} {
		if _, err := r.Ensure(ctx, p); err != nil {
			t.Fatalf("Ensure(%s): %v", p, err)
		}
		old = append(old, activeID(t, r, p))
		if _, err := r.Rotate(ctx, p, time.Time{}); err != nil {
			t.Fatalf("Rotate(%s): %v", p, err)
		}
	}
	tests := []struct {
		after time.Duration
		want  []string
	}{
		{6*time.Hour - time.Second, nil},
		{6 * time.Hour, []string{old[0]}}, // status list: the token lifetime
		{24*time.Hour - time.Second, nil}, // metadata: a day
		{24 * time.Hour, []string{old[1]}},
	}
	for _, tt := range tests {
		c.Set(t0.Add(tt.after))
		if got := housekeep(t, r).Retired; !slices.Equal(got, tt.want) {
			t.Errorf("Housekeep after %v retired %v, want %v", tt.after, got, tt.want)
		}
	}
}

func TestAutomaticRotation(t *testing.T) {
	store := &expiryStore{Store: dbtest.SQLite(t), expiry: map[string]time.Time{}}
	c := newClock(t0)
	rot := keys.RotationSettings{RotateBefore: 30 * 24 * time.Hour, PublishAhead: 7 * 24 * time.Hour}
	r := newRingWith(t, store, c, rot, 90*24*time.Hour)
	ctx := context.Background()
	if _, err := r.Ensure(ctx, keys.PurposeCredential); err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	old := activeID(t, r, keys.PurposeCredential)
	if res := housekeep(t, r); len(res.Rotated) != 0 {
		t.Fatalf("rotated %d keys 90 days before expiry", len(res.Rotated))
	}
	now := t0.Add(61 * 24 * time.Hour) // 29 days left
	c.Set(now)
	res := housekeep(t, r)
	if len(res.Rotated) != 1 {
		t.Fatalf("rotated %d keys with 29 days left, want 1", len(res.Rotated))
	}
	next := res.Rotated[0]
	if want := now.Add(rot.PublishAhead); !next.NotBefore.Equal(want) || next.Purpose != keys.PurposeCredential {
		t.Errorf("rotated key: %s from %v, want credential from %v", next.Purpose, next.NotBefore, want)
	}
	if res := housekeep(t, r); len(res.Rotated) != 0 {
		t.Errorf("a second pass rotated again")
	}
	c.Set(now.Add(rot.PublishAhead))
	if got := activeID(t, r, keys.PurposeCredential); got != next.ID {
		t.Errorf("Active after the publication period = %s, want %s (old %s)", got, next.ID, old)
	}
}

func TestRotationSettingsValidate(t *testing.T) {
	_, err := keys.NewRing(keys.Deps{Store: dbtest.SQLite(t), Sealer: newSealer(t, masterKey(1)),
		Rotation: keys.RotationSettings{RotateBefore: time.Hour, PublishAhead: 2 * time.Hour}})
	if err == nil {
		t.Errorf("NewRing accepted PublishAhead >= RotateBefore")
	}
}
