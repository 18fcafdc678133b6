package sdjwt

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"credmint/app/credential"
)

// TestIssueStatus checks the Token Status List reference: status.status_list
// {idx, uri} in the signed payload, never a disclosure, and absent when the
// request has no status entry.
func TestIssueStatus(t *testing.T) {
	signer := newTestSigner(t)
	cfg := &credential.Configuration{ID: "ada", Format: FormatID, VCT: "urn:example:ada:1", BindingMethods: []string{"none"},
		Claims: []credential.Claim{sel("given_name"), plain("family_name")}}
	cfg.Normalize()
	iat := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	issue := func(ref *credential.StatusReference) *decoded {
		t.Helper()
		out, err := New().Issue(context.Background(), credential.IssueRequest{Configuration: cfg, Issuer: "https://issuer.example.org",
			Claims: mustJSON(t, adaJSON), IssuedAt: iat, ExpiresAt: iat.Add(cfg.Validity), Signer: signer, Rand: rand.Reader, Status: ref})
		if err != nil {
			t.Fatalf("Issue: %v", err)
		}
		return decodeSDJWT(t, out.(string))
	}

	d := issue(&credential.StatusReference{URI: "https://issuer.example.org/status/sl_abc", Index: 70123})
	want := map[string]any{"status_list": map[string]any{"idx": float64(70123), "uri": "https://issuer.example.org/status/sl_abc"}}
	if diff := cmp.Diff(want, d.payload["status"]); diff != "" {
		t.Errorf("signed status claim (-want +got):\n%s", diff)
	}
	for _, p := range d.paths {
		if p == "status" || len(p) > 7 && p[:7] == "status." {
			t.Errorf("status is selectively disclosed (%s); it must be plain", p)
		}
	}
	if diff := cmp.Diff([]string{"given_name"}, d.paths); diff != "" {
		t.Errorf("disclosed paths (-want +got):\n%s", diff)
	}

	if d := issue(nil); d.payload["status"] != nil {
		t.Errorf("status = %v without a status entry, want none", d.payload["status"])
	}
}
