package jwtvc

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"credmint/app/credential"
	"credmint/app/keys/keystest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const diplomaJSON = `{
	"given_name": "Ada", "family_name": "Lovelace",
	"degree": {"type": "BachelorDegree", "name": "Bachelor of Science and Arts", "honours": ["first class"]},
	"awarded_on": "1835-07-08", "student_number": 18151210123456789,
	"faculty": "Mathematics & Natural Philosophy",
	"unlisted": "not in the configuration"
}`

// diplomaConfig is a jwt_vc_json configuration over diplomaJSON.
func diplomaConfig(vcdm string, didJWK bool) *credential.Configuration {
	c := &credential.Configuration{
		ID: "diploma", Format: FormatID, VCDM: vcdm, HolderDIDJWK: didJWK,
		Types:    []string{"UniversityDegreeCredential"},
		Contexts: []string{"https://university.example.org/contexts/diploma/v1"},
		Claims: []credential.Claim{
			{Path: []any{"given_name"}}, {Path: []any{"family_name"}},
			{Path: []any{"degree", "name"}}, {Path: []any{"awarded_on"}},
			{Path: []any{"student_number"}, Type: credential.TypeInteger},
			{Path: []any{"faculty"}},
		},
	}
	c.Normalize()
	return c
}

// TestGolden pins the exact encoding of both data model versions, with and
// without did:jwk and status, from a fixed issuer key and certificate, clock
// and holder key.
//
// ECDSA signatures are randomized (since Go 1.26 the rand argument of
// ecdsa.Sign is ignored), so the golden files replace the signature segment
// with the word SIGNATURE and the test verifies the real signature with the
// independent decoder instead. testdata/issuer.pem is the fixed issuer
// certificate (the one the dc+sd-jwt golden test uses); -update creates it
// only when it is missing.
func TestGolden(t *testing.T) {
	issuerKey := keystest.FixedP256(t, "credmint golden issuer")
	signer := &testSigner{Key: issuerKey, KID: "golden-issuer-1", Certs: []*x509.Certificate{goldenCert(t, issuerKey)}}
	holder := &jose.JSONWebKey{Key: &keystest.FixedP256(t, "credmint golden holder").PublicKey}
	status := &credential.StatusReference{URI: "https://issuer.example.org/status/1", Index: 4711}
	tests := []struct {
		name   string
		vcdm   string
		didJWK bool
		status *credential.StatusReference
	}{
		{"vcdm11", VCDM11, false, nil},
		{"vcdm11_did_jwk_status", VCDM11, true, status},
		{"vcdm20", "", false, nil},
		{"vcdm20_did_jwk_status", VCDM20, true, status},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := diplomaConfig(tt.vcdm, tt.didJWK)
			iat := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			out, err := New().Issue(context.Background(), credential.IssueRequest{
				Configuration: cfg, Issuer: "https://issuer.example.org", Claims: mustJSON(t, diplomaJSON),
				HolderKey: holder, IssuedAt: iat, ExpiresAt: iat.Add(cfg.Validity),
				Signer: signer, Rand: &keystest.CounterReader{}, Status: tt.status,
			})
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			jwt := out.(string)
			d := decodeJWT(t, jwt) // verifies the signature
			got := render(t, jwt, d)
			file := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", file, diff)
			}
		})
	}
}

// render writes the JWT with its signature segment elided, followed by a
// readable view of the header and payload.
func render(t *testing.T, jwt string, d *decoded) []byte {
	t.Helper()
	segs := strings.Split(jwt, ".")
	var b bytes.Buffer
	fmt.Fprintf(&b, "# compact JWS (signature segment replaced by SIGNATURE)\n%s.%s.SIGNATURE\n", segs[0], segs[1])
	fmt.Fprintf(&b, "\n# header\n%s\n", indent(t, d.rawHeader))
	fmt.Fprintf(&b, "\n# payload\n%s\n", indent(t, d.rawPayload))
	return b.Bytes()
}

func indent(t *testing.T, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// goldenCert loads the fixed issuer certificate, creating it under -update
// when it does not exist, and checks that it certifies key.
func goldenCert(t *testing.T, key *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	file := filepath.Join("testdata", "issuer.pem")
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) && *update {
		cert := selfSigned(t, key)
		data = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
		err = os.WriteFile(file, data, 0o644)
	}
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s: no PEM block", file)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if !cert.PublicKey.(*ecdsa.PublicKey).Equal(&key.PublicKey) {
		t.Fatalf("%s does not certify the fixed issuer key", file)
	}
	return cert
}
