package sdjwt

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"credmint/app/credential"
)

// TestDraftFormat: the vc+sd-jwt plugin has its own id and typ header, and
// names no twin of its own; the dc+sd-jwt one names vc+sd-jwt.
func TestDraftFormat(t *testing.T) {
	if got := NewDraft().ID(); got != "vc+sd-jwt" {
		t.Errorf("NewDraft().ID(): got %q, want vc+sd-jwt", got)
	}
	if got := New().DraftTwinFormat(); got != "vc+sd-jwt" {
		t.Errorf("New().DraftTwinFormat(): got %q, want vc+sd-jwt", got)
	}
	if got := NewDraft().DraftTwinFormat(); got != "" {
		t.Errorf("NewDraft().DraftTwinFormat(): got %q, want none", got)
	}
	for _, tc := range []struct {
		f       *Format
		wantTyp string
	}{{New(), "dc+sd-jwt"}, {NewDraft(), "vc+sd-jwt"}} {
		cfg := &credential.Configuration{ID: "badge", Format: tc.f.ID(), VCT: "urn:example:badge:1", BindingMethods: []string{"none"}}
		out, err := tc.f.Issue(context.Background(), credential.IssueRequest{
			Configuration: cfg, Issuer: "https://issuer.example", Claims: map[string]any{"name": "Ada"},
			IssuedAt: time.Unix(1700000000, 0), Signer: newTestSigner(t), Rand: strings.NewReader(strings.Repeat("s", 1024)),
		})
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.RawURLEncoding.DecodeString(strings.Split(out.(string), ".")[0])
		if err != nil {
			t.Fatal(err)
		}
		var hdr map[string]any
		if err := json.Unmarshal(raw, &hdr); err != nil {
			t.Fatal(err)
		}
		if hdr["typ"] != tc.wantTyp {
			t.Errorf("%s: typ got %v, want %s", tc.f.ID(), hdr["typ"], tc.wantTyp)
		}
	}
}

// TestDraftFormatValidateNamesItsFormat: the messages of Validate name the
// plugin's own format id, vc+sd-jwt for the draft plugin.
func TestDraftFormatValidateNamesItsFormat(t *testing.T) {
	for _, f := range []*Format{New(), NewDraft()} {
		for _, tc := range []struct {
			name string
			cfg  credential.Configuration
		}{
			{"missing vct", credential.Configuration{ID: "badge", Format: f.ID()}},
			{"unsupported alg", credential.Configuration{ID: "badge", Format: f.ID(), VCT: "urn:example:badge:1", SigningAlgs: []string{"RS256"}}},
		} {
			err := f.Validate(&tc.cfg)
			if err == nil {
				t.Fatalf("%s %s: got no error", f.ID(), tc.name)
			}
			other := map[string]string{FormatID: DraftFormatID, DraftFormatID: FormatID}[f.ID()]
			if msg := err.Error(); !strings.Contains(msg, f.ID()) || strings.Contains(msg, other) {
				t.Errorf("%s %s: got %q, want it to name %s and not %s", f.ID(), tc.name, msg, f.ID(), other)
			}
		}
	}
}
