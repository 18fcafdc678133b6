package console

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"credmint/app/credential"
	"credmint/views/configurations"
)

func TestParsePath(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    []any
		wantErr string
	}{
		{"given_name", []any{"given_name"}, ""},
		{"address.locality", []any{"address", "locality"}, ""},
		{"degrees[*].title", []any{"degrees", nil, "title"}, ""},
		{"matrix[0][*]", []any{"matrix", 0, nil}, ""},
		{`["a.b", null, 2, "c"]`, []any{"a.b", nil, 2, "c"}, ""},
		{"", nil, ""},
		{"a..b", nil, "every dot"},
		{"a[x]", nil, "brackets"},
		{"a[-1]", nil, "brackets"},
		{"a[0", nil, "brackets"},
		{`["a", 1.5]`, nil, "whole numbers"},
		{`["a"`, nil, "JSON array"},
		{`["a"] ["b"]`, nil, "JSON array"},
	} {
		got, err := parsePath(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parsePath(%q): got %v, %v, want an error about %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !cmp.Equal(got, tt.want) {
			t.Errorf("parsePath(%q): got %#v, %v, want %#v", tt.in, got, err, tt.want)
		}
	}
	for path, want := range map[string]string{
		`["degrees", null, "title"]`: "degrees[*].title",
		`["a.b"]`:                    `["a.b"]`,
		`["x", 0]`:                   "x[0]",
		`["1"]`:                      "1",
		`["a[b"]`:                    `["a[b"]`,
	} {
		p, _ := parsePath(path)
		if got := formatPath(p); got != want {
			t.Errorf("formatPath(%s): got %q, want %q", path, got, want)
		}
		if back, err := parsePath(formatPath(p)); err != nil || !cmp.Equal(back, p) {
			t.Errorf("round trip of %s: got %#v, %v", path, back, err)
		}
	}
}

// TestEditorRoundTrip turns configurations into the editor's values and
// back: nothing is lost.
func TestEditorRoundTrip(t *testing.T) {
	for _, c := range []credential.Configuration{
		{ID: "a", Format: "dc+sd-jwt", VCT: "urn:x", Validity: 30 * 24 * time.Hour, BindingMethods: []string{"jwk"},
			SigningAlgs: []string{"ES256"}, ProofSigningAlgs: []string{"ES256", "EdDSA"}, ReviewPolicy: "manual",
			TxCode: &credential.TxCodeDefault{Required: true, InputMode: "text", Length: 8, Description: "see letter"},
			Display: []credential.Display{
				{Name: "Card", Locale: "en", Description: "d", BackgroundColor: "#000", TextColor: "#fff", Logo: &credential.Image{URI: "https://x/l.png", AltText: "L"}},
				{Name: "Karte", Locale: "de"},
			},
			Claims: []credential.Claim{
				{Path: []any{"name"}, Mandatory: true, Type: "string", Display: []credential.ClaimDisplay{{Name: "Name", Locale: "en"}, {Name: "Name", Locale: "de"}}},
				{Path: []any{"degrees", nil, "title"}, Selective: true, Display: []credential.ClaimDisplay{{Name: "Titel", Locale: "de"}}},
				{Path: []any{"a.b"}},
			}},
		// Claim names in a locale without a display entry, and no tx_code.
		{ID: "b", Format: "dc+sd-jwt", VCT: "urn:y", Validity: 12 * time.Hour, BindingMethods: []string{"none"}, ReviewPolicy: "auto",
			Claims: []credential.Claim{{Path: []any{"x"}, Display: []credential.ClaimDisplay{{Name: "X", Locale: "fr"}}}}},
	} {
		v := valuesOf(&c)
		got, errs := configurationOf(v)
		if errs != nil {
			t.Fatalf("%s: %v", c.ID, errs)
		}
		if d := cmp.Diff(c, got); d != "" {
			t.Errorf("%s round trip (-want +got):\n%s", c.ID, d)
		}
	}
}

func TestEditorOps(t *testing.T) {
	v := configurations.Values{
		Displays: []configurations.DisplayRow{{Locale: "en", Name: "Card"}},
		Claims:   []configurations.ClaimRow{{Path: "a", Names: []string{"A"}}, {Path: "b", Names: []string{"B"}}},
	}
	for _, op := range []string{"add_locale", "add_claim", "remove_claim:0", "remove_locale:0", "remove_claim:9", "save"} {
		applied := applyEditorOp(&v, op)
		if applied == (op == "save") {
			t.Errorf("%s: applied %v", op, applied)
		}
	}
	want := configurations.Values{
		Displays: []configurations.DisplayRow{{}},
		Claims:   []configurations.ClaimRow{{Path: "b", Names: []string{""}}, {Names: []string{""}}},
	}
	if d := cmp.Diff(want, v); d != "" {
		t.Errorf("after the operations (-want +got):\n%s", d)
	}
}

func TestConfigurationErrorsMapToInputs(t *testing.T) {
	v := configurations.Values{Displays: []configurations.DisplayRow{{Locale: "xx"}, {Locale: "en", Name: "Card"}}}
	for field, want := range map[string]string{
		"claims[2].path[1]":           "claims[2].path",
		"claims[0].display[1].locale": "claims[0].names",
		"claims[3].type":              "claims[3].type",
		"display[0].background_color": "display[1].background_color", // display 0 is the second row: the first is empty
		"display[0].logo.uri":         "display[1].logo_uri",
		"signing_algs[1]":             "signing_algs",
		"binding_methods[0]":          "binding",
		"tx_code.length":              "tx_code_length",
		"vct":                         "vct",
	} {
		errs := configurationErrors(v, &credential.FieldError{Field: field, Reason: "is wrong"})
		if errs[want] == "" || errs[""] == "" {
			t.Errorf("%s: got %v, want a message on %s and a summary", field, errs, want)
		}
	}
}
