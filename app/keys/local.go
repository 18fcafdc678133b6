package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// AlgorithmES256 is ECDSA with P-256 and SHA-256 (RFC 7518, section 3.4).
const AlgorithmES256 = "ES256"

// localSigner is a Signer for a P-256 private key held in memory, opened
// from its sealed form by the Ring.
type localSigner struct {
	key   *ecdsa.PrivateKey
	kid   string
	chain []*x509.Certificate
}

var _ Signer = (*localSigner)(nil)

func newLocalSigner(key *ecdsa.PrivateKey, chain []*x509.Certificate) (*localSigner, error) {
	if key == nil || key.Curve != elliptic.P256() {
		return nil, errors.New("keys: local signer needs a P-256 key")
	}
	kid, err := thumbprint(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	return &localSigner{key: key, kid: kid, chain: chain}, nil
}

// thumbprint returns the RFC 7638 JWK thumbprint of pub: SHA-256 over the
// canonical JWK, base64url without padding. It is the key id of every key
// the Ring creates.
func thumbprint(pub crypto.PublicKey) (string, error) {
	sum, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("keys: thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

func (s *localSigner) KeyID() string            { return s.kid }
func (s *localSigner) Algorithm() string        { return AlgorithmES256 }
func (s *localSigner) Public() crypto.PublicKey { return &s.key.PublicKey }

func (s *localSigner) Chain() []*x509.Certificate {
	return append([]*x509.Certificate(nil), s.chain...)
}

// Sign hashes message with SHA-256 and returns the signature as the 64-byte
// fixed-width r||s that JWS uses (RFC 7518, section 3.4), not ASN.1.
func (s *localSigner) Sign(ctx context.Context, message []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	digest := sha256.Sum256(message)
	r, ss, err := ecdsa.Sign(rand.Reader, s.key, digest[:])
	if err != nil {
		return nil, fmt.Errorf("keys: sign with %s: %w", s.kid, err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	ss.FillBytes(sig[32:])
	return sig, nil
}
