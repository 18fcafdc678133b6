package jwtvc

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"credmint/app/credential"
	"credmint/app/keys/keystest"
)

// TestIssueErrors checks that Issue refuses requests it cannot turn into a
// sound credential, naming the problem.
func TestIssueErrors(t *testing.T) {
	signer := newTestSigner(t)
	holder := &jose.JSONWebKey{Key: &keystest.FixedP256(t, "holder").PublicKey}
	base := func() credential.IssueRequest {
		cfg := diplomaConfig(VCDM20, false)
		now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		return credential.IssueRequest{
			Configuration: cfg, Issuer: "https://issuer.example.org",
			Claims:    mustJSON(t, `{"given_name": "Ada"}`),
			HolderKey: holder, IssuedAt: now, ExpiresAt: now.Add(time.Hour),
			Signer: signer, Rand: rand.Reader,
		}
	}
	tests := []struct {
		name    string
		edit    func(r *credential.IssueRequest)
		wantErr string
	}{
		{"no signer", func(r *credential.IssueRequest) { r.Signer = nil }, "signer"},
		{"no configuration", func(r *credential.IssueRequest) { r.Configuration = nil }, "configuration"},
		{"no issuer", func(r *credential.IssueRequest) { r.Issuer = "" }, "issuer"},
		{"no issuance time", func(r *credential.IssueRequest) { r.IssuedAt = time.Time{} }, "issuance time"},
		{"expiry before issuance", func(r *credential.IssueRequest) { r.ExpiresAt = r.IssuedAt.Add(-time.Second) }, "expiry"},
		{"binding without holder key", func(r *credential.IssueRequest) { r.HolderKey = nil }, "holder key"},
		{"did:jwk without holder key", func(r *credential.IssueRequest) {
			r.Configuration.BindingMethods = []string{"none"}
			r.Configuration.HolderDIDJWK = true
			r.HolderKey = nil
		}, "did:jwk"},
		{"unknown vcdm", func(r *credential.IssueRequest) { r.Configuration.VCDM = "3.0" }, "vcdm"},
		{"algorithm not allowed", func(r *credential.IssueRequest) { r.Configuration.SigningAlgs = []string{"ES384"} }, "does not allow"},
		{"symmetric holder key", func(r *credential.IssueRequest) { r.HolderKey = &jose.JSONWebKey{Key: []byte("secret")} }, "holder key"},
		{"dataset id with did:jwk", func(r *credential.IssueRequest) {
			r.Configuration.HolderDIDJWK = true
			r.Configuration.Claims = nil
			r.Claims = mustJSON(t, `{"id": "urn:example:me"}`)
		}, "credentialSubject.id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := base()
			tt.edit(&req)
			out, err := New().Issue(context.Background(), req)
			if err == nil {
				t.Fatalf("Issue: got %v, want an error mentioning %q", out, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Issue: got %q, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

// TestIssueNoExpiry issues a credential without an expiry: no exp, no
// validUntil or expirationDate.
func TestIssueNoExpiry(t *testing.T) {
	for _, vcdm := range []string{VCDM11, VCDM20} {
		cfg := diplomaConfig(vcdm, false)
		cfg.BindingMethods = []string{"none"}
		out, err := New().Issue(context.Background(), credential.IssueRequest{
			Configuration: cfg, Issuer: "https://issuer.example.org", Claims: mustJSON(t, diplomaJSON),
			IssuedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Signer: newTestSigner(t),
		})
		if err != nil {
			t.Fatalf("%s: Issue: %v", vcdm, err)
		}
		payload := string(decodeJWT(t, out.(string)).rawPayload)
		for _, k := range []string{`"exp"`, `"validUntil"`, `"expirationDate"`} {
			if strings.Contains(payload, k) {
				t.Errorf("%s: payload has %s without an expiry: %s", vcdm, k, payload)
			}
		}
	}
}

// TestIssueSubjectID checks that a VCDM 1.1 credential whose dataset names
// the subject (credentialSubject.id, without holder_did_jwk) carries it as
// sub too (VC Data Model 1.1 §6.3.1).
func TestIssueSubjectID(t *testing.T) {
	cfg := diplomaConfig(VCDM11, false)
	cfg.BindingMethods = []string{"none"}
	cfg.Claims = append(cfg.Claims, credential.Claim{Path: []any{"id"}})
	out, err := New().Issue(context.Background(), credential.IssueRequest{
		Configuration: cfg, Issuer: "https://issuer.example.org",
		Claims:   mustJSON(t, `{"id": "urn:example:student:42", "given_name": "Ada"}`),
		IssuedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Signer: newTestSigner(t),
	})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	d := decodeJWT(t, out.(string))
	vc, _ := d.payload["vc"].(map[string]any)
	subject, _ := vc["credentialSubject"].(map[string]any)
	if d.payload["sub"] != "urn:example:student:42" || subject["id"] != "urn:example:student:42" {
		t.Errorf("sub %v, credentialSubject.id %v, want urn:example:student:42 for both", d.payload["sub"], subject["id"])
	}
}
