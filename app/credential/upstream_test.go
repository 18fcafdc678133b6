package credential_test

import (
	"errors"
	"testing"

	"credmint/app/credential"
	"credmint/app/credential/sdjwt"
)

func TestUpstreamMappingValidateNamesTheField(t *testing.T) {
	formats := credential.NewFormats(sdjwt.New())
	base := func() credential.Configuration {
		c := credential.Configuration{ID: "badge", Format: "dc+sd-jwt", VCT: "urn:x:badge",
			Claims:         []credential.Claim{{Path: []any{"given_name"}}, {Path: []any{"address"}}, {Path: []any{"address", "locality"}}},
			UpstreamClaims: []credential.UpstreamClaim{{Claim: "given_name", From: "given_name"}, {Claim: "address.locality", From: "locality"}}}
		c.Normalize()
		return c
	}
	if c := base(); c.Validate(formats) != nil {
		t.Fatalf("the base configuration is refused: %v", c.Validate(formats))
	}
	for _, tc := range []struct {
		name  string
		mut   func(*credential.Configuration)
		field string
	}{
		{"no claim", func(c *credential.Configuration) { c.UpstreamClaims[0].Claim = "" }, "upstream_claims[0].claim"},
		{"empty path part", func(c *credential.Configuration) { c.UpstreamClaims[1].Claim = "address..locality" }, "upstream_claims[1].claim"},
		{"undeclared claim", func(c *credential.Configuration) { c.UpstreamClaims[0].Claim = "nickname" }, "upstream_claims[0].claim"},
		{"filled twice", func(c *credential.Configuration) { c.UpstreamClaims[1].Claim = "given_name" }, "upstream_claims[1].claim"},
		{"no source", func(c *credential.Configuration) { c.UpstreamClaims[0].From = "" }, "upstream_claims[0]"},
		{"two sources", func(c *credential.Configuration) { c.UpstreamClaims[0].Constant = "x" }, "upstream_claims[0]"},
		{"separator without from_all", func(c *credential.Configuration) { c.UpstreamClaims[0].Separator = "-" }, "upstream_claims[0].separator"},
		{"empty from_all name", func(c *credential.Configuration) {
			c.UpstreamClaims[0].From, c.UpstreamClaims[0].FromAll = "", []string{"a", ""}
		}, "upstream_claims[0].from_all"},
		{"unknown transform", func(c *credential.Configuration) { c.UpstreamClaims[0].Transform = "title" }, "upstream_claims[0].transform"},
		{"match by name", func(c *credential.Configuration) {
			c.ApplicantMatch = &credential.ApplicantMatch{By: "name", UpstreamClaim: "name"}
		}, "applicant_match.by"},
		{"match without claim", func(c *credential.Configuration) { c.ApplicantMatch = &credential.ApplicantMatch{By: "email"} }, "applicant_match.upstream_claim"},
		{"bad merge", func(c *credential.Configuration) {
			c.ApplicantMatch = &credential.ApplicantMatch{By: "email", UpstreamClaim: "email", Data: "mine"}
		}, "applicant_match.data"},
		{"no_match without match", func(c *credential.Configuration) { c.NoMatch = "deny" }, "no_match"},
		{"bad no_match", func(c *credential.Configuration) {
			c.ApplicantMatch = &credential.ApplicantMatch{By: "external_id", UpstreamClaim: "employee_number"}
			c.NoMatch = "ignore"
		}, "no_match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.mut(&c)
			var fe *credential.FieldError
			if err := c.Validate(formats); !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("got %v, want a FieldError for %s", err, tc.field)
			}
		})
	}
}
