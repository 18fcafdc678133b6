package mdoc

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"credmint/app/credential"
)

func TestValidate(t *testing.T) {
	formats := credential.NewFormats(New())
	tests := []struct {
		name      string
		edit      func(c *credential.Configuration)
		wantField string
		wantIn    string
	}{
		{"valid mDL", func(*credential.Configuration) {}, "", ""},
		{"selective flag is accepted", func(c *credential.Configuration) { c.Claims[0].Selective = true }, "", ""},
		{"open dataset", func(c *credential.Configuration) { c.Claims = nil }, "", ""},
		{"EUDI PID doctype", func(c *credential.Configuration) { c.Doctype = "eu.europa.ec.eudi.pid.1" }, "", ""},
		{"no doctype", func(c *credential.Configuration) { c.Doctype = "" }, "doctype", "required"},
		{"doctype with spaces", func(c *credential.Configuration) { c.Doctype = "org.iso mDL" }, "doctype", "reverse domain"},
		{"doctype without dot", func(c *credential.Configuration) { c.Doctype = "mDL" }, "doctype", "reverse domain"},
		{"doctype with empty label", func(c *credential.Configuration) { c.Doctype = "org..mDL" }, "doctype", "reverse domain"},
		{"doctype too long", func(c *credential.Configuration) { c.Doctype = "org." + strings.Repeat("a", 300) }, "doctype", "at most"},
		{"vct", func(c *credential.Configuration) { c.VCT = "urn:x" }, "vct", "doctype"},
		{"no binding", func(c *credential.Configuration) { c.BindingMethods = []string{"none"} }, "binding_methods", "device key"},
		{"flat path", func(c *credential.Configuration) { c.Claims[1].Path = []any{"given_name"} }, "claims[1].path", "[namespace, element identifier, ...]"},
		{"typed value inside an element", func(c *credential.Configuration) {
			c.Claims = append(c.Claims, credential.Claim{Path: []any{mdlNamespace, "driving_privileges", nil, "codes", nil, "code"}, Type: credential.TypeString})
		}, "", ""},
		{"nested value in another namespace", func(c *credential.Configuration) {
			c.Claims = append(c.Claims, credential.Claim{Path: []any{"mdl", "driving_privileges", nil, "issue_date"}, Type: credential.TypeDate})
		}, "claims[15].path[0]", "namespace"},
		{"index in path", func(c *credential.Configuration) { c.Claims = c.Claims[:1]; c.Claims[0].Path = []any{mdlNamespace, 0} }, "claims[0].path[1]", "element identifier"},
		{"namespace not reverse domain", func(c *credential.Configuration) { c.Claims[0].Path = []any{"mdl", "family_name"} }, "claims[0].path[0]", "namespace"},
		{"element with space", func(c *credential.Configuration) { c.Claims[0].Path = []any{mdlNamespace, "family name"} }, "claims[0].path[1]", "element identifier"},
		{"unsupported signing alg", func(c *credential.Configuration) { c.SigningAlgs = []string{"ES256", "RS256"} }, "signing_algs[1]", "RS256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mdlConfiguration()
			tt.edit(c)
			err := c.Validate(formats)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate: got %v, want nil", err)
				}
				return
			}
			var fe *credential.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate: got %v, want a *credential.FieldError on %s", err, tt.wantField)
			}
			if fe.Field != tt.wantField || !strings.Contains(fe.Reason, tt.wantIn) {
				t.Errorf("Validate: got %s: %s, want field %s mentioning %q", fe.Field, fe.Reason, tt.wantField, tt.wantIn)
			}
		})
	}
}

func TestMetadata(t *testing.T) {
	got := New().Metadata(mdlConfiguration())
	want := map[string]any{
		"doctype": mdlDoctype,
		"credential_signing_alg_values_supported": []int64{-7},
		"cryptographic_binding_methods_supported": []string{"cose_key"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Metadata (-want +got):\n%s", diff)
	}
	if New().KeyPurpose() != "mdoc_document_signer" || credential.KeyPurpose(New()) != "mdoc_document_signer" {
		t.Errorf("KeyPurpose: got %q, want mdoc_document_signer", New().KeyPurpose())
	}
}
