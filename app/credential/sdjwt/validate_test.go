package sdjwt

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"credmint/app/credential"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(c *credential.Configuration)
		wantField string // "" = valid
	}{
		{"valid urn", func(c *credential.Configuration) {}, ""},
		{"valid https vct", func(c *credential.Configuration) { c.VCT = "https://example.org/credentials/badge" }, ""},
		{"recursive selective claims", func(c *credential.Configuration) {
			c.Claims = []credential.Claim{sel("address"), sel("address", "locality")}
		}, ""},
		{"registered name nested", func(c *credential.Configuration) {
			c.Claims = []credential.Claim{sel("employment", "status"), plain("employment", "iss")}
		}, ""},
		{"no signing algs", func(c *credential.Configuration) { c.SigningAlgs = nil }, ""},
		{"missing vct", func(c *credential.Configuration) { c.VCT = "" }, "vct"},
		{"relative vct", func(c *credential.Configuration) { c.VCT = "staff_badge" }, "vct"},
		{"vct with space", func(c *credential.Configuration) { c.VCT = "urn:example:staff badge" }, "vct"},
		{"vct scheme only", func(c *credential.Configuration) { c.VCT = "urn:" }, "vct"},
		{"https vct without host", func(c *credential.Configuration) { c.VCT = "https:///badge" }, "vct"},
		{"iss claim", func(c *credential.Configuration) { c.Claims = []credential.Claim{plain("given_name"), plain("iss")} }, "claims[1].path[0]"},
		{"iat claim", func(c *credential.Configuration) { c.Claims = []credential.Claim{sel("iat")} }, "claims[0].path[0]"},
		{"nbf claim", func(c *credential.Configuration) { c.Claims = []credential.Claim{plain("nbf")} }, "claims[0].path[0]"},
		{"exp claim", func(c *credential.Configuration) { c.Claims = []credential.Claim{plain("exp")} }, "claims[0].path[0]"},
		{"cnf claim", func(c *credential.Configuration) { c.Claims = []credential.Claim{plain("cnf", "jwk")} }, "claims[0].path[0]"},
		{"vct claim", func(c *credential.Configuration) { c.Claims = []credential.Claim{plain("vct")} }, "claims[0].path[0]"},
		{"vct#integrity claim", func(c *credential.Configuration) { c.Claims = []credential.Claim{plain("vct#integrity")} }, "claims[0].path[0]"},
		{"status claim", func(c *credential.Configuration) { c.Claims = []credential.Claim{sel("status")} }, "claims[0].path[0]"},
		{"_sd_alg claim", func(c *credential.Configuration) { c.Claims = []credential.Claim{plain("_sd_alg")} }, "claims[0].path[0]"},
		{"nested _sd_alg", func(c *credential.Configuration) { c.Claims = []credential.Claim{plain("address", "_sd_alg")} }, "claims[0].path[1]"},
		{"nested _sd", func(c *credential.Configuration) { c.Claims = []credential.Claim{plain("a", nil, "_sd")} }, "claims[0].path[2]"},
		{"nested ...", func(c *credential.Configuration) { c.Claims = []credential.Claim{plain("a", "...")} }, "claims[0].path[1]"},
		{"null and index on one array", func(c *credential.Configuration) {
			c.Claims = []credential.Claim{sel("nationalities", nil), sel("nationalities", 0)}
		}, "claims[1].path"},
		{"null and index below", func(c *credential.Configuration) {
			c.Claims = []credential.Claim{sel("degrees", 1, "type"), plain("degrees", nil, "year")}
		}, "claims[1].path"},
		{"RS256", func(c *credential.Configuration) { c.SigningAlgs = []string{"ES256", "RS256"} }, "signing_algs[1]"},
		{"ES384", func(c *credential.Configuration) { c.SigningAlgs = []string{"ES384"} }, "signing_algs[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &credential.Configuration{
				ID: "badge", Format: FormatID, VCT: "urn:example:badge:1",
				Claims:      []credential.Claim{plain("given_name"), sel("address", "locality")},
				SigningAlgs: []string{"ES256"},
			}
			tt.edit(c)
			err := New().Validate(c)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var fe *credential.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate = %v (%T), want *credential.FieldError", err, err)
			}
			if fe.Field != tt.wantField || fe.Reason == "" {
				t.Errorf("Validate = %q, want field %s with a reason", err, tt.wantField)
			}
		})
	}
}

// TestValidateThroughRegistry runs the format-independent checks and ours
// together, as the configuration loader does.
func TestValidateThroughRegistry(t *testing.T) {
	formats := credential.NewFormats(New())
	c := &credential.Configuration{
		ID: "badge", Format: FormatID, VCT: "urn:example:badge:1", Scope: "badge",
		Claims: []credential.Claim{plain("given_name"), sel("address"), sel("address", "locality"), sel("nationalities", nil)},
	}
	c.Normalize()
	if err := c.Validate(formats); err != nil {
		t.Fatalf("Validate = %v, want nil", err)
	}
	c.VCT = "badge"
	var fe *credential.FieldError
	if err := c.Validate(formats); !errors.As(err, &fe) || fe.Field != "vct" {
		t.Errorf("Validate with relative vct = %v, want a vct FieldError", err)
	}
}

func TestMetadata(t *testing.T) {
	got := New().Metadata(&credential.Configuration{VCT: "urn:example:badge:1"})
	if diff := cmp.Diff(map[string]any{"vct": "urn:example:badge:1"}, got); diff != "" {
		t.Errorf("Metadata (-want +got):\n%s", diff)
	}
	if id := New().ID(); id != "dc+sd-jwt" {
		t.Errorf("ID = %q, want dc+sd-jwt", id)
	}
}
