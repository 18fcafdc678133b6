package console

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"credmint/app/credential"
	"credmint/app/credential/jwtvc"
	"credmint/app/credential/mdoc"
	"credmint/app/credential/sdjwt"
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
		{`["org.iso.18013.5.1", "family_name"]`, []any{"org.iso.18013.5.1", "family_name"}, ""}, // an mdoc [namespace, element]
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
		`["degrees", null, "title"]`:           "degrees[*].title",
		`["a.b"]`:                              `["a.b"]`,
		`["x", 0]`:                             "x[0]",
		`["1"]`:                                "1",
		`["a[b"]`:                              `["a[b"]`,
		`["org.iso.18013.5.1", "family_name"]`: `["org.iso.18013.5.1","family_name"]`,
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
			DraftTwin: true, Claims: []credential.Claim{{Path: []any{"x"}, Display: []credential.ClaimDisplay{{Name: "X", Locale: "fr"}}}}},
		// mso_mdoc: a doctype and [namespace, element] paths.
		{ID: "mdl", Format: "mso_mdoc", Doctype: "org.iso.18013.5.1.mDL", Validity: 5 * 365 * 24 * time.Hour, BindingMethods: []string{"jwk"},
			ReviewPolicy: "auto", Claims: []credential.Claim{
				{Path: []any{"org.iso.18013.5.1", "family_name"}, Mandatory: true, Type: "string"},
				{Path: []any{"org.iso.18013.5.1", "portrait"}, Type: "bytes"},
			}},
		// jwt_vc_json with every one of its fields.
		{ID: "diploma", Format: "jwt_vc_json", VCDM: "1.1", Types: []string{"UniversityDegreeCredential", "https://x.example/T"},
			Contexts: []string{"https://www.w3.org/ns/credentials/examples/v2", "https://x.example/ctx?a=1,2"}, HolderDIDJWK: true,
			Validity: 24 * time.Hour, BindingMethods: []string{"jwk"}, ReviewPolicy: "auto", Claims: []credential.Claim{{Path: []any{"degree", "name"}}}},
		// A vc+sd-jwt configuration (from the file, say) keeps its vct.
		{ID: "old", Format: "vc+sd-jwt", VCT: "urn:z", Validity: time.Hour, BindingMethods: []string{"jwk"}, ReviewPolicy: "auto"},
	} {
		v := valuesOf(&c)
		got, errs := configurationOf(v, testFormats.Fields(c.Format))
		if errs != nil {
			t.Fatalf("%s: %v", c.ID, errs)
		}
		if d := cmp.Diff(c, got); d != "" {
			t.Errorf("%s round trip (-want +got):\n%s", c.ID, d)
		}
	}
}

// testFormats are the format plugins credmint registers.
var testFormats = credential.NewFormats(sdjwt.New(), sdjwt.NewDraft(), jwtvc.New(), mdoc.New())

// TestEditorTakesOnlyTheFormatsFields: the fields of another format, still
// in a form whose format was just changed, are not part of the
// configuration.
func TestEditorTakesOnlyTheFormatsFields(t *testing.T) {
	v := configurations.Values{ID: "x", Format: "mso_mdoc", VCT: "urn:x", Doctype: "org.example.x", VCDM: "1.1", Types: "T",
		Contexts: "https://x.example/c", HolderDIDJWK: true, DraftTwin: true}
	got, errs := configurationOf(v, testFormats.Fields(v.Format))
	if errs != nil {
		t.Fatal(errs)
	}
	want := credential.Configuration{ID: "x", Format: "mso_mdoc", Doctype: "org.example.x"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("mso_mdoc (-want +got):\n%s", d)
	}
	v.Format = "jwt_vc_json"
	got, _ = configurationOf(v, testFormats.Fields(v.Format))
	want = credential.Configuration{ID: "x", Format: "jwt_vc_json", VCDM: "1.1", Types: []string{"T"}, Contexts: []string{"https://x.example/c"}, HolderDIDJWK: true}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("jwt_vc_json (-want +got):\n%s", d)
	}
	v.Format = "dc+sd-jwt"
	got, _ = configurationOf(v, testFormats.Fields(v.Format))
	want = credential.Configuration{ID: "x", Format: "dc+sd-jwt", VCT: "urn:x", DraftTwin: true}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("dc+sd-jwt (-want +got):\n%s", d)
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
		"doctype":                     "doctype",
		"types[1]":                    "types",
		"contexts[0]":                 "contexts",
		"holder_did_jwk":              "holder_did_jwk",
		"claims[1].selective":         "claims[1].selective",
	} {
		errs := configurationErrors(v, &credential.FieldError{Field: field, Reason: "is wrong"})
		if errs[want] == "" || errs[""] == "" {
			t.Errorf("%s: got %v, want a message on %s and a summary", field, errs, want)
		}
	}
}
