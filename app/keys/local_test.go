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
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

func newTestSigner(t testing.TB) *localSigner {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("GenerateKey: %v", err)
	}
	now := time.Now()
	der, err := SelfSignedCertificate(key, "credmint issuer test", "issuer.example.org", now, now.Add(time.Hour), rand.Reader)
	if err != nil {
		t.Fatalf("SelfSignedCertificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("ParseCertificate: %v", err)
	}
	s, err := newLocalSigner(key, []*x509.Certificate{cert})
	if err != nil {
		t.Fatalf("newLocalSigner: %v", err)
	}
	return s
}

func TestLocalSignerRejectsOtherCurves(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatalf("GenerateKey: %v", err)
	}
	if _, err := newLocalSigner(key, nil); err == nil {
		t.Errorf("newLocalSigner(P-384) succeeded, want error")
	}
}

// TestLocalSignerSign checks signatures with ecdsa.Verify on the split
// r||s, independently of how the signer builds them.
func TestLocalSignerSign(t *testing.T) {
	s := newTestSigner(t)
	pub := s.Public().(*ecdsa.PublicKey)
	tests := []struct {
		name    string
		message []byte
	}{
		{"empty", nil},
		{"jws signing input", []byte("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0")},
		{"long", make([]byte, 10_000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Several signatures, so a short r or s (padding) turns up.
			for range 20 {
				sig, err := s.Sign(context.Background(), tt.message)
				if err != nil {
					t.Fatalf("Sign: %v", err)
				}
				if got, want := len(sig), 64; got != want {
					t.Fatalf("signature is %d bytes, want %d", got, want)
				}
				r := new(big.Int).SetBytes(sig[:32])
				ss := new(big.Int).SetBytes(sig[32:])
				digest := sha256.Sum256(tt.message)
				if !ecdsa.Verify(pub, digest[:], r, ss) {
					t.Fatalf("ecdsa.Verify rejected the signature")
				}
				other := sha256.Sum256(append([]byte("x"), tt.message...))
				if ecdsa.Verify(pub, other[:], r, ss) {
					t.Fatalf("signature verifies for another message")
				}
			}
		})
	}
}

func TestLocalSignerSignCanceled(t *testing.T) {
	s := newTestSigner(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Sign(ctx, []byte("m")); err == nil {
		t.Errorf("Sign with a canceled context succeeded, want error")
	}
}

func TestLocalSignerAttributes(t *testing.T) {
	s := newTestSigner(t)
	if got, want := s.Algorithm(), "ES256"; got != want {
		t.Errorf("Algorithm() = %q, want %q", got, want)
	}
	if got, want := len(s.Chain()), 1; got != want {
		t.Fatalf("Chain() has %d certificates, want %d", got, want)
	}
	s.Chain()[0] = nil
	if s.Chain()[0] == nil {
		t.Errorf("Chain() returns the signer's own slice")
	}
}

func TestLocalSignerKeyID(t *testing.T) {
	s := newTestSigner(t)
	pub := s.Public().(*ecdsa.PublicKey)

	sum, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatalf("Thumbprint: %v", err)
	}
	if got, want := s.KeyID(), base64.RawURLEncoding.EncodeToString(sum); got != want {
		t.Errorf("KeyID() = %q, want go-jose thumbprint %q", got, want)
	}

	// RFC 7638, section 3.2: the required members in lexicographic order,
	// no white space.
	point, err := pub.Bytes()
	if err != nil {
		t.Fatalf("PublicKey.Bytes: %v", err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	canonical := `{"crv":"P-256","kty":"EC","x":"` + b64(point[1:33]) + `","y":"` + b64(point[33:]) + `"}`
	manual := sha256.Sum256([]byte(canonical))
	if got, want := s.KeyID(), b64(manual[:]); got != want {
		t.Errorf("KeyID() = %q, want RFC 7638 thumbprint %q", got, want)
	}
}

func TestJOSE(t *testing.T) {
	s := newTestSigner(t)
	leaf := s.Chain()[0]
	opts := (&jose.SignerOptions{}).
		WithType("JWT").
		WithHeader("x5c", []string{base64.StdEncoding.EncodeToString(leaf.Raw)})
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: JOSE(context.Background(), s)}, opts)
	if err != nil {
		t.Fatalf("jose.NewSigner: %v", err)
	}
	payload := []byte(`{"iss":"https://issuer.example.org"}`)
	obj, err := signer.Sign(payload)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	compact, err := obj.CompactSerialize()
	if err != nil {
		t.Fatalf("CompactSerialize: %v", err)
	}

	jws, err := jose.ParseSigned(compact, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatalf("ParseSigned: %v", err)
	}
	got, err := jws.Verify(s.Public())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if string(got) != string(payload) {
		t.Errorf("payload = %s, want %s", got, payload)
	}

	h := jws.Signatures[0].Protected
	if got, want := h.KeyID, s.KeyID(); got != want {
		t.Errorf("kid = %q, want %q", got, want)
	}
	if got, want := h.Algorithm, "ES256"; got != want {
		t.Errorf("alg = %q, want %q", got, want)
	}
	// The x5c header, read by hand from the compact form.
	protected, err := base64.RawURLEncoding.DecodeString(strings.Split(compact, ".")[0])
	if err != nil {
		t.Fatalf("decode protected header: %v", err)
	}
	var header struct {
		X5C []string `json:"x5c"`
	}
	if err := json.Unmarshal(protected, &header); err != nil {
		t.Fatalf("unmarshal protected header: %v", err)
	}
	if got, want := len(header.X5C), 1; got != want {
		t.Fatalf("x5c has %d certificates, want %d", got, want)
	}
	der, err := base64.StdEncoding.DecodeString(header.X5C[0])
	if err != nil {
		t.Fatalf("decode x5c[0]: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parse x5c[0]: %v", err)
	}
	certPub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !certPub.Equal(s.Public()) {
		t.Errorf("x5c leaf is not the signing key")
	}
	if _, err := jws.Verify(certPub); err != nil {
		t.Errorf("Verify with the x5c leaf key: %v", err)
	}
	// go-jose's own x5c handling, with the self-signed leaf as anchor.
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	if _, err := h.Certificates(x509.VerifyOptions{Roots: roots}); err != nil {
		t.Errorf("header Certificates: %v", err)
	}

	other := newTestSigner(t)
	if _, err := jws.Verify(other.Public()); err == nil {
		t.Errorf("Verify with another key succeeded, want error")
	}
}

func TestJOSEWrongAlgorithm(t *testing.T) {
	s := newTestSigner(t)
	if _, err := JOSE(context.Background(), s).SignPayload([]byte("m"), jose.ES384); err == nil {
		t.Errorf("SignPayload(ES384) with an ES256 key succeeded, want error")
	}
}
