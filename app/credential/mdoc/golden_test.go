package mdoc

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"credmint/app/credential"
	"credmint/app/credential/mdoc/mdoctest"
	"credmint/app/keys/keystest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestGolden pins the exact encoding of IssuerSigned, its items and the MSO,
// from a fixed document signer key and certificate, clock, salt source and
// holder key.
//
// ECDSA signatures are randomized and RFC 6979 is not in the standard
// library, so the signature cannot be byte-compared: the golden files show
// the word SIGNATURE in its place, and the test verifies the real signature
// with the independent decoder (mdoctest). For the same reason the
// self-signed certificate is made once and kept in testdata/issuer.pem;
// -update creates it only when it is missing.
func TestGolden(t *testing.T) {
	key := keystest.FixedP256(t, "credmint golden document signer")
	signer := &testSigner{Key: key, KID: "golden-ds-1", Certs: []*x509.Certificate{goldenCert(t, key)}}
	holder := &keystest.FixedP256(t, "credmint golden holder").PublicKey
	iat := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		cfg    func() *credential.Configuration
		claims string
		status *credential.StatusReference
	}{
		{"mdl", mdlConfiguration, mdlJSON, &credential.StatusReference{URI: "https://issuer.example.org/status/1", Index: 4711}},
		{"open", func() *credential.Configuration {
			c := &credential.Configuration{ID: "open", Format: FormatID, Doctype: "org.example.membership.1"}
			c.Normalize()
			return c
		}, `{"org.example.membership.1": {"member_id": "M-7", "level": 2, "score": 1.5, "tags": ["a", null], "nothing": null},
		     "org.example.extra": {"note": "x"}}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg()
			out, err := New().Issue(context.Background(), credential.IssueRequest{
				Configuration: cfg, Issuer: "https://issuer.example.org", Claims: mustJSON(t, tt.claims),
				HolderKey: &jose.JSONWebKey{Key: holder}, IssuedAt: iat, ExpiresAt: iat.Add(cfg.Validity),
				Signer: signer, Rand: &keystest.CounterReader{}, Status: tt.status,
			})
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			doc, err := mdoctest.Verify(out.(string), mdoctest.Options{DocType: cfg.Doctype, DeviceKey: holder, Now: iat})
			if err != nil {
				t.Fatalf("independent verification: %v", err)
			}
			got := render(t, doc)
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

// render writes IssuerSigned with the signature replaced by SIGNATURE, as
// base64url and in CBOR diagnostic notation (RFC 8949 §8), then the MSO
// and every IssuerSignedItemBytes with its digest.
func render(t *testing.T, doc *mdoctest.Document) []byte {
	t.Helper()
	var top map[string]cbor.RawMessage
	var auth []cbor.RawMessage
	if err := cbor.Unmarshal(doc.IssuerSigned, &top); err != nil {
		t.Fatal(err)
	}
	if err := cbor.Unmarshal(top["issuerAuth"], &auth); err != nil {
		t.Fatal(err)
	}
	auth[3] = mustCBOR(t, "SIGNATURE")
	top["issuerAuth"] = mustCBOR(t, auth)
	elided := mustCBOR(t, top)

	plain := diagMode(t, false)
	embedded := diagMode(t, true)
	var b bytes.Buffer
	fmt.Fprintf(&b, "# IssuerSigned, signature replaced by SIGNATURE (base64url)\n%s\n", base64.RawURLEncoding.EncodeToString(elided))
	fmt.Fprintf(&b, "\n# issuerAuth protected header\n%s\n", diag(t, embedded, auth[0]))
	fmt.Fprintf(&b, "\n# x5chain leaf subject\n%s\n", doc.Chain[0].Subject)
	fmt.Fprintf(&b, "\n# MSO\n%s\n", diag(t, plain, doc.MSO))
	b.WriteString("\n# nameSpaces (namespace: IssuerSignedItemBytes)\n")
	var nss map[string][]cbor.RawMessage
	if err := cbor.Unmarshal(top["nameSpaces"], &nss); err != nil {
		t.Fatal(err)
	}
	for _, ns := range sortedKeys(nss) {
		for _, item := range nss[ns] {
			fmt.Fprintf(&b, "%s: %s\n", ns, diag(t, embedded, item))
		}
	}
	return b.Bytes()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func diagMode(t *testing.T, embedded bool) cbor.DiagMode {
	t.Helper()
	dm, err := cbor.DiagOptions{ByteStringEmbeddedCBOR: embedded}.DiagMode()
	if err != nil {
		t.Fatal(err)
	}
	return dm
}

func diag(t *testing.T, dm cbor.DiagMode, raw []byte) string {
	t.Helper()
	s, err := dm.Diagnose(raw)
	if err != nil {
		t.Fatalf("diagnose: %v", err)
	}
	return s
}

func mustCBOR(t *testing.T, v any) cbor.RawMessage {
	t.Helper()
	em, err := cbor.CoreDetEncOptions().EncMode() // deterministic map order
	if err != nil {
		t.Fatal(err)
	}
	b, err := em.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// goldenCert loads the fixed document signer certificate, creating it under
// -update when it does not exist, and checks that it certifies key.
func goldenCert(t *testing.T, key *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	file := filepath.Join("testdata", "issuer.pem")
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) && *update {
		cert := selfSigned(t, key, "credmint golden document signer")
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
		t.Fatalf("%s does not certify the fixed document signer key", file)
	}
	return cert
}
