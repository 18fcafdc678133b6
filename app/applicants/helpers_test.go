package applicants_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"credmint/app/applicants"
	"credmint/app/audit"
	"credmint/app/credential"
	"credmint/app/keys"
	"credmint/db"
)

// staffBadge is the configuration the tests import for.
func staffBadge() credential.Configuration {
	return credential.Configuration{
		ID: "staff_badge", Format: "dc+sd-jwt", VCT: "urn:test:staff_badge:1",
		Display: []credential.Display{{Name: "Staff badge", Locale: "en"}},
		Claims: []credential.Claim{
			{Path: []any{"given_name"}, Mandatory: true, Type: credential.TypeString, Display: []credential.ClaimDisplay{{Name: "First name", Locale: "en"}}},
			{Path: []any{"family_name"}, Mandatory: true, Type: credential.TypeString, Display: []credential.ClaimDisplay{{Name: "Last name", Locale: "en"}}},
			{Path: []any{"employee_id"}, Type: credential.TypeString},
			{Path: []any{"birthdate"}, Type: credential.TypeDate, Display: []credential.ClaimDisplay{{Name: "Date of birth", Locale: "en"}}},
			{Path: []any{"grade"}, Type: credential.TypeInteger},
			{Path: []any{"address"}, Type: credential.TypeObject},
			{Path: []any{"address", "locality"}, Type: credential.TypeString},
		},
	}
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newService returns a service over store with the staff_badge
// configuration, a real sealer and a test clock.
func newService(t testing.TB, store *db.Store) (*applicants.Service, *clock) {
	t.Helper()
	cfg := staffBadge()
	if err := store.UpsertCredentialConfiguration(context.Background(), &cfg); err != nil {
		t.Fatal(err)
	}
	sealer, err := keys.NewSealer(make([]byte, keys.MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	s, err := applicants.New(applicants.Deps{Store: store, Catalog: credential.NewCatalog(store, time.Hour, clk.Now), Sealer: sealer, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s, clk
}

// staffCtx is a context acting as staff member usr_test.
func staffCtx(t testing.TB) context.Context {
	return audit.WithActor(t.Context(), audit.Actor{Kind: audit.ActorStaff, ID: "usr_test"})
}

// upload uploads data and starts its import with the guessed mapping.
func upload(t testing.TB, s *applicants.Service, data []byte, onError string) *applicants.ImportJob {
	t.Helper()
	ctx := staffCtx(t)
	j, err := s.Upload(ctx, applicants.UploadRequest{ConfigurationID: "staff_badge", FileName: "people.csv", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Start(ctx, j.ID, applicants.StartRequest{Mapping: j.Mapping, OnError: onError}); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return j
}

func mustJob(t testing.TB, s *applicants.Service, id string) *applicants.ImportJob {
	t.Helper()
	j, err := s.Job(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}
