package issuance

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"credmint/app/credential"
	"credmint/app/credential/sdjwt"
)

func TestTxCodeDefaults(t *testing.T) {
	issuer := TxCode{InputMode: "numeric", Length: 6, Description: "issuer"}
	own := func(required bool, mode string, length int, desc string) *credential.Configuration {
		return &credential.Configuration{TxCode: &credential.TxCodeDefault{Required: required, InputMode: mode, Length: length, Description: desc}}
	}
	plain := &credential.Configuration{}
	for _, tt := range []struct {
		name         string
		byDefault    bool
		configs      []*credential.Configuration
		wantRequired bool
		want         TxCode
	}{
		{"issuer's policy", true, []*credential.Configuration{plain}, true, issuer},
		{"issuer's policy off", false, []*credential.Configuration{plain}, false, issuer},
		{"configuration requires", false, []*credential.Configuration{own(true, "text", 8, "")}, true, TxCode{InputMode: "text", Length: 8, Description: "issuer"}},
		{"configuration waives", true, []*credential.Configuration{own(false, "", 0, "")}, false, issuer},
		{"strictest wins", false, []*credential.Configuration{own(false, "", 0, "a"), own(true, "text", 0, "b")}, true, TxCode{InputMode: "text", Length: 6, Description: "a"}},
		{"a plain configuration follows the issuer", true, []*credential.Configuration{own(false, "", 0, ""), plain}, true, issuer},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &Service{Deps: Deps{Policy: Policy{TxCodeByDefault: tt.byDefault, TxCodeDefaults: issuer}}}
			required, got := s.txCodeDefaults(tt.configs)
			if required != tt.wantRequired {
				t.Errorf("required: got %v, want %v", required, tt.wantRequired)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("defaults (-want +got):\n%s", d)
			}
		})
	}
}

func TestPreviewConfiguration(t *testing.T) {
	s := &Service{Deps: Deps{Formats: credential.NewFormats(sdjwt.New())}}
	c := credential.Configuration{ID: "badge", Format: "dc+sd-jwt", VCT: "urn:x:badge",
		Claims: []credential.Claim{{Path: []any{"name"}, Mandatory: true}}, TxCode: &credential.TxCodeDefault{Required: true}, ReviewPolicy: "manual"}
	entry, err := s.PreviewConfiguration(c)
	if err != nil {
		t.Fatal(err)
	}
	if entry["vct"] != "urn:x:badge" || entry["format"] != "dc+sd-jwt" || entry["cryptographic_binding_methods_supported"] == nil {
		t.Errorf("entry: %v", entry)
	}
	for _, k := range []string{"tx_code", "review_policy"} {
		if _, ok := entry[k]; ok {
			t.Errorf("the metadata must not publish %s", k)
		}
	}
	c.VCT = "badge"
	var fe *credential.FieldError
	if _, err := s.PreviewConfiguration(c); !errors.As(err, &fe) || fe.Field != "vct" {
		t.Errorf("invalid configuration: got %v, want a FieldError for vct", err)
	}
}
