package jwtvc

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"strings"
	"testing"

	"credmint/app/keys/keystest"
)

// testSigner is the in-memory signer of app/keys/keystest.
type testSigner = keystest.Signer

// newTestSigner returns a signer over a fresh key with a self-signed
// certificate as its chain.
func newTestSigner(t testing.TB) *testSigner {
	return keystest.New(t, "test-key-1", "credmint test issuer")
}

// selfSigned returns a self-signed certificate for key.
func selfSigned(t testing.TB, key *ecdsa.PrivateKey) *x509.Certificate {
	return keystest.SelfSigned(t, key, "credmint test issuer")
}

// mustJSON decodes a JSON object the way a dataset arrives from the admin
// API or storage: numbers as json.Number.
func mustJSON(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("test dataset: %v", err)
	}
	return m
}
