package jwtvc_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"credmint/app/credential"
	"credmint/app/credential/jwtvc"
	"credmint/app/credential/sdjwt"
	"credmint/app/keys"
	"credmint/app/keys/keystest"
	"credmint/config"
)

// TestExampleDiploma loads config/examples/diploma-jwt-vc.yaml through the
// config package, validates its configurations against the format registry
// credmint serves with, checks a diploma dataset against it and issues one.
func TestExampleDiploma(t *testing.T) {
	cfg, err := config.Load(filepath.Join("..", "..", "..", "config", "examples", "diploma-jwt-vc.yaml"))
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}
	formats := credential.NewFormats(sdjwt.New(), jwtvc.New())
	if len(cfg.CredentialConfigurations) != 1 {
		t.Fatalf("got %d credential configurations, want 1", len(cfg.CredentialConfigurations))
	}
	c := &cfg.CredentialConfigurations[0]
	if err := c.Validate(formats); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if c.Format != jwtvc.FormatID || jwtvc.Version(c) != jwtvc.VCDM20 || !c.HolderDIDJWK {
		t.Fatalf("example is %s VCDM %s holder_did_jwk %v, want jwt_vc_json 2.0 with did:jwk", c.Format, jwtvc.Version(c), c.HolderDIDJWK)
	}
	dataset := map[string]any{
		"given_name": "Ada", "family_name": "Lovelace", "birthdate": "1815-12-10",
		"degree":     map[string]any{"type": "BachelorDegree", "name": "Bachelor of Science", "field_of_study": "Mathematics"},
		"awarded_on": "1835-07-08", "honours": "first class",
	}
	if errs := c.CheckDataset(dataset); len(errs) > 0 {
		t.Fatalf("CheckDataset: %v", errs)
	}
	holderKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer := localSigner(t)
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	out, err := jwtvc.New().Issue(context.Background(), credential.IssueRequest{
		Configuration: c, Issuer: cfg.PublicURL, Claims: dataset,
		HolderKey: &jose.JSONWebKey{Key: &holderKey.PublicKey}, IssuedAt: now, ExpiresAt: now.Add(c.Validity),
		Signer: signer, Rand: rand.Reader,
	})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	// Verified in depth by TestIssueVerifies; here only the shape.
	segs := strings.Split(out.(string), ".")
	if len(segs) != 3 {
		t.Fatalf("credential is not a compact JWS: %q", out)
	}
	raw, err := base64.RawURLEncoding.DecodeString(segs[1])
	if err != nil {
		t.Fatal(err)
	}
	var payload map[string]any
	if err := json.Unmarshal(raw, &payload); err != nil {
		t.Fatal(err)
	}
	subject, _ := payload["credentialSubject"].(map[string]any)
	if subject["family_name"] != "Lovelace" || !strings.HasPrefix(subject["id"].(string), "did:jwk:") {
		t.Errorf("credentialSubject = %v", subject)
	}
	if got := payload["validUntil"]; got != "2036-05-29T00:00:00Z" {
		t.Errorf("validUntil = %v, want ten years (87600h) after issuance", got)
	}
}

// localSigner is a keys.Signer over a fresh P-256 key without a chain.
func localSigner(t *testing.T) keys.Signer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &keystest.Signer{Key: key, KID: "example-1"}
}
