package sdjwt

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"credmint/app/credential"
	"credmint/app/keys/keystest"
)

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("entropy exhausted") }

// TestIssueErrors checks that Issue refuses requests it cannot turn into a
// sound credential, naming the problem.
func TestIssueErrors(t *testing.T) {
	signer := newTestSigner(t)
	holder := &jose.JSONWebKey{Key: &keystest.FixedP256(t, "holder").PublicKey}
	base := func() credential.IssueRequest {
		cfg := &credential.Configuration{ID: "badge", Format: FormatID, VCT: "urn:example:badge:1",
			Claims: []credential.Claim{sel("given_name")}}
		cfg.Normalize()
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
		{"no rand", func(r *credential.IssueRequest) { r.Rand = nil }, "randomness"},
		{"failing rand", func(r *credential.IssueRequest) { r.Rand = failingReader{} }, "entropy exhausted"},
		{"short rand", func(r *credential.IssueRequest) { r.Rand = io.LimitReader(rand.Reader, 8) }, "salt"},
		{"no signer", func(r *credential.IssueRequest) { r.Signer = nil }, "signer"},
		{"no configuration", func(r *credential.IssueRequest) { r.Configuration = nil }, "configuration"},
		{"no vct", func(r *credential.IssueRequest) { r.Configuration.VCT = "" }, "vct"},
		{"no issuance time", func(r *credential.IssueRequest) { r.IssuedAt = time.Time{} }, "issuance time"},
		{"binding without holder key", func(r *credential.IssueRequest) { r.HolderKey = nil }, "holder key"},
		{"symmetric holder key", func(r *credential.IssueRequest) { r.HolderKey = &jose.JSONWebKey{Key: []byte("secret")} }, "holder key"},
		{"signer algorithm not allowed", func(r *credential.IssueRequest) { r.Configuration.SigningAlgs = []string{"ES384"} }, "ES256"},
		{"registered name in dataset", func(r *credential.IssueRequest) {
			r.Configuration.Claims = nil
			r.Claims["vct"] = "urn:evil"
		}, `"vct"`},
		{"_sd in dataset", func(r *credential.IssueRequest) {
			r.Claims["given_name"] = map[string]any{"_sd": []any{"x"}}
		}, "given_name._sd"},
		{"... in dataset array", func(r *credential.IssueRequest) {
			r.Claims["given_name"] = []any{map[string]any{"...": "x"}}
		}, "given_name[0]...."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := base()
			tt.edit(&req)
			got, err := New().Issue(context.Background(), req)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Issue = %v, %v; want an error mentioning %q", got, err, tt.wantErr)
			}
		})
	}
}

// TestIssueUnbound checks that a configuration without holder binding issues
// without cnf, and that the absent issuer and expiry are left out.
func TestIssueUnbound(t *testing.T) {
	cfg := &credential.Configuration{ID: "badge", Format: FormatID, VCT: "urn:example:badge:1", BindingMethods: []string{"none"}}
	out, err := New().Issue(context.Background(), credential.IssueRequest{
		Configuration: cfg, Claims: mustJSON(t, `{"given_name": "Ada"}`),
		IssuedAt: time.Unix(1767225600, 0), Signer: newTestSigner(t), Rand: rand.Reader,
	})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	d := decodeSDJWT(t, out.(string))
	for _, k := range []string{"cnf", "iss", "exp", "_sd", "_sd_alg"} {
		if v, ok := d.payload[k]; ok {
			t.Errorf("payload has %s = %v, want none", k, v)
		}
	}
	if got := d.payload["iat"]; got != float64(1767225600) {
		t.Errorf("iat = %v, want 1767225600", got)
	}
}
