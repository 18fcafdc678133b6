package db_test

import (
	"errors"
	"testing"
	"time"

	"credmint/app/access"
	"credmint/app/audit"
	"credmint/db"
	"credmint/db/dbtest"
)

// createAPIKey stores a key named name, created at t0 plus age.
func createAPIKey(t *testing.T, s *db.Store, id, name string, age time.Duration) *access.APIKey {
	t.Helper()
	k := &access.APIKey{ID: id, Name: name, Prefix: "cm_" + id, Hash: hash("apikey-" + id), CreatedAt: t0.Add(age)}
	ev := audit.Event{At: k.CreatedAt, Action: "api_key.created", SubjectType: "api_key", SubjectID: id}
	if err := s.CreateAPIKey(t.Context(), k, ev); err != nil {
		t.Fatalf("CreateAPIKey(%s): %v", id, err)
	}
	return k
}

func TestAPIKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		a := createAPIKey(t, s, "a", "crm", 0)
		b := createAPIKey(t, s, "b", "billing", time.Minute)
		got, err := s.APIKeyByHash(t.Context(), a.Hash)
		if err != nil {
			t.Fatalf("APIKeyByHash: %v", err)
		}
		diff(t, "APIKeyByHash", got, a)
		if _, err := s.APIKeyByHash(t.Context(), hash("nope")); !errors.Is(err, access.ErrNotFound) {
			t.Errorf("APIKeyByHash(unknown): got %v, want ErrNotFound", err)
		}
		list, err := s.APIKeys(t.Context())
		if err != nil {
			t.Fatalf("APIKeys: %v", err)
		}
		diff(t, "APIKeys (newest first)", list, []access.APIKey{*b, *a})

		used := t0.Add(time.Hour)
		if err := s.TouchAPIKey(t.Context(), "a", used); err != nil {
			t.Fatalf("TouchAPIKey: %v", err)
		}
		a.LastUsedAt = &used
		got, _ = s.APIKeyByHash(t.Context(), a.Hash)
		diff(t, "APIKeyByHash after TouchAPIKey", got, a)
		if err := s.TouchAPIKey(t.Context(), "nope", used); !errors.Is(err, access.ErrNotFound) {
			t.Errorf("TouchAPIKey(unknown): got %v, want ErrNotFound", err)
		}

		dup := &access.APIKey{ID: "c", Name: "x", Prefix: "cm_c", Hash: a.Hash, CreatedAt: t0}
		if err := s.CreateAPIKey(t.Context(), dup, audit.Event{At: t0, Action: "api_key.created", SubjectType: "api_key", SubjectID: "c"}); err == nil {
			t.Errorf("CreateAPIKey with an existing hash: got nil error, want one")
		}
	})
}

func TestRevokeAPIKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		createAPIKey(t, s, "k1", "crm", 0)
		createAPIKey(t, s, "k2", "crm", time.Minute)
		createAPIKey(t, s, "k3", "billing", 2*time.Minute)
		createAPIKey(t, s, "k4", "k3", 3*time.Minute) // named like k3's id
		at := t0.Add(time.Hour)
		steps := []struct {
			idOrName string
			wantID   string // "" for an error
			wantErr  error
		}{
			{"crm", "", db.ErrAmbiguous},
			{"k1", "k1", nil},
			{"crm", "k2", nil}, // the only unrevoked "crm" now
			{"crm", "", access.ErrNotFound},
			{"k1", "", access.ErrNotFound},
			{"k3", "k3", nil}, // id before name
			{"k3", "k4", nil}, // then the name
			{"nope", "", access.ErrNotFound},
		}
		for _, st := range steps {
			got, err := s.RevokeAPIKey(t.Context(), st.idOrName, at, audit.Event{At: at, Action: "api_key.revoked", SubjectType: "api_key"})
			if st.wantErr != nil {
				if !errors.Is(err, st.wantErr) {
					t.Errorf("RevokeAPIKey(%q): got %v, %v, want %v", st.idOrName, got, err, st.wantErr)
				}
				continue
			}
			if err != nil || got.ID != st.wantID || got.RevokedAt == nil || !got.RevokedAt.Equal(at) {
				t.Errorf("RevokeAPIKey(%q): got %+v, %v, want %s revoked at %v", st.idOrName, got, err, st.wantID, at)
			}
		}
		list, _ := s.APIKeys(t.Context())
		for _, k := range list {
			if k.RevokedAt == nil {
				t.Errorf("key %s: got unrevoked, want revoked", k.ID)
			}
			// One event per revocation, naming the key revoked by name.
			evs, err := s.AuditEvents(t.Context(), "api_key", k.ID)
			if err != nil || len(evs) != 2 || evs[1].Action != "api_key.revoked" {
				t.Errorf("audit events of key %s: got %+v, %v, want created and revoked", k.ID, evs, err)
			}
		}
	})
}
