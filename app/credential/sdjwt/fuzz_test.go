package sdjwt

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"credmint/app/credential"
	"credmint/app/keys/keystest"
)

// FuzzIssue issues arbitrary JSON datasets with every top-level member, every
// array element and every member of a nested object selective, and checks
// that the independent decoder gets the dataset back.
func FuzzIssue(f *testing.F) {
	f.Add(adaJSON)
	f.Add(`{"a": [[1, 2], {"b": null}], "c": {"d": {"e": "<&>"}}}`)
	f.Add(`{"x": [], "y": {}, "z": 1e300, "w": -0.5}`)
	key := keystest.FixedP256(f, "fuzz issuer")
	signer := &testSigner{Key: key, KID: "fuzz", Certs: []*x509.Certificate{selfSigned(f, key)}}
	f.Fuzz(func(t *testing.T, data string) {
		var dataset map[string]any
		if json.Unmarshal([]byte(data), &dataset) != nil || dataset == nil || hasReservedName(dataset, true) {
			t.Skip()
		}
		var claims []credential.Claim
		for _, name := range slices.Sorted(maps.Keys(dataset)) {
			claims = append(claims, sel(name))
			switch v := dataset[name].(type) {
			case []any:
				claims = append(claims, sel(name, nil))
			case map[string]any:
				for _, child := range slices.Sorted(maps.Keys(v)) {
					claims = append(claims, sel(name, child))
				}
			}
		}
		cfg := &credential.Configuration{ID: "fuzz", Format: FormatID, VCT: "urn:fuzz", Claims: claims, BindingMethods: []string{"none"}}
		out, err := New().Issue(context.Background(), credential.IssueRequest{
			Configuration: cfg, Claims: dataset, IssuedAt: time.Unix(1767225600, 0),
			Signer: signer, Rand: rand.Reader,
		})
		if err != nil {
			t.Fatalf("Issue: %v", err)
		}
		got := decodeSDJWT(t, out.(string)).claims
		delete(got, "iat")
		delete(got, "vct")
		if diff := cmp.Diff(dataset, got); diff != "" {
			t.Errorf("claims (-want +got):\n%s", diff)
		}
	})
}

// hasReservedName reports whether v uses a name Issue rejects.
func hasReservedName(v any, top bool) bool {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			if k == "_sd" || k == "_sd_alg" || k == "..." || (top && reservedTopLevel[k]) || hasReservedName(child, false) {
				return true
			}
		}
	case []any:
		for _, child := range v {
			if hasReservedName(child, false) {
				return true
			}
		}
	}
	return false
}
