package jwtvc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"credmint/app/keys"
)

// testSigner is a keys.Signer over an in-memory P-256 key, for tests only.
type testSigner struct {
	key   *ecdsa.PrivateKey
	kid   string
	chain []*x509.Certificate
}

var _ keys.Signer = (*testSigner)(nil)

func (s *testSigner) KeyID() string              { return s.kid }
func (s *testSigner) Algorithm() string          { return "ES256" }
func (s *testSigner) Public() crypto.PublicKey   { return &s.key.PublicKey }
func (s *testSigner) Chain() []*x509.Certificate { return s.chain }

// Sign returns the JOSE form of an ES256 signature: r||s, 32 bytes each.
func (s *testSigner) Sign(_ context.Context, message []byte) ([]byte, error) {
	digest := sha256.Sum256(message)
	r, ss, err := ecdsa.Sign(rand.Reader, s.key, digest[:])
	if err != nil {
		return nil, err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	ss.FillBytes(sig[32:])
	return sig, nil
}

// newTestSigner returns a signer over a fresh key with a self-signed
// certificate as its chain.
func newTestSigner(t *testing.T) *testSigner {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &testSigner{key: key, kid: "test-key-1", chain: []*x509.Certificate{selfSigned(t, key)}}
}

// selfSigned returns a self-signed certificate for key.
func selfSigned(t testing.TB, key *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "credmint test issuer"},
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
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
