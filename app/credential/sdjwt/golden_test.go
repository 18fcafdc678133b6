package sdjwt

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

// TestGolden pins the exact encoding: header, payload, disclosures and their
// digests, from a fixed issuer key and certificate, clock, salt source and
// holder key.
//
// ECDSA signatures are randomized (since Go 1.26 the rand argument of
// ecdsa.Sign is ignored) and RFC 6979 is not in the standard library, so the
// signature segment cannot be byte-compared. The golden files replace it with
// the word SIGNATURE, and the test verifies the real signature with the
// independent decoder instead. For the same reason the self-signed issuer
// certificate, whose own signature is randomized, is made once and kept in
// testdata/issuer.pem; -update creates it only when it is missing.
func TestGolden(t *testing.T) {
	issuerKey := keystest.FixedP256(t, "credmint golden issuer")
	signer := &testSigner{Key: issuerKey, KID: "golden-issuer-1", Certs: []*x509.Certificate{goldenCert(t, issuerKey)}}
	holder := &jose.JSONWebKey{Key: &keystest.FixedP256(t, "credmint golden holder").PublicKey}
	tests := []struct {
		name   string
		claims []credential.Claim
		status *credential.StatusReference
	}{
		{"flat", []credential.Claim{sel("given_name"), sel("family_name"), plain("birthdate")}, nil},
		{"recursive", []credential.Claim{plain("given_name"), sel("address"), sel("address", "locality")}, nil},
		{"array", []credential.Claim{sel("nationalities", nil), sel("degrees", nil, "type")}, nil},
		{"plain", []credential.Claim{plain("given_name"), plain("age_over_18")}, nil},
		{"status", []credential.Claim{plain("given_name"), sel("birthdate")}, &credential.StatusReference{URI: "https://issuer.example.org/status/sl_1", Index: 48211}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &credential.Configuration{ID: "ada", Format: FormatID, VCT: "urn:example:ada:1", Claims: tt.claims}
			cfg.Normalize()
			iat := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			out, err := New().Issue(context.Background(), credential.IssueRequest{
				Configuration: cfg, Issuer: "https://issuer.example.org", Claims: mustJSON(t, adaJSON),
				HolderKey: holder, IssuedAt: iat, ExpiresAt: iat.Add(cfg.Validity),
				Signer: signer, Rand: &keystest.CounterReader{}, Status: tt.status,
			})
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			d := decodeSDJWT(t, out.(string)) // verifies the signature
			got := render(t, out.(string), d)
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

// render writes the SD-JWT with its signature segment elided, followed by a
// readable view of the header, payload and disclosures.
func render(t *testing.T, sdjwt string, d *decoded) []byte {
	t.Helper()
	jws, rest, _ := strings.Cut(sdjwt, "~")
	segs := strings.Split(jws, ".")
	var b bytes.Buffer
	fmt.Fprintf(&b, "# issuance form (JWS signature segment replaced by SIGNATURE)\n%s.%s.SIGNATURE~%s\n", segs[0], segs[1], rest)
	fmt.Fprintf(&b, "\n# header\n%s\n", indent(t, d.rawHeader))
	fmt.Fprintf(&b, "\n# payload\n%s\n", indent(t, d.rawPayload))
	b.WriteString("\n# disclosures (digest: decoded disclosure)\n")
	for _, dd := range d.disclosures {
		fmt.Fprintf(&b, "%s: %s\n", dd.digest, b64(t, dd.encoded))
	}
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
