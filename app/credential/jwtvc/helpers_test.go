package jwtvc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
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

// fixedP256 returns the P-256 key whose scalar is SHA-256(seed).
func fixedP256(t testing.TB, seed string) *ecdsa.PrivateKey {
	t.Helper()
	scalar := sha256.Sum256([]byte(seed))
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), scalar[:])
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// counterReader is a deterministic io.Reader: 0, 1, 2, … modulo 256.
type counterReader struct{ next byte }

func (r *counterReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.next
		r.next++
	}
	return len(p), nil
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
