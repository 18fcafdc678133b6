package keys_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"credmint/app/keys"
	"credmint/db"
	"credmint/db/dbtest"
)

// TestRetireNow retires the active credential key: it leaves the JWKS at
// once, a new key takes over (not the older superseded key), both changes
// are audited, and a second retirement is ErrKeyNotFound.
func TestRetireNow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		store := &expiryStore{Store: s, expiry: map[string]time.Time{}}
		c := newClock(t0)
		r := newRingWith(t, store, c, keys.RotationSettings{}, 0)
		ctx := context.Background()
		if _, err := r.Ensure(ctx, keys.PurposeCredential); err != nil {
			t.Fatal(err)
		}
		older := activeID(t, r, keys.PurposeCredential)
		c.Set(t0.Add(time.Hour))
		if _, err := r.Rotate(ctx, keys.PurposeCredential, time.Time{}); err != nil {
			t.Fatal(err)
		}
		compromised := activeID(t, r, keys.PurposeCredential)
		store.expiry[older] = t0.Add(30 * 24 * time.Hour) // keeps the older key superseded, not retired

		plan, err := r.PlanRetire(ctx, compromised)
		if err != nil {
			t.Fatal(err)
		}
		if !plan.Replace || plan.Key.ID != compromised || plan.Key.Purpose != keys.PurposeCredential {
			t.Errorf("plan = %+v, want the active credential key, replaced", plan)
		}
		if !published(r, compromised) {
			t.Fatal("PlanRetire changed something")
		}

		res, err := r.Retire(ctx, compromised, keys.RetireOptions{Reason: "key compromised"})
		if err != nil {
			t.Fatal(err)
		}
		if published(r, compromised) || stateOf(t, r, compromised) != keys.StateRetired {
			t.Errorf("retired key: published %v, state %q; want unpublished and retired", published(r, compromised), stateOf(t, r, compromised))
		}
		if res.Replacement == nil {
			t.Fatal("no replacement for the active key")
		}
		now := activeID(t, r, keys.PurposeCredential)
		if now != res.Replacement.ID || now == older || !published(r, now) {
			t.Errorf("active key after retirement = %s, want the new key %s (not the older %s), published", now, res.Replacement.ID, older)
		}
		evs, err := s.AuditEvents(ctx, "signing_key", compromised)
		if err != nil {
			t.Fatal(err)
		}
		last := evs[len(evs)-1]
		if last.Action != "signing_key.retired" || last.Details["manual"] != "true" || last.Details["reason"] != "key compromised" {
			t.Errorf("last audit event = %s %v, want signing_key.retired, manual, with the reason", last.Action, last.Details)
		}
		if evs, _ := s.AuditEvents(ctx, "signing_key", now); len(evs) != 1 || evs[0].Details["reason"] != "replaces retired key "+compromised {
			t.Errorf("audit of the replacement = %+v", evs)
		}

		// Retiring a superseded key creates nothing.
		res, err = r.Retire(ctx, older, keys.RetireOptions{})
		if err != nil || res.Replace || res.Replacement != nil {
			t.Errorf("retire superseded key: %+v, %v; want no replacement", res, err)
		}
		if _, err := r.Retire(ctx, compromised, keys.RetireOptions{}); !errors.Is(err, keys.ErrKeyNotFound) {
			t.Errorf("second retirement: %v, want ErrKeyNotFound", err)
		}
		if _, err := r.PlanRetire(ctx, "no-such-key"); !errors.Is(err, keys.ErrKeyNotFound) {
			t.Errorf("unknown key: %v, want ErrKeyNotFound", err)
		}
	})
}

// TestRetireIACA refuses to retire an IACA whose document signer is in use,
// and with force retires it and makes a new root.
func TestRetireIACA(t *testing.T) {
	s := dbtest.SQLite(t)
	c := newClock(t0)
	r := newRingWith(t, s, c, keys.RotationSettings{}, 0)
	ctx := context.Background()
	if _, err := r.Ensure(ctx, keys.PurposeMdocDocumentSigner); err != nil {
		t.Fatal(err)
	}
	ds := activeID(t, r, keys.PurposeMdocDocumentSigner)
	var iaca string
	for _, k := range r.Keys() {
		if k.Purpose == keys.PurposeMdocIACA {
			iaca = k.ID
		}
	}
	_, err := r.Retire(ctx, iaca, keys.RetireOptions{})
	if !errors.Is(err, keys.ErrKeyInUse) {
		t.Fatalf("retire IACA with its document signer in use: %v, want ErrKeyInUse", err)
	}
	if stateOf(t, r, iaca) == keys.StateRetired {
		t.Fatal("a refused retirement retired the IACA")
	}
	res, err := r.Retire(ctx, iaca, keys.RetireOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Dependents, []string{ds}) || res.Replacement == nil || res.Replacement.Purpose != keys.PurposeMdocIACA {
		t.Errorf("forced retirement = dependents %v, replacement %+v; want [%s] and a new IACA", res.Dependents, res.Replacement, ds)
	}
	roots := r.IACACertificates()
	if len(roots) != 1 || res.Replacement == nil || roots[0].Subject.CommonName != "Test IACA" {
		t.Fatalf("published roots = %d, want only the new one", len(roots))
	}
	// The document signer issued by the old root is retired next without
	// force, and its replacement chains to the new root.
	res, err = r.Retire(ctx, ds, keys.RetireOptions{})
	if err != nil || res.Replacement == nil {
		t.Fatalf("retire document signer: %+v, %v", res, err)
	}
	next, err := r.Active(keys.PurposeMdocDocumentSigner)
	if err != nil {
		t.Fatal(err)
	}
	if err := next.Chain()[0].CheckSignatureFrom(roots[0]); err != nil {
		t.Errorf("the new document signer is not issued by the new IACA: %v", err)
	}
}
