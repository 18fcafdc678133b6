// Package keystest gives tests an in-memory keys.Signer, so format, status
// and metadata tests can sign without a Ring or a database.
package keystest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"credmint/app/keys"
)

// Signer is a keys.Signer over an in-memory P-256 key (ES256). Certs is its
// certificate chain, leaf first; it may be empty.
type Signer struct {
	Key   *ecdsa.PrivateKey
	KID   string
	Certs []*x509.Certificate
}

var _ keys.Signer = (*Signer)(nil)

// New returns a Signer over a fresh key with a self-signed certificate for
// cn as its chain.
func New(t testing.TB, kid, cn string) *Signer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &Signer{Key: key, KID: kid, Certs: []*x509.Certificate{SelfSigned(t, key, cn)}}
}

func (s *Signer) KeyID() string              { return s.KID }
func (s *Signer) Algorithm() string          { return keys.AlgorithmES256 }
func (s *Signer) Public() crypto.PublicKey   { return &s.Key.PublicKey }
func (s *Signer) Chain() []*x509.Certificate { return s.Certs }

// Active returns s for every purpose, so a Signer can stand in for the
// Ring where a service asks for the active key.
func (s *Signer) Active(string) (keys.Signer, error) { return s, nil }

// Sign returns the JOSE (and COSE) form of an ES256 signature: r||s, 32
// bytes each.
func (s *Signer) Sign(_ context.Context, message []byte) ([]byte, error) {
	digest := sha256.Sum256(message)
	r, ss, err := ecdsa.Sign(rand.Reader, s.Key, digest[:])
	if err != nil {
		return nil, err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	ss.FillBytes(sig[32:])
	return sig, nil
}

// SelfSigned returns a self-signed certificate for key with common name cn,
// valid from 2026 to 2036, for digital signatures.
func SelfSigned(t testing.TB, key *ecdsa.PrivateKey, cn string) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: cn},
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

// FixedP256 returns the P-256 key whose scalar is SHA-256(seed): the same
// key on every run, for golden files and fixed holder keys.
func FixedP256(t testing.TB, seed string) *ecdsa.PrivateKey {
	t.Helper()
	scalar := sha256.Sum256([]byte(seed))
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), scalar[:])
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// CounterReader is a deterministic io.Reader for salts and ids in golden
// tests: 0, 1, 2, … modulo 256.
type CounterReader struct{ next byte }

func (r *CounterReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.next
		r.next++
	}
	return len(p), nil
}
