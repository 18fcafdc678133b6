package credential

import (
	"fmt"
	"slices"
	"strings"
)

// UpstreamClaim fills one credential claim from the claims of the person's
// login at the upstream OpenID provider (ID token, merged with UserInfo when
// configured). Exactly one of From, FromAll and Constant is set.
type UpstreamClaim struct {
	// Claim is the credential claim: a top-level name, or a dotted path
	// into objects ("address.locality").
	Claim string `yaml:"claim" json:"claim"`
	// From is the upstream claim's name; a dotted path reaches into
	// objects ("address.country").
	From string `yaml:"from,omitempty" json:"from,omitempty"`
	// FromAll concatenates several upstream claims, skipping missing ones,
	// with Separator between them (default a space).
	FromAll   []string `yaml:"from_all,omitempty" json:"from_all,omitempty"`
	Separator string   `yaml:"separator,omitempty" json:"separator,omitempty"`
	// Constant is a fixed value.
	Constant any `yaml:"constant,omitempty" json:"constant,omitempty"`
	// Transform is applied to the value: TransformDate, TransformLower or
	// TransformUpper; "" keeps it.
	Transform string `yaml:"transform,omitempty" json:"transform,omitempty"`
}

// Transforms of an upstream claim.
const (
	// TransformDate parses common date formats into YYYY-MM-DD.
	TransformDate  = "date"
	TransformLower = "lower"
	TransformUpper = "upper"
)

// ApplicantMatch finds the uploaded applicant record of the person who
// logged in, by one of the applicant's fields compared with an upstream
// claim.
type ApplicantMatch struct {
	// By is MatchByEmail or MatchByExternalID.
	By string `yaml:"by" json:"by"`
	// UpstreamClaim names the upstream claim holding the value ("email",
	// "employee_number" …).
	UpstreamClaim string `yaml:"upstream_claim" json:"upstream_claim"`
	// Data says which side wins when both have a claim: DataUploadedWins
	// (the default) or DataFillGaps (the upstream claims win, the upload
	// fills what they lack).
	Data string `yaml:"data,omitempty" json:"data,omitempty"`
}

// Applicant fields a match can use, and how matched data is merged.
const (
	MatchByEmail      = "email"
	MatchByExternalID = "external_id"
	DataUploadedWins  = "uploaded_wins"
	DataFillGaps      = "fill_gaps"
)

// What happens when no applicant matches (NoMatch).
const (
	// NoMatchDeny refuses the request (the default).
	NoMatchDeny = "deny"
	// NoMatchReview would send the request to a reviewer (deferred
	// issuance); until that exists it refuses too, with its own message.
	NoMatchReview = "review"
)

// MergePolicy returns how uploaded and upstream data are merged.
func (m *ApplicantMatch) MergePolicy() string {
	if m == nil || m.Data == "" {
		return DataUploadedWins
	}
	return m.Data
}

// NoMatchPolicy returns NoMatchDeny or NoMatchReview.
func (c *Configuration) NoMatchPolicy() string {
	if c.NoMatch == "" {
		return NoMatchDeny
	}
	return c.NoMatch
}

var upstreamTransforms = []string{"", TransformDate, TransformLower, TransformUpper}

// validateUpstream checks upstream_claims, applicant_match and no_match.
func (c *Configuration) validateUpstream() error {
	declared := c.TopLevelClaims()
	seen := map[string]int{}
	for i, u := range c.UpstreamClaims {
		field := fmt.Sprintf("upstream_claims[%d]", i)
		if u.Claim == "" || slices.Contains(strings.Split(u.Claim, "."), "") {
			return &FieldError{field + ".claim", "must be a claim name or a dotted path such as address.locality"}
		}
		top, _, _ := strings.Cut(u.Claim, ".")
		if len(c.Claims) > 0 && !slices.Contains(declared, top) {
			return &FieldError{field + ".claim", fmt.Sprintf("%q is not a claim of this configuration", top)}
		}
		if prev, dup := seen[u.Claim]; dup {
			return &FieldError{field + ".claim", fmt.Sprintf("%s is filled twice (also upstream_claims[%d])", u.Claim, prev)}
		}
		seen[u.Claim] = i
		sources := 0
		for _, set := range []bool{u.From != "", len(u.FromAll) > 0, u.Constant != nil} {
			if set {
				sources++
			}
		}
		if sources != 1 {
			return &FieldError{field, "needs exactly one of from, from_all and constant"}
		}
		if slices.Contains(u.FromAll, "") {
			return &FieldError{field + ".from_all", "must not hold an empty name"}
		}
		if u.Separator != "" && len(u.FromAll) == 0 {
			return &FieldError{field + ".separator", "goes with from_all"}
		}
		if !slices.Contains(upstreamTransforms, u.Transform) {
			return &FieldError{field + ".transform", fmt.Sprintf("must be date, lower or upper, not %q", u.Transform)}
		}
	}
	if m := c.ApplicantMatch; m != nil {
		if m.By != MatchByEmail && m.By != MatchByExternalID {
			return &FieldError{"applicant_match.by", fmt.Sprintf("must be %s or %s, not %q", MatchByEmail, MatchByExternalID, m.By)}
		}
		if m.UpstreamClaim == "" {
			return &FieldError{"applicant_match.upstream_claim", "is required (the upstream claim holding the " + m.By + ")"}
		}
		if m.Data != "" && m.Data != DataUploadedWins && m.Data != DataFillGaps {
			return &FieldError{"applicant_match.data", fmt.Sprintf("must be %s or %s, not %q", DataUploadedWins, DataFillGaps, m.Data)}
		}
	}
	switch c.NoMatch {
	case "":
	case NoMatchDeny, NoMatchReview:
		if c.ApplicantMatch == nil {
			return &FieldError{"no_match", "goes with applicant_match"}
		}
	default:
		return &FieldError{"no_match", fmt.Sprintf("must be %s or %s, not %q", NoMatchDeny, NoMatchReview, c.NoMatch)}
	}
	return nil
}
