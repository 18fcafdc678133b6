package jwtvc

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"credmint/app/credential"
	"credmint/app/keys/keystest"
)

// FuzzIssue issues arbitrary JSON datasets (every member declared, as with
// a configuration without claims) in both data model versions, with and
// without did:jwk, and checks with the independent decoder that the
// signature verifies and credentialSubject is the dataset, plus the
// holder's did:jwk as id when asked for. Issue refuses only an "id" member
// with did:jwk.
func FuzzIssue(f *testing.F) {
	f.Add(diplomaJSON, false, false)
	f.Add(`{"a": [[1, 2], {"b": null}], "c": {"d": {"e": "<&>"}}, "": "empty name", "@context": 1}`, true, false)
	f.Add(`{"x": [], "y": {}, "z": 1e300, "w": -0.5, "v": 9007199254740993, "id": "urn:x"}`, false, true)
	key := keystest.FixedP256(f, "fuzz issuer")
	signer := &testSigner{Key: key, KID: "fuzz", Certs: []*x509.Certificate{selfSigned(f, key)}}
	holder := &jose.JSONWebKey{Key: &keystest.FixedP256(f, "fuzz holder").PublicKey}
	f.Fuzz(func(t *testing.T, data string, v11, didJWK bool) {
		var dataset map[string]any
		if json.Unmarshal([]byte(data), &dataset) != nil || dataset == nil {
			t.Skip()
		}
		cfg := &credential.Configuration{ID: "fuzz", Format: FormatID, Types: []string{"Fuzz"}, VCDM: VCDM20, HolderDIDJWK: didJWK}
		if v11 {
			cfg.VCDM = VCDM11
		}
		iat := time.Unix(1767225600, 0)
		out, err := New().Issue(context.Background(), credential.IssueRequest{
			Configuration: cfg, Issuer: "https://issuer.example.org", Claims: dataset, HolderKey: holder,
			IssuedAt: iat, ExpiresAt: iat.Add(time.Hour), Signer: signer,
		})
		if _, hasID := dataset["id"]; hasID && didJWK {
			if err == nil {
				t.Fatal("an id member with holder_did_jwk was issued")
			}
			return
		}
		if err != nil {
			t.Fatalf("Issue: %v", err)
		}
		d := decodeJWT(t, out.(string))
		vc := d.payload
		if v11 {
			vc, _ = d.payload["vc"].(map[string]any)
		}
		subject, _ := vc["credentialSubject"].(map[string]any)
		if didJWK {
			if id, _ := subject["id"].(string); id == "" || id != d.payload["sub"] {
				t.Fatalf("credentialSubject.id %v, sub %v: want the holder's did:jwk in both", subject["id"], d.payload["sub"])
			}
			delete(subject, "id")
		}
		if diff := cmp.Diff(dataset, subject); diff != "" {
			t.Errorf("credentialSubject (-want +got):\n%s", diff)
		}
		if cnf, _ := d.payload["cnf"].(map[string]any); cnf["jwk"] == nil {
			t.Errorf("no cnf.jwk in %v", d.payload)
		}
	})
}
