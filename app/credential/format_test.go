package credential_test

import (
	"slices"
	"testing"

	"credmint/app/credential"
	"credmint/app/credential/jwtvc"
	"credmint/app/credential/mdoc"
	"credmint/app/credential/sdjwt"
)

// TestFormatsSelectableAndFields: the draft format is registered but not
// selectable, and each plugin names the format-specific fields it uses.
func TestFormatsSelectableAndFields(t *testing.T) {
	r := credential.NewFormats(sdjwt.New(), sdjwt.NewDraft(), jwtvc.New(), mdoc.New())
	if got, want := r.Selectable(), []string{"dc+sd-jwt", "jwt_vc_json", "mso_mdoc"}; !slices.Equal(got, want) {
		t.Errorf("Selectable: got %v, want %v", got, want)
	}
	if _, ok := r.Lookup("vc+sd-jwt"); !ok {
		t.Error("the hidden draft format must stay registered")
	}
	for id, want := range map[string][]string{
		"dc+sd-jwt":   {"vct", "draft_twin"},
		"vc+sd-jwt":   {"vct"},
		"mso_mdoc":    {"doctype"},
		"jwt_vc_json": {"vcdm", "types", "contexts", "holder_did_jwk"},
		"unknown":     nil,
	} {
		if got := r.Fields(id); !slices.Equal(got, want) {
			t.Errorf("Fields(%s): got %v, want %v", id, got, want)
		}
	}
	// Fields returns a copy.
	r.Fields("mso_mdoc")[0] = "x"
	if r.Fields("mso_mdoc")[0] != "doctype" {
		t.Error("Fields returned the plugin's own slice")
	}
}
