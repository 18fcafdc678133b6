package jwtvc

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
)

// decoded is a jwt_vc_json credential as the independent decoder sees it.
type decoded struct {
	rawHeader, rawPayload []byte
	header, payload       map[string]any
	leaf                  *x509.Certificate
}

// decodeJWT checks a compact JWS without go-jose or any code of this
// package: it splits the three segments by hand, decodes them as unpadded
// base64url, takes the issuer key from the x5c leaf certificate and verifies
// the ES256 signature with crypto/ecdsa.
func decodeJWT(t *testing.T, jwt string) *decoded {
	t.Helper()
	segs := strings.Split(jwt, ".")
	if len(segs) != 3 {
		t.Fatalf("credential has %d segments, want 3 (compact JWS): %q", len(segs), jwt)
	}
	d := &decoded{rawHeader: b64(t, segs[0]), rawPayload: b64(t, segs[1])}
	if err := json.Unmarshal(d.rawHeader, &d.header); err != nil {
		t.Fatalf("header is not a JSON object: %v", err)
	}
	if err := json.Unmarshal(d.rawPayload, &d.payload); err != nil {
		t.Fatalf("payload is not a JSON object: %v", err)
	}
	if d.header["alg"] != "ES256" {
		t.Fatalf("alg = %v, want ES256", d.header["alg"])
	}
	chain, _ := d.header["x5c"].([]any)
	if len(chain) == 0 {
		t.Fatal("header has no x5c")
	}
	s, _ := chain[0].(string)
	der, err := base64.StdEncoding.DecodeString(s) // x5c is standard base64 (RFC 7515 §4.1.6)
	if err != nil {
		t.Fatalf("x5c[0]: %v", err)
	}
	if d.leaf, err = x509.ParseCertificate(der); err != nil {
		t.Fatalf("x5c[0]: %v", err)
	}
	pub, ok := d.leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		t.Fatalf("x5c leaf key is %T, want ECDSA", d.leaf.PublicKey)
	}
	sig := b64(t, segs[2])
	if len(sig) != 64 {
		t.Fatalf("ES256 signature is %d bytes, want 64", len(sig))
	}
	digest := sha256.Sum256([]byte(segs[0] + "." + segs[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatal("signature does not verify with the x5c leaf key")
	}
	return d
}

func b64(t *testing.T, s string) []byte {
	t.Helper()
	if strings.ContainsAny(s, "+/=") {
		t.Fatalf("%q is not unpadded base64url", s)
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return b
}
