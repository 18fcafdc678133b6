package db_test

import (
	"errors"
	"testing"
	"time"

	"credmint/app/audit"
	"credmint/app/keys"
	"credmint/db"
	"credmint/db/dbtest"
)

func TestSigningKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		if got, err := s.SigningKeys(t.Context()); err != nil || len(got) != 0 {
			t.Fatalf("SigningKeys on an empty store: got %v, %v, want none", got, err)
		}
		newer := keys.Record{
			ID:               "k2",
			Purpose:          keys.PurposeCredential,
			Algorithm:        "ES256",
			PrivateKeySealed: []byte{0, 1, 2, 0xff},
			CertificateChain: [][]byte{{0x30, 0x82, 1}, {0x30, 0x82, 2}},
			CertificateState: keys.CertificateGenerated,
			CreatedAt:        t0.Add(time.Hour),
			NotBefore:        t0.Add(2 * time.Hour),
			NotAfter:         t0.Add(365 * 24 * time.Hour),
		}
		older := keys.Record{
			ID:               "k1",
			Purpose:          keys.PurposeCredential,
			Algorithm:        "EdDSA",
			PrivateKeySealed: []byte("sealed"),
			CertificateState: keys.CertificatePending,
			CSR:              []byte{0x30, 1, 2},
			CreatedAt:        t0,
			NotBefore:        t0,
			NotAfter:         t0.Add(24 * time.Hour),
			RetiredAt:        ptr(t0.Add(3 * time.Hour)),
		}
		for _, r := range []keys.Record{newer, older} {
			if err := s.CreateSigningKey(t.Context(), &r, keyEvent(r.ID)); err != nil {
				t.Fatalf("CreateSigningKey(%s): %v", r.ID, err)
			}
		}
		got, err := s.SigningKeys(t.Context())
		if err != nil {
			t.Fatalf("SigningKeys: %v", err)
		}
		diff(t, "SigningKeys", got, []keys.Record{older, newer})
		if err := s.CreateSigningKey(t.Context(), &older, keyEvent(older.ID)); err == nil {
			t.Errorf("CreateSigningKey with an existing id: got nil error, want one")
		}
	})
}

// keyEvent is an audit event about signing key id.
func keyEvent(id string) audit.Event {
	return audit.Event{At: t0, Actor: audit.Actor{Kind: audit.ActorStaff, ID: "u1"}, Action: "signing_key.test",
		SubjectType: "signing_key", SubjectID: id}
}

func keyActions(t *testing.T, s *db.Store, id string) int {
	t.Helper()
	evs, err := s.AuditEvents(t.Context(), "signing_key", id)
	if err != nil {
		t.Fatalf("AuditEvents: %v", err)
	}
	return len(evs)
}

func TestSigningKeyLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		pending := keys.Record{
			ID: "p1", Purpose: keys.PurposeCredential, Algorithm: "ES256", PrivateKeySealed: []byte("sealed"),
			CertificateState: keys.CertificatePending, CSR: []byte{0x30, 3}, CreatedAt: t0, NotBefore: t0,
		}
		if err := s.CreateSigningKey(t.Context(), &pending, keyEvent("p1")); err != nil {
			t.Fatalf("CreateSigningKey: %v", err)
		}
		if got := keyActions(t, s, "p1"); got != 1 {
			t.Errorf("audit events after create = %d, want 1", got)
		}
		u := keys.ChainUpdate{Chain: [][]byte{{0x30, 1}, {0x30, 2}}, NotBefore: t0.Add(time.Hour), NotAfter: t0.Add(90 * 24 * time.Hour)}
		if err := s.UpdateCertificateChain(t.Context(), "p1", u, keyEvent("p1")); err != nil {
			t.Fatalf("UpdateCertificateChain: %v", err)
		}
		if err := s.UpdateCertificateChain(t.Context(), "nope", u, keyEvent("nope")); !errors.Is(err, keys.ErrKeyNotFound) {
			t.Errorf("UpdateCertificateChain(unknown) = %v, want ErrKeyNotFound", err)
		}
		got, err := s.SigningKeys(t.Context())
		if err != nil {
			t.Fatalf("SigningKeys: %v", err)
		}
		want := pending
		want.CertificateChain, want.NotBefore, want.NotAfter = u.Chain, u.NotBefore, u.NotAfter
		want.CertificateState, want.CSR = keys.CertificateImported, nil
		diff(t, "after import", got, []keys.Record{want})

		at := t0.Add(48 * time.Hour)
		if err := s.RetireSigningKey(t.Context(), "p1", at, keyEvent("p1")); err != nil {
			t.Fatalf("RetireSigningKey: %v", err)
		}
		if err := s.RetireSigningKey(t.Context(), "p1", at.Add(time.Hour), keyEvent("p1")); !errors.Is(err, keys.ErrKeyNotFound) {
			t.Errorf("second RetireSigningKey = %v, want ErrKeyNotFound", err)
		}
		if err := s.UpdateCertificateChain(t.Context(), "p1", u, keyEvent("p1")); !errors.Is(err, keys.ErrKeyNotFound) {
			t.Errorf("UpdateCertificateChain(retired) = %v, want ErrKeyNotFound", err)
		}
		got, err = s.SigningKeys(t.Context())
		if err != nil {
			t.Fatalf("SigningKeys: %v", err)
		}
		want.RetiredAt = ptr(at)
		diff(t, "after retire", got, []keys.Record{want})
		if got := keyActions(t, s, "p1"); got != 3 {
			t.Errorf("audit events = %d, want 3 (create, import, retire; refused changes write none)", got)
		}
	})
}

func TestCredentialsPerSigningKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		if _, ok, err := s.LatestCredentialExpiry(t.Context(), "k1"); err != nil || ok {
			t.Fatalf("LatestCredentialExpiry with no credentials = %v, %v, want not ok", ok, err)
		}
		createOffer(t, s, "o1", nil)
		redeem(t, s, "o1", "tok-o1")
		creds := issued("o1", "tok-o1", "n1", "c1", "c2", "c3", "c4")
		creds[0].SigningKeyID, creds[0].ExpiresAt = "k1", t0.Add(24*time.Hour)
		creds[1].SigningKeyID, creds[1].ExpiresAt = "k1", t0.Add(72*time.Hour)
		creds[2].SigningKeyID, creds[2].ExpiresAt = "k2", t0.Add(time.Hour)
		creds[3].SigningKeyID = "" // recorded before keys were tracked
		if err := s.RecordIssuance(t.Context(), creds, event("credential.issued", "o1")); err != nil {
			t.Fatalf("RecordIssuance: %v", err)
		}
		latest, ok, err := s.LatestCredentialExpiry(t.Context(), "k1")
		if err != nil || !ok || !latest.Equal(t0.Add(72*time.Hour)) {
			t.Errorf("LatestCredentialExpiry(k1) = %v, %v, %v, want %v", latest, ok, err, t0.Add(72*time.Hour))
		}
		counts, err := s.ValidCredentialCounts(t.Context(), t0.Add(2*time.Hour))
		if err != nil {
			t.Fatalf("ValidCredentialCounts: %v", err)
		}
		diff(t, "ValidCredentialCounts", counts, map[string]int{"k1": 2})
	})
}
