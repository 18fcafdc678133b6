package db_test

import (
	"testing"
	"time"

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
			CreatedAt:        t0.Add(time.Hour),
			NotBefore:        t0.Add(2 * time.Hour),
			NotAfter:         t0.Add(365 * 24 * time.Hour),
		}
		older := keys.Record{
			ID:               "k1",
			Purpose:          keys.PurposeCredential,
			Algorithm:        "EdDSA",
			PrivateKeySealed: []byte("sealed"),
			CreatedAt:        t0,
			NotBefore:        t0,
			NotAfter:         t0.Add(24 * time.Hour),
			RetiredAt:        ptr(t0.Add(3 * time.Hour)),
		}
		for _, r := range []keys.Record{newer, older} {
			if err := s.CreateSigningKey(t.Context(), &r); err != nil {
				t.Fatalf("CreateSigningKey(%s): %v", r.ID, err)
			}
		}
		got, err := s.SigningKeys(t.Context())
		if err != nil {
			t.Fatalf("SigningKeys: %v", err)
		}
		diff(t, "SigningKeys", got, []keys.Record{older, newer})
		if err := s.CreateSigningKey(t.Context(), &older); err == nil {
			t.Errorf("CreateSigningKey with an existing id: got nil error, want one")
		}
	})
}
