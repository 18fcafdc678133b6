package jwtvc

import (
	"errors"
	"testing"

	"credmint/app/credential"
)

func TestValidate(t *testing.T) {
	claim := func(els ...any) credential.Claim { return credential.Claim{Path: els} }
	tests := []struct {
		name      string
		edit      func(c *credential.Configuration)
		wantField string // "" = valid
	}{
		{"valid 2.0", func(c *credential.Configuration) {}, ""},
		{"valid default vcdm", func(c *credential.Configuration) { c.VCDM = "" }, ""},
		{"valid 1.1", func(c *credential.Configuration) { c.VCDM = "1.1" }, ""},
		{"VerifiableCredential listed", func(c *credential.Configuration) {
			c.Types = []string{"VerifiableCredential", "UniversityDegreeCredential"}
		}, ""},
		{"type as URL", func(c *credential.Configuration) { c.Types = []string{"https://example.org/vocab#Diploma"} }, ""},
		{"no contexts", func(c *credential.Configuration) { c.Contexts = nil }, ""},
		{"did:jwk", func(c *credential.Configuration) { c.HolderDIDJWK = true }, ""},
		{"id claim without did:jwk", func(c *credential.Configuration) { c.Claims = []credential.Claim{claim("id")} }, ""},
		{"nested id with did:jwk", func(c *credential.Configuration) {
			c.HolderDIDJWK = true
			c.Claims = []credential.Claim{claim("degree", "id")}
		}, ""},
		{"no signing algs", func(c *credential.Configuration) { c.SigningAlgs = nil }, ""},
		{"vcdm 1.0", func(c *credential.Configuration) { c.VCDM = "1.0" }, "vcdm"},
		{"vcdm 2", func(c *credential.Configuration) { c.VCDM = "2" }, "vcdm"},
		{"no types", func(c *credential.Configuration) { c.Types = nil }, "types"},
		{"only VerifiableCredential", func(c *credential.Configuration) { c.Types = []string{"VerifiableCredential"} }, "types"},
		{"empty type", func(c *credential.Configuration) { c.Types = []string{"UniversityDegreeCredential", ""} }, "types[1]"},
		{"type with space", func(c *credential.Configuration) { c.Types = []string{"University Degree"} }, "types[0]"},
		{"duplicate type", func(c *credential.Configuration) { c.Types = []string{"A", "B", "A"} }, "types[2]"},
		{"relative context", func(c *credential.Configuration) { c.Contexts = []string{"contexts/diploma"} }, "contexts[0]"},
		{"urn context", func(c *credential.Configuration) { c.Contexts = []string{"urn:example:ctx"} }, "contexts[0]"},
		{"context without host", func(c *credential.Configuration) { c.Contexts = []string{"https:///ctx"} }, "contexts[0]"},
		{"context with space", func(c *credential.Configuration) {
			c.Contexts = []string{"https://example.org/a", "https://example.org/a b"}
		}, "contexts[1]"},
		{"context with fragment", func(c *credential.Configuration) { c.Contexts = []string{"https://example.org/ctx#x"} }, "contexts[0]"},
		{"base context v2", func(c *credential.Configuration) { c.Contexts = []string{ContextV2} }, "contexts[0]"},
		{"base context v1", func(c *credential.Configuration) { c.Contexts = []string{ContextV1} }, "contexts[0]"},
		{"duplicate context", func(c *credential.Configuration) {
			c.Contexts = []string{"https://example.org/ctx", "https://example.org/ctx"}
		}, "contexts[1]"},
		{"vct", func(c *credential.Configuration) { c.VCT = "urn:example:diploma" }, "vct"},
		{"doctype", func(c *credential.Configuration) { c.Doctype = "org.example.diploma" }, "doctype"},
		{"did:jwk unbound", func(c *credential.Configuration) {
			c.HolderDIDJWK = true
			c.BindingMethods = []string{"none"}
		}, "holder_did_jwk"},
		{"selective claim", func(c *credential.Configuration) {
			c.Claims = []credential.Claim{claim("given_name"), {Path: []any{"family_name"}, Selective: true}}
		}, "claims[1].selective"},
		{"@context claim", func(c *credential.Configuration) { c.Claims = []credential.Claim{claim("@context")} }, "claims[0].path[0]"},
		{"nested @id claim", func(c *credential.Configuration) { c.Claims = []credential.Claim{claim("degree", nil, "@id")} }, "claims[0].path[2]"},
		{"id claim with did:jwk", func(c *credential.Configuration) {
			c.HolderDIDJWK = true
			c.Claims = []credential.Claim{claim("given_name"), claim("id")}
		}, "claims[1].path[0]"},
		{"RS256", func(c *credential.Configuration) { c.SigningAlgs = []string{"ES256", "RS256"} }, "signing_algs[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := diplomaConfig(VCDM20, false)
			tt.edit(c)
			err := New().Validate(c)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate: got %v, want nil", err)
				}
				return
			}
			var fe *credential.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate: got %v (%T), want *credential.FieldError for %s", err, err, tt.wantField)
			}
			if fe.Field != tt.wantField {
				t.Errorf("field: got %q, want %q (%v)", fe.Field, tt.wantField, fe)
			}
		})
	}
}

// TestValidateThroughRegistry checks that the core's Configuration.Validate
// reaches this plugin through the registry.
func TestValidateThroughRegistry(t *testing.T) {
	c := diplomaConfig("3.0", false)
	err := c.Validate(credential.NewFormats(New()))
	var fe *credential.FieldError
	if !errors.As(err, &fe) || fe.Field != "vcdm" {
		t.Fatalf("Validate: got %v, want a vcdm field error", err)
	}
}
