package credential_test

import (
	"errors"
	"testing"

	"credmint/app/credential"
	"credmint/app/credential/sdjwt"
)

func TestValidateReviewRules(t *testing.T) {
	formats := credential.NewFormats(sdjwt.New())
	for _, tt := range []struct {
		name  string
		mut   func(*credential.Configuration)
		field string // "" for valid
	}{
		{"manual with rules and four-eyes", func(c *credential.Configuration) {
			c.ReviewPolicy, c.FourEyes = credential.ReviewManual, true
			c.ReviewRules = []string{credential.ReviewRuleNoApplicantMatch, credential.ReviewRuleClaimsChanged, credential.ReviewRuleFlagged}
		}, ""},
		{"unknown rule", func(c *credential.Configuration) {
			c.ReviewPolicy, c.ReviewRules = credential.ReviewManual, []string{"flagged", "moon_phase"}
		}, "review_rules[1]"},
		{"rules without manual", func(c *credential.Configuration) { c.ReviewRules = []string{"flagged"} }, "review_rules"},
		{"four-eyes without manual", func(c *credential.Configuration) { c.FourEyes = true }, "four_eyes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := credential.Configuration{ID: "badge", Format: "dc+sd-jwt", VCT: "urn:x:badge", Display: []credential.Display{{Name: "Badge"}}}
			tt.mut(&c)
			err := c.Validate(formats)
			var fe *credential.FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("got %v, want valid", err)
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
				t.Fatalf("got %v, want a FieldError for %q", err, tt.field)
			}
		})
	}
}
