package credential_test

import (
	"errors"
	"slices"
	"testing"

	"credmint/app/credential"
	"credmint/app/credential/sdjwt"
)

func TestConfigurationValidateNamesTheField(t *testing.T) {
	formats := credential.NewFormats(sdjwt.New())
	base := func() credential.Configuration {
		return credential.Configuration{ID: "badge", Format: "dc+sd-jwt", VCT: "urn:x:badge", Scope: "badge",
			Claims: []credential.Claim{{Path: []any{"given_name"}}}}
	}
	tests := []struct {
		name  string
		mut   func(*credential.Configuration)
		field string
	}{
		{"bad id", func(c *credential.Configuration) { c.ID = "has space" }, "id"},
		{"unknown format", func(c *credential.Configuration) { c.Format = "ldp_vc" }, "format"},
		{"scope with space", func(c *credential.Configuration) { c.Scope = "a b" }, "scope"},
		{"duplicate claim path", func(c *credential.Configuration) {
			c.Claims = append(c.Claims, credential.Claim{Path: []any{"given_name"}})
		}, "claims[1].path"},
		{"empty path", func(c *credential.Configuration) { c.Claims = []credential.Claim{{}} }, "claims[0].path"},
		{"negative index", func(c *credential.Configuration) { c.Claims = []credential.Claim{{Path: []any{"a", -1}}} }, "claims[0].path[1]"},
		{"object and array", func(c *credential.Configuration) {
			c.Claims = []credential.Claim{{Path: []any{"a", "b"}}, {Path: []any{"a", nil}}}
		}, "claims[1].path"},
		{"wildcard and index", func(c *credential.Configuration) {
			c.Claims = []credential.Claim{{Path: []any{"a", nil}}, {Path: []any{"a", 0}}}
		}, "claims[1].path"},
		{"unknown type", func(c *credential.Configuration) { c.Claims[0].Type = "uuid" }, "claims[0].type"},
		{"bad locale", func(c *credential.Configuration) { c.Display = []credential.Display{{Name: "x", Locale: "en_GB!"}} }, "display[0].locale"},
		{"duplicate locale", func(c *credential.Configuration) {
			c.Display = []credential.Display{{Name: "x", Locale: "en"}, {Name: "y", Locale: "EN"}}
		}, "display[1].locale"},
		{"bad colour", func(c *credential.Configuration) {
			c.Display = []credential.Display{{Name: "x", BackgroundColor: "blue"}}
		}, "display[0].background_color"},
		{"unsupported binding", func(c *credential.Configuration) { c.BindingMethods = []string{"did:web"} }, "binding_methods[0]"},
		{"unsupported proof alg", func(c *credential.Configuration) { c.ProofSigningAlgs = []string{"HS256"} }, "proof_signing_algs[0]"},
		{"bad vct", func(c *credential.Configuration) { c.VCT = "badge" }, "vct"},
		{"unsupported signing alg", func(c *credential.Configuration) { c.SigningAlgs = []string{"RS256"} }, "signing_algs[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.mut(&c)
			err := c.Validate(formats)
			var fe *credential.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("got %v, want a FieldError for %q", err, tt.field)
			}
		})
	}
	ok := base()
	ok.Normalize()
	if err := ok.Validate(formats); err != nil {
		t.Fatalf("valid configuration: %v", err)
	}
}

func TestCheckDataset(t *testing.T) {
	c := credential.Configuration{ID: "x", Claims: []credential.Claim{
		{Path: []any{"name"}, Mandatory: true, Type: credential.TypeString},
		{Path: []any{"born"}, Type: credential.TypeDate},
		{Path: []any{"age"}, Type: credential.TypeInteger},
		{Path: []any{"langs", nil}, Type: credential.TypeString},
	}}
	errs := c.CheckDataset(map[string]any{"born": "1999-02-30", "age": 3.5, "langs": []any{"en", 7.0}})
	got := map[string]bool{}
	for _, e := range errs {
		got[e.Field] = true
	}
	for _, f := range []string{"name", "born", "age", "langs[*]"} {
		if !got[f] {
			t.Errorf("no error for %s (got %v)", f, errs)
		}
	}
	if errs := c.CheckDataset(map[string]any{"name": "Ada", "born": "1815-12-10", "age": 36.0, "langs": []any{"en"}}); len(errs) != 0 {
		t.Errorf("valid dataset: %v", errs)
	}
}

func TestUndeclaredClaims(t *testing.T) {
	c := &credential.Configuration{Claims: []credential.Claim{
		{Path: []any{"org.iso.18013.5.1", "family_name"}},
		{Path: []any{"org.iso.18013.5.1", "given_name"}},
		{Path: []any{"address"}},
		{Path: []any{"degrees", nil, "type"}},
	}}
	data := map[string]any{
		"org.iso.18013.5.1": map[string]any{"family_name": "L", "givne_name": "A"},
		"address":           map[string]any{"street": "x", "anything": "goes"},
		"degrees":           []any{map[string]any{"type": "BSc", "extra": 1}},
		"nickname":          "Ada",
	}
	got := c.UndeclaredClaims(data)
	want := []string{"nickname", "org.iso.18013.5.1.givne_name"}
	if !slices.Equal(got, want) {
		t.Errorf("UndeclaredClaims = %v, want %v", got, want)
	}
	if got := (&credential.Configuration{}).UndeclaredClaims(data); got != nil {
		t.Errorf("open configuration: got %v, want nil", got)
	}
}
