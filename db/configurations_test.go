package db_test

import (
	"testing"
	"time"

	"credmint/app/credential"
	"credmint/db"
	"credmint/db/dbtest"
)

func TestCredentialConfigurations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		pid := credential.Configuration{
			ID:     "pid",
			Format: "dc+sd-jwt",
			VCT:    "urn:eudi:pid:1",
			Scope:  "pid",
			Display: []credential.Display{{
				Name: "PID", Locale: "en", BackgroundColor: "#12107c",
				Logo: &credential.Image{URI: "https://issuer.example/logo.png", AltText: "logo"},
			}},
			Claims: []credential.Claim{
				{Path: []any{"given_name"}, Mandatory: true, Type: credential.TypeString},
				{Path: []any{"nationalities", nil}, Selective: true},
				{Path: []any{"address", "lines", 0}},
			},
			Validity: 30 * 24 * time.Hour,
		}
		mdl := credential.Configuration{ID: "mdl", Format: "mso_mdoc", Disabled: true}
		for _, c := range []credential.Configuration{pid, mdl} {
			if err := s.UpsertCredentialConfiguration(t.Context(), &c); err != nil {
				t.Fatalf("UpsertCredentialConfiguration(%s): %v", c.ID, err)
			}
		}
		pid.Normalize()
		mdl.Normalize()
		got, err := s.CredentialConfigurations(t.Context())
		if err != nil {
			t.Fatalf("CredentialConfigurations: %v", err)
		}
		diff(t, "CredentialConfigurations (by id, normalized)", got, []credential.Configuration{mdl, pid})

		mdl.Disabled = false
		mdl.Display = []credential.Display{{Name: "Driving licence"}}
		if err := s.UpsertCredentialConfiguration(t.Context(), &mdl); err != nil {
			t.Fatalf("UpsertCredentialConfiguration(replace): %v", err)
		}
		got, _ = s.CredentialConfigurations(t.Context())
		diff(t, "CredentialConfigurations after replace", got, []credential.Configuration{mdl, pid})
	})
}
