package mdoc

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"credmint/app/credential"
	"credmint/app/credential/mdoc/mdoctest"
	"credmint/app/keys/keystest"
)

// TestIssueVerifies issues mDLs with a fresh key and checks them with the
// independent decoder: signature with the x5chain leaf, every digest,
// device key, docType, validity, status and the element values.
func TestIssueVerifies(t *testing.T) {
	signer := newTestSigner(t)
	holders := map[string]func() any{
		"P-256":   func() any { return &keystest.FixedP256(t, "holder").PublicKey },
		"P-384":   func() any { k, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader); return &k.PublicKey },
		"Ed25519": func() any { pub, _, _ := ed25519.GenerateKey(rand.Reader); return pub },
	}
	for name, holder := range holders {
		t.Run(name, func(t *testing.T) {
			cfg := mdlConfiguration()
			pub := holder()
			iat := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			out, err := New().Issue(context.Background(), credential.IssueRequest{
				Configuration: cfg, Claims: mustJSON(t, mdlJSON), HolderKey: &jose.JSONWebKey{Key: pub},
				IssuedAt: iat, ExpiresAt: iat.Add(cfg.Validity), Signer: signer, Rand: rand.Reader,
				Status: &credential.StatusReference{URI: "https://issuer.example.org/status/7", Index: 0},
			})
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			s := out.(string)
			if strings.ContainsAny(s, "=+/") {
				t.Errorf("credential is not unpadded base64url: %q…", s[:40])
			}
			doc, err := mdoctest.Verify(s, mdoctest.Options{DocType: mdlDoctype, DeviceKey: pub, Now: iat.Add(time.Hour)})
			if err != nil {
				t.Fatalf("independent verification: %v", err)
			}
			if !doc.Chain[0].Equal(signer.Certs[0]) {
				t.Error("x5chain leaf is not the signer's certificate")
			}
			if !doc.Signed.Equal(iat) || !doc.ValidFrom.Equal(iat) || !doc.ValidUntil.Equal(iat.Add(cfg.Validity)) {
				t.Errorf("validityInfo: got %s, %s, %s", doc.Signed, doc.ValidFrom, doc.ValidUntil)
			}
			wantStatus := map[any]any{"status_list": map[any]any{"idx": uint64(0), "uri": "https://issuer.example.org/status/7"}}
			if diff := cmp.Diff(wantStatus, doc.Status); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
			want := map[string]map[string]any{mdlNamespace: {
				"family_name": "Lovelace", "given_name": "Ada",
				"birth_date":      cbor.Tag{Number: 1004, Content: "1815-12-10"},
				"issue_date":      cbor.Tag{Number: 1004, Content: "2026-01-01"},
				"expiry_date":     cbor.Tag{Number: 1004, Content: "2031-01-01"},
				"issuing_country": "UT", "issuing_authority": "Utopia DMV", "document_number": "D-1815",
				"driving_privileges": []any{map[any]any{"vehicle_category_code": "B",
					"issue_date": cbor.Tag{Number: 1004, Content: "2020-01-01"}, "expiry_date": cbor.Tag{Number: 1004, Content: "2030-01-01"}}},
				"un_distinguishing_sign": "UTO", "age_over_18": true, "age_in_years": uint64(210),
				"issuance_time": time.Date(2026, 1, 1, 8, 30, 15, 0, time.UTC),
			}}
			if diff := cmp.Diff(want, doc.Elements); diff != "" {
				t.Errorf("elements (-want +got):\n%s", diff)
			}
			checkDigestIDs(t, doc)
		})
	}
}

// checkDigestIDs checks that digest IDs are 0…n-1 per namespace and that
// salts are distinct.
func checkDigestIDs(t *testing.T, doc *mdoctest.Document) {
	t.Helper()
	for ns, ids := range doc.DigestIDs {
		var got []uint64
		for _, id := range ids {
			got = append(got, id)
		}
		slices.Sort(got)
		for i, id := range got {
			if id != uint64(i) {
				t.Errorf("%s digest IDs: got %v, want a permutation of 0…%d", ns, got, len(got)-1)
				break
			}
		}
		var salts [][]byte
		for _, s := range doc.Salts[ns] {
			if slices.ContainsFunc(salts, func(o []byte) bool { return bytes.Equal(o, s) }) {
				t.Errorf("%s: a salt is used twice", ns)
			}
			salts = append(salts, s)
		}
	}
}

// TestDigestIDsHideOrder issues the same mDL many times and checks that the
// digest ID of the first element is not always the same, i.e. digest IDs do
// not follow element order, and that two credentials share no salt.
func TestDigestIDsHideOrder(t *testing.T) {
	signer := newTestSigner(t)
	holder := &jose.JSONWebKey{Key: &keystest.FixedP256(t, "holder").PublicKey}
	cfg := mdlConfiguration()
	iat := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	firstIDs := map[uint64]bool{}
	salts := map[string]bool{}
	for range 20 {
		out, err := New().Issue(context.Background(), credential.IssueRequest{
			Configuration: cfg, Claims: mustJSON(t, mdlJSON), HolderKey: holder,
			IssuedAt: iat, ExpiresAt: iat.Add(time.Hour), Signer: signer, Rand: rand.Reader,
		})
		if err != nil {
			t.Fatal(err)
		}
		doc, err := mdoctest.Verify(out.(string), mdoctest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		firstIDs[doc.DigestIDs[mdlNamespace]["family_name"]] = true
		salt := string(doc.Salts[mdlNamespace]["family_name"])
		if salts[salt] {
			t.Fatal("two credentials share a salt")
		}
		salts[salt] = true
	}
	if len(firstIDs) < 3 {
		t.Errorf("family_name got digest IDs %v over 20 credentials: want them spread", firstIDs)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("entropy exhausted") }

// TestNestedClaimsInAnyOrder: a claim reaching inside an element may be
// declared before or after the claims around it; the innermost type wins.
func TestNestedClaimsInAnyOrder(t *testing.T) {
	signer := newTestSigner(t)
	holder := keystest.FixedP256(t, "holder")
	iat := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	want := []any{map[any]any{"vehicle_category_code": "B",
		"issue_date": cbor.Tag{Number: 1004, Content: "2020-01-01"}, "expiry_date": cbor.Tag{Number: 1004, Content: "2030-01-01"}}}
	for _, name := range []string{"inner first", "inner last"} {
		t.Run(name, func(t *testing.T) {
			cfg := mdlConfiguration()
			outer := []credential.Claim{
				{Path: []any{mdlNamespace, "driving_privileges", nil}, Type: credential.TypeObject},
				{Path: []any{mdlNamespace, "driving_privileges", nil, "vehicle_category_code"}, Type: credential.TypeString},
			}
			if name == "inner first" {
				cfg.Claims = append(cfg.Claims, outer...)
			} else {
				cfg.Claims = append(outer, cfg.Claims...)
			}
			if err := cfg.Validate(credential.NewFormats(New())); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			out, err := New().Issue(context.Background(), credential.IssueRequest{
				Configuration: cfg, Claims: mustJSON(t, mdlJSON), HolderKey: &jose.JSONWebKey{Key: &holder.PublicKey},
				IssuedAt: iat, ExpiresAt: iat.Add(time.Hour), Signer: signer, Rand: rand.Reader,
			})
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			doc, err := mdoctest.Verify(out.(string), mdoctest.Options{DeviceKey: &holder.PublicKey})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, doc.Elements[mdlNamespace]["driving_privileges"]); diff != "" {
				t.Errorf("driving_privileges (-want +got):\n%s", diff)
			}
		})
	}
}

// TestIssueErrors checks that Issue refuses requests it cannot turn into a
// sound mdoc, naming the problem.
func TestIssueErrors(t *testing.T) {
	signer := newTestSigner(t)
	holder := &jose.JSONWebKey{Key: &keystest.FixedP256(t, "holder").PublicKey}
	base := func() credential.IssueRequest {
		cfg := mdlConfiguration()
		now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		return credential.IssueRequest{
			Configuration: cfg, Claims: mustJSON(t, mdlJSON), HolderKey: holder,
			IssuedAt: now, ExpiresAt: now.Add(time.Hour), Signer: signer, Rand: rand.Reader,
		}
	}
	other := keystest.FixedP256(t, "someone else")
	tests := []struct {
		name    string
		edit    func(r *credential.IssueRequest)
		wantErr string
	}{
		{"no configuration", func(r *credential.IssueRequest) { r.Configuration = nil }, "configuration"},
		{"no doctype", func(r *credential.IssueRequest) { r.Configuration.Doctype = "" }, "doctype"},
		{"no signer", func(r *credential.IssueRequest) { r.Signer = nil }, "signer"},
		{"no rand", func(r *credential.IssueRequest) { r.Rand = nil }, "randomness"},
		{"failing rand", func(r *credential.IssueRequest) { r.Rand = failingReader{} }, "entropy exhausted"},
		{"short rand", func(r *credential.IssueRequest) { r.Rand = io.LimitReader(rand.Reader, 100) }, "salt"},
		{"no issuance time", func(r *credential.IssueRequest) { r.IssuedAt = time.Time{} }, "issuance time"},
		{"no expiry", func(r *credential.IssueRequest) { r.ExpiresAt = time.Time{} }, "validUntil"},
		{"expiry before issuance", func(r *credential.IssueRequest) { r.ExpiresAt = r.IssuedAt.Add(-time.Second) }, "validUntil"},
		{"no holder key", func(r *credential.IssueRequest) { r.HolderKey = nil }, "device key"},
		{"symmetric holder key", func(r *credential.IssueRequest) { r.HolderKey = &jose.JSONWebKey{Key: []byte("secret")} }, "device key"},
		{"negative status index", func(r *credential.IssueRequest) {
			r.Status = &credential.StatusReference{URI: "https://x/s", Index: -1}
		}, "status"},
		{"status without uri", func(r *credential.IssueRequest) { r.Status = &credential.StatusReference{Index: 1} }, "status"},
		{"signer algorithm not allowed", func(r *credential.IssueRequest) { r.Configuration.SigningAlgs = []string{"ES384"} }, "ES256"},
		{"signer without certificate", func(r *credential.IssueRequest) {
			r.Signer = &testSigner{Key: signer.Key, KID: "bare"}
		}, "x5chain"},
		{"certificate of another key", func(r *credential.IssueRequest) {
			r.Signer = &testSigner{Key: signer.Key, KID: "mismatch", Certs: []*x509.Certificate{selfSigned(t, other, "other")}}
		}, "does not certify"},
		{"bad date", func(r *credential.IssueRequest) {
			r.Claims[mdlNamespace].(map[string]any)["birth_date"] = "10.12.1815"
		}, "birth_date"},
		{"open dataset with a non-object namespace", func(r *credential.IssueRequest) {
			r.Configuration.Claims = nil
			r.Claims["org.example"] = "not elements"
		}, `"org.example"`},
		{"claim path of the wrong shape", func(r *credential.IssueRequest) {
			r.Configuration.Claims = []credential.Claim{{Path: []any{"given_name"}}}
		}, "[namespace, element, ...]"},
		{"bad date inside an element", func(r *credential.IssueRequest) {
			r.Claims[mdlNamespace].(map[string]any)["driving_privileges"] = []any{map[string]any{"vehicle_category_code": "B", "issue_date": "1.1.2020"}}
		}, "org.iso.18013.5.1.driving_privileges[*].issue_date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := base()
			tt.edit(&req)
			out, err := New().Issue(context.Background(), req)
			if err == nil {
				t.Fatalf("Issue: got %v, want an error mentioning %q", out, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Issue error: got %q, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

// TestIssueChain checks that a chain of several certificates goes into
// x5chain as an array, leaf first.
func TestIssueChain(t *testing.T) {
	leafKey := keystest.FixedP256(t, "ds")
	caKey := keystest.FixedP256(t, "iaca")
	signer := &testSigner{Key: leafKey, KID: "ds", Certs: []*x509.Certificate{selfSigned(t, leafKey, "ds"), selfSigned(t, caKey, "iaca")}}
	holder := &keystest.FixedP256(t, "holder").PublicKey
	cfg := mdlConfiguration()
	iat := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	out, err := New().Issue(context.Background(), credential.IssueRequest{
		Configuration: cfg, Claims: mustJSON(t, mdlJSON), HolderKey: &jose.JSONWebKey{Key: holder},
		IssuedAt: iat, ExpiresAt: iat.Add(time.Hour), Signer: signer, Rand: rand.Reader,
	})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := mdoctest.Verify(out.(string), mdoctest.Options{DeviceKey: holder})
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Chain) != 2 || doc.Chain[0].Subject.CommonName != "ds" || doc.Chain[1].Subject.CommonName != "iaca" {
		t.Errorf("x5chain: got %d certificates, want [ds, iaca]", len(doc.Chain))
	}
}

// TestVerifierRejectsTampering makes sure the independent decoder would
// notice a broken credential: a flipped byte in an element value (digest),
// in the MSO (signature) and a wrong expected holder key.
func TestVerifierRejectsTampering(t *testing.T) {
	signer := newTestSigner(t)
	holder := &keystest.FixedP256(t, "holder").PublicKey
	cfg := mdlConfiguration()
	iat := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	out, err := New().Issue(context.Background(), credential.IssueRequest{
		Configuration: cfg, Claims: mustJSON(t, mdlJSON), HolderKey: &jose.JSONWebKey{Key: holder},
		IssuedAt: iat, ExpiresAt: iat.Add(time.Hour), Signer: signer, Rand: rand.Reader,
	})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := mdoctest.Verify(out.(string), mdoctest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tamper := func(old, new string) string {
		raw := bytes.Replace(doc.IssuerSigned, []byte(old), []byte(new), 1)
		if bytes.Equal(raw, doc.IssuerSigned) {
			t.Fatalf("%q not found", old)
		}
		return base64.RawURLEncoding.EncodeToString(raw)
	}
	tests := map[string]struct {
		cred string
		opts mdoctest.Options
		want string
	}{
		"element value": {tamper("Lovelace", "Lovelacf"), mdoctest.Options{}, "does not match valueDigests"},
		"MSO docType":   {tamper("org.iso.18013.5.1.mDL", "org.iso.18013.5.1.mDM"), mdoctest.Options{}, "signature"},
		"holder key":    {out.(string), mdoctest.Options{DeviceKey: &keystest.FixedP256(t, "other").PublicKey}, "deviceKey"},
		"docType":       {out.(string), mdoctest.Options{DocType: "org.example.other.1"}, "docType"},
		"expired":       {out.(string), mdoctest.Options{Now: iat.Add(2 * time.Hour)}, "not valid"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := mdoctest.Verify(tt.cred, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Verify: got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}
