package mdoc

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"credmint/app/credential"
	"credmint/app/credential/mdoc/mdoctest"
	"credmint/app/keys/keystest"
)

// FuzzIssue issues arbitrary JSON objects as the elements of one namespace
// and checks that the independent decoder verifies the mdoc and gets the
// elements back.
func FuzzIssue(f *testing.F) {
	f.Add(`{"family_name": "Lovelace", "age_over_18": true, "age_in_years": 210}`)
	f.Add(`{"a": [[1, 2], {"b": null}], "c": {"d": {"e": "<&>"}}, "": "empty name"}`)
	f.Add(`{"x": [], "y": {}, "z": 1e300, "w": -0.5, "v": -9007199254740993, "u": null}`)
	key := keystest.FixedP256(f, "fuzz document signer")
	signer := &testSigner{Key: key, KID: "fuzz", Certs: []*x509.Certificate{selfSigned(f, key, "fuzz")}}
	holder := &keystest.FixedP256(f, "fuzz holder").PublicKey
	const ns = "org.example.fuzz"
	f.Fuzz(func(t *testing.T, data string) {
		var elements map[string]any
		if json.Unmarshal([]byte(data), &elements) != nil || elements == nil {
			t.Skip()
		}
		cfg := &credential.Configuration{ID: "fuzz", Format: FormatID, Doctype: "org.example.fuzz.1"}
		iat := time.Unix(1767225600, 0)
		out, err := New().Issue(context.Background(), credential.IssueRequest{
			Configuration: cfg, Claims: map[string]any{ns: elements}, HolderKey: &jose.JSONWebKey{Key: holder},
			IssuedAt: iat, ExpiresAt: iat.Add(time.Hour), Signer: signer, Rand: rand.Reader,
		})
		if err != nil {
			t.Fatalf("Issue: %v", err)
		}
		doc, err := mdoctest.Verify(out.(string), mdoctest.Options{DocType: cfg.Doctype, DeviceKey: holder, Now: iat})
		if err != nil {
			t.Fatalf("independent verification: %v", err)
		}
		want := map[string]any{}
		for k, v := range elements {
			if v != nil {
				want[k] = v
			}
		}
		got := map[string]any{}
		for k, v := range doc.Elements[ns] {
			got[k] = jsonish(v)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("elements (-want +got):\n%s", diff)
		}
	})
}

// jsonish turns generically decoded CBOR back into what encoding/json
// produces: numbers as float64, maps with string keys.
func jsonish(v any) any {
	switch v := v.(type) {
	case uint64:
		return float64(v)
	case int64:
		return float64(v)
	case []any:
		out := make([]any, len(v))
		for i, el := range v {
			out[i] = jsonish(el)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, el := range v {
			out[k.(string)] = jsonish(el)
		}
		return out
	}
	return v
}

// FuzzVerify feeds arbitrary input to the independent decoder: it must
// reject garbage without panicking, and accept only what verifies.
func FuzzVerify(f *testing.F) {
	signer := newTestSigner(f)
	holder := &keystest.FixedP256(f, "holder").PublicKey
	cfg := mdlConfiguration()
	iat := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	out, err := New().Issue(context.Background(), credential.IssueRequest{
		Configuration: cfg, Claims: mustJSON(f, mdlJSON), HolderKey: &jose.JSONWebKey{Key: holder},
		IssuedAt: iat, ExpiresAt: iat.Add(time.Hour), Signer: signer, Rand: rand.Reader,
	})
	if err != nil {
		f.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(out.(string))
	f.Add(raw)
	f.Add([]byte{0xa1, 0x6a, 'i', 's', 's', 'u', 'e', 'r', 'A', 'u', 't', 'h', 0x84, 0x40, 0xa0, 0xf6, 0x40})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := mdoctest.Verify(base64.RawURLEncoding.EncodeToString(data), mdoctest.Options{})
		if err == nil && (doc.DocType == "" || len(doc.Chain) == 0 || doc.DeviceKey == nil) {
			t.Errorf("Verify accepted an incomplete mdoc: %+v", doc)
		}
	})
}
