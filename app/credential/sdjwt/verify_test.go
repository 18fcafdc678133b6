package sdjwt

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"credmint/app/credential"
)

const adaJSON = `{
	"given_name": "Ada", "family_name": "Lovelace", "birthdate": "1815-12-10",
	"address": {"street_address": "12 St James's Square", "locality": "London", "country": "GB"},
	"nationalities": ["GB", "IT"],
	"degrees": [{"type": "BSc", "year": 1833}, {"type": "MSc", "year": 1835}],
	"employment": {"status": "retired", "employer": "<Analytical & Co>"},
	"age_over_18": true,
	"unlisted": "not in the configuration"
}`

func path(els ...any) []any { return els }

func sel(els ...any) credential.Claim   { return credential.Claim{Path: els, Selective: true} }
func plain(els ...any) credential.Claim { return credential.Claim{Path: els} }

// TestIssueVerifies issues credentials and checks them with the independent
// decoder: signature, digests, registered claims, holder key and the full
// claim set.
func TestIssueVerifies(t *testing.T) {
	ecHolder, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	all := mustJSON(t, adaJSON)
	only := func(names ...string) map[string]any {
		out := map[string]any{}
		for _, n := range names {
			out[n] = all[n]
		}
		return out
	}
	tests := []struct {
		name     string
		claims   []credential.Claim
		holder   *jose.JSONWebKey // nil: no binding
		want     map[string]any
		wantSD   []string // disclosed paths
		wantHold any      // ecdsa or ed25519 public key expected in cnf
	}{
		{
			name:   "flat",
			claims: []credential.Claim{sel("given_name"), sel("family_name"), plain("birthdate")},
			want:   only("given_name", "family_name", "birthdate"),
			wantSD: []string{"family_name", "given_name"},
		},
		{
			name:   "nested selective",
			claims: []credential.Claim{plain("address"), sel("address", "locality")},
			want:   only("address"),
			wantSD: []string{"address.locality"},
		},
		{
			name:   "recursive",
			claims: []credential.Claim{sel("address"), sel("address", "locality"), sel("given_name")},
			want:   only("address", "given_name"),
			wantSD: []string{"address", "address.locality", "given_name"},
		},
		{
			name:   "array elements",
			claims: []credential.Claim{sel("nationalities", nil)},
			want:   only("nationalities"),
			wantSD: []string{"nationalities[0]", "nationalities[1]"},
		},
		{
			name:   "array index",
			claims: []credential.Claim{plain("nationalities"), sel("nationalities", 1)},
			want:   only("nationalities"),
			wantSD: []string{"nationalities[1]"},
		},
		{
			name:   "array and its elements",
			claims: []credential.Claim{sel("nationalities"), sel("nationalities", nil)},
			want:   only("nationalities"),
			wantSD: []string{"nationalities", "nationalities[0]", "nationalities[1]"},
		},
		{
			name:   "members of every element",
			claims: []credential.Claim{sel("degrees", nil, "type")},
			want:   only("degrees"),
			wantSD: []string{"degrees[0].type", "degrees[1].type"},
		},
		{
			name:   "nested registered name and HTML characters",
			claims: []credential.Claim{sel("employment", "status"), sel("employment", "employer")},
			want:   only("employment"),
			wantSD: []string{"employment.employer", "employment.status"},
		},
		{
			name:   "no claims declared",
			claims: nil,
			want:   all,
		},
		{
			name:   "nothing selective",
			claims: []credential.Claim{plain("given_name"), plain("age_over_18")},
			want:   only("given_name", "age_over_18"),
		},
		{
			name:   "selective claim absent from the dataset",
			claims: []credential.Claim{plain("given_name"), sel("middle_name"), sel("address", "region")},
			want:   only("given_name", "address"),
		},
		{
			name:     "EC holder key given as a private key",
			claims:   []credential.Claim{sel("given_name")},
			holder:   &jose.JSONWebKey{Key: ecHolder, KeyID: "holder-kid", Algorithm: "ES256", Use: "sig"},
			want:     only("given_name"),
			wantSD:   []string{"given_name"},
			wantHold: &ecHolder.PublicKey,
		},
		{
			name:     "EdDSA holder key",
			claims:   []credential.Claim{sel("given_name")},
			holder:   &jose.JSONWebKey{Key: edPriv, KeyID: "holder-kid"},
			want:     only("given_name"),
			wantSD:   []string{"given_name"},
			wantHold: edPub,
		},
	}
	signer := newTestSigner(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &credential.Configuration{ID: "ada", Format: FormatID, VCT: "urn:example:ada:1", Claims: tt.claims}
			if tt.holder == nil {
				cfg.BindingMethods = []string{"none"}
			}
			cfg.Normalize()
			iat := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			dataset := mustJSON(t, adaJSON)
			out, err := New().Issue(context.Background(), credential.IssueRequest{
				Configuration: cfg, Issuer: "https://issuer.example.org", Claims: dataset,
				HolderKey: tt.holder, IssuedAt: iat, ExpiresAt: iat.Add(cfg.Validity),
				Signer: signer, Rand: rand.Reader,
			})
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			if diff := cmp.Diff(mustJSON(t, adaJSON), dataset); diff != "" {
				t.Errorf("Issue modified the dataset (-before +after):\n%s", diff)
			}
			sdjwt, ok := out.(string)
			if !ok {
				t.Fatalf("Issue returned %T, want string", out)
			}
			d := decodeSDJWT(t, sdjwt)
			checkHeader(t, d, signer)
			checkRegistered(t, d, cfg, iat)
			checkCNF(t, d.payload, tt.wantHold)

			got := maps.Clone(d.claims)
			for _, k := range []string{"iss", "iat", "exp", "vct", "cnf"} {
				delete(got, k)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("claims (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSD, d.paths); diff != "" {
				t.Errorf("disclosed paths (-want +got):\n%s", diff)
			}
			checkSDAlg(t, d, sdjwt)
			salts := map[string]bool{}
			for _, dd := range d.disclosures {
				if salts[dd.salt] {
					t.Errorf("salt %s used twice", dd.salt)
				}
				salts[dd.salt] = true
			}
		})
	}
}

func checkHeader(t *testing.T, d *decoded, s *testSigner) {
	t.Helper()
	if got := d.header["typ"]; got != "dc+sd-jwt" {
		t.Errorf("typ = %v, want dc+sd-jwt", got)
	}
	if got := d.header["alg"]; got != "ES256" {
		t.Errorf("alg = %v, want ES256", got)
	}
	if got := d.header["kid"]; got != s.KID {
		t.Errorf("kid = %v, want %s", got, s.KID)
	}
	if n := strings.Count(string(d.rawHeader), `"kid"`); n != 1 {
		t.Errorf("header %s has kid %d times, want once", d.rawHeader, n)
	}
	if _, ok := d.header["jwk"]; ok {
		t.Errorf("header %s has a jwk", d.rawHeader)
	}
	wantKeys := []string{"alg", "kid", "typ", "x5c"}
	if got := slices.Sorted(maps.Keys(d.header)); !slices.Equal(got, wantKeys) {
		t.Errorf("header members = %v, want %v", got, wantKeys)
	}
	if !d.leaf.Equal(s.Certs[0]) {
		t.Error("x5c leaf is not the signer's certificate")
	}
}

func checkRegistered(t *testing.T, d *decoded, cfg *credential.Configuration, iat time.Time) {
	t.Helper()
	// Registered claims must be in the signed payload itself, never disclosed.
	want := map[string]any{
		"iss": "https://issuer.example.org",
		"iat": float64(iat.Unix()),
		"exp": float64(iat.Add(cfg.Validity).Unix()),
		"vct": cfg.VCT,
	}
	for k, v := range want {
		if got := d.payload[k]; got != v {
			t.Errorf("payload %s = %v, want %v", k, got, v)
		}
	}
}

func checkSDAlg(t *testing.T, d *decoded, sdjwt string) {
	t.Helper()
	if len(d.disclosures) == 0 {
		if _, ok := d.payload["_sd_alg"]; ok {
			t.Error("_sd_alg present without disclosures")
		}
		if _, ok := d.payload["_sd"]; ok {
			t.Error("_sd present without disclosures")
		}
		if strings.Count(sdjwt, "~") != 1 {
			t.Errorf("SD-JWT without disclosures = %q, want <jwt>~", sdjwt)
		}
		return
	}
	if got := d.payload["_sd_alg"]; got != "sha-256" {
		t.Errorf("_sd_alg = %v, want sha-256", got)
	}
}

// checkCNF compares cnf.jwk with the holder's public key, member by member.
func checkCNF(t *testing.T, payload map[string]any, holder any) {
	t.Helper()
	cnf, ok := payload["cnf"].(map[string]any)
	if holder == nil {
		if ok {
			t.Errorf("cnf = %v, want none", cnf)
		}
		return
	}
	jwk, _ := cnf["jwk"].(map[string]any)
	coord := func(name string) []byte {
		s, _ := jwk[name].(string)
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Errorf("cnf.jwk.%s: %v", name, err)
		}
		return b
	}
	var want map[string]any
	switch k := holder.(type) {
	case *ecdsa.PublicKey:
		x, y := make([]byte, 32), make([]byte, 32)
		k.X.FillBytes(x)
		k.Y.FillBytes(y)
		if string(coord("x")) != string(x) || string(coord("y")) != string(y) {
			t.Errorf("cnf.jwk %v is not the holder key", jwk)
		}
		want = map[string]any{"kty": "EC", "crv": "P-256", "x": jwk["x"], "y": jwk["y"]}
	case ed25519.PublicKey:
		if string(coord("x")) != string(k) {
			t.Errorf("cnf.jwk %v is not the holder key", jwk)
		}
		want = map[string]any{"kty": "OKP", "crv": "Ed25519", "x": jwk["x"]}
	}
	if diff := cmp.Diff(want, jwk); diff != "" {
		t.Errorf("cnf.jwk members (-want +got):\n%s", diff)
	}
}
