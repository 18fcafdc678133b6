package console

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"credmint/app/credential"
	"credmint/views/configurations"
)

func TestConstantRoundTrip(t *testing.T) {
	tests := []struct {
		typed string
		want  any
	}{
		{"NL", "NL"},
		{"42", json.Number("42")},
		{"true", true},
		{`"42"`, "42"},
		{`"true"`, "true"},
		{"null", "null"},
		{`{"a":1}`, map[string]any{"a": json.Number("1")}},
		{`["x","y"]`, []any{"x", "y"}},
		{"007", "007"},
		{"1 2", "1 2"},
	}
	for _, tc := range tests {
		got := constantOf(tc.typed)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("constantOf(%q) (-want +got):\n%s", tc.typed, diff)
		}
		if back := constantOf(constantText(got)); !cmp.Equal(back, got) {
			t.Errorf("constantText(%#v) = %q reads back as %#v", got, constantText(got), back)
		}
	}
}

// TestMappingValuesRoundTrip: a configuration's mapping, shown in the
// editor and posted back unchanged, is the same mapping.
func TestMappingValuesRoundTrip(t *testing.T) {
	c := &credential.Configuration{
		UpstreamClaims: []credential.UpstreamClaim{
			{Claim: "given_name", From: "given_name", Transform: credential.TransformUpper},
			{Claim: "full_name", FromAll: []string{"given_name", "family_name"}, Separator: ", "},
			{Claim: "country", Constant: "NL"},
			{Claim: "level", Constant: json.Number("3")},
		},
		ApplicantMatch: &credential.ApplicantMatch{By: credential.MatchByExternalID, UpstreamClaim: "employee_number", Data: credential.DataFillGaps},
		NoMatch:        credential.NoMatchReview,
	}
	var v configurations.Values
	upstreamValuesOf(c, &v)
	var back credential.Configuration
	if errs := mappingOf(v, &back); errs != nil {
		t.Fatalf("mappingOf: %v", errs)
	}
	if diff := cmp.Diff(c.UpstreamClaims, back.UpstreamClaims); diff != "" {
		t.Errorf("upstream_claims (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(c.ApplicantMatch, back.ApplicantMatch); diff != "" || back.NoMatch != c.NoMatch {
		t.Errorf("applicant_match (-want +got):\n%s; no_match %q", diff, back.NoMatch)
	}
	// Defaults are stored as absent.
	v = configurations.Values{MatchBy: credential.MatchByEmail, MatchClaim: "email", MatchData: credential.DataUploadedWins, NoMatch: credential.NoMatchDeny}
	if errs := mappingOf(v, &back); errs != nil || back.ApplicantMatch.Data != "" || back.NoMatch != "" || back.UpstreamClaims != nil {
		t.Errorf("defaults: got %+v, %q, %v", back.ApplicantMatch, back.NoMatch, errs)
	}
	// Without matching, the other choices do not count.
	v = configurations.Values{MatchData: credential.DataFillGaps, NoMatch: credential.NoMatchReview}
	if errs := mappingOf(v, &back); errs != nil || back.ApplicantMatch != nil || back.NoMatch != "" {
		t.Errorf("no matching: got %+v, %q, %v", back.ApplicantMatch, back.NoMatch, errs)
	}
}

func TestUpstreamField(t *testing.T) {
	for field, want := range map[string]string{
		"upstream_claims[2].claim": "upstream_claims[2].claim", "upstream_claims[0].from_all": "upstream_claims[0].value",
		"upstream_claims[1]": "upstream_claims[1].value", "upstream_claims[3].separator": "upstream_claims[3].separator",
		"applicant_match.upstream_claim": "match_upstream_claim", "no_match": "no_match",
	} {
		if got, ok := upstreamField(field); !ok || got != want {
			t.Errorf("upstreamField(%q): got %q, %v; want %q", field, got, ok, want)
		}
	}
	if _, ok := upstreamField("claims[0].path"); ok {
		t.Error("upstreamField took a field of another section")
	}
}
