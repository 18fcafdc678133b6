package jwtvc

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"credmint/app/credential"
)

// TestIssueVerifies issues credentials of both data model versions and
// checks them with the independent decoder: signature against the x5c leaf,
// header, @context, type, issuer, validity, credentialSubject, cnf, did:jwk
// and status.
func TestIssueVerifies(t *testing.T) {
	ecHolder, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	all := mustDecode(t, diplomaJSON)
	only := func(names ...string) map[string]any {
		out := map[string]any{}
		for _, n := range names {
			out[n] = all[n]
		}
		return out
	}
	declared := only("given_name", "family_name", "degree", "awarded_on", "student_number", "faculty")
	status := &credential.StatusReference{URI: "https://issuer.example.org/status/7", Index: 12345}
	tests := []struct {
		name     string
		vcdm     string
		didJWK   bool
		claims   []credential.Claim // nil: diplomaConfig's
		noClaims bool               // declare no claims at all
		holder   *jose.JSONWebKey   // nil: no binding
		holdPub  any
		status   *credential.StatusReference
		want     map[string]any // credentialSubject without id
	}{
		{name: "1.1 EC holder", vcdm: VCDM11, holder: &jose.JSONWebKey{Key: &ecHolder.PublicKey}, holdPub: &ecHolder.PublicKey, want: declared},
		{name: "1.1 did:jwk and status", vcdm: VCDM11, didJWK: true, holder: &jose.JSONWebKey{Key: ecHolder, KeyID: "k", Use: "sig"}, holdPub: &ecHolder.PublicKey, status: status, want: declared},
		{name: "2.0 default EC holder", vcdm: "", holder: &jose.JSONWebKey{Key: &ecHolder.PublicKey}, holdPub: &ecHolder.PublicKey, want: declared},
		{name: "2.0 did:jwk Ed25519 and status", vcdm: VCDM20, didJWK: true, holder: &jose.JSONWebKey{Key: edPriv}, holdPub: edPub, status: status, want: declared},
		{name: "2.0 unbound", vcdm: VCDM20, want: declared},
		{name: "1.1 unbound, no claims declared", vcdm: VCDM11, noClaims: true, want: all},
		{name: "2.0 nested path keeps nesting", vcdm: VCDM20, claims: []credential.Claim{{Path: []any{"degree", "name"}}, {Path: []any{"middle_name"}}}, want: only("degree")},
	}
	signer := newTestSigner(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := diplomaConfig(tt.vcdm, tt.didJWK)
			if tt.claims != nil {
				cfg.Claims = tt.claims
			}
			if tt.noClaims {
				cfg.Claims = nil
			}
			if tt.holder == nil {
				cfg.BindingMethods = []string{"none"}
			}
			if err := New().Validate(cfg); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			iat := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			exp := iat.Add(cfg.Validity)
			dataset := mustJSON(t, diplomaJSON)
			out, err := New().Issue(context.Background(), credential.IssueRequest{
				Configuration: cfg, Issuer: "https://issuer.example.org", Claims: dataset,
				HolderKey: tt.holder, IssuedAt: iat, ExpiresAt: exp,
				Signer: signer, Rand: rand.Reader, Status: tt.status,
			})
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			if diff := cmp.Diff(mustJSON(t, diplomaJSON), dataset); diff != "" {
				t.Errorf("Issue modified the dataset (-before +after):\n%s", diff)
			}
			jwt, ok := out.(string)
			if !ok {
				t.Fatalf("Issue returned %T, want string", out)
			}
			d := decodeJWT(t, jwt)
			if !d.leaf.Equal(signer.Certs[0]) {
				t.Error("x5c leaf is not the signer's certificate")
			}
			v11 := tt.vcdm == VCDM11
			checkHeader(t, d, signer.KID, v11)
			vc := checkEnvelope(t, d.payload, v11, iat, exp)
			if got, want := vc["@context"], []any{map[bool]string{true: ContextV1, false: ContextV2}[v11], "https://university.example.org/contexts/diploma/v1"}; !cmp.Equal(got, want) {
				t.Errorf("@context = %v, want %v", got, want)
			}
			if got, want := vc["type"], []any{"VerifiableCredential", "UniversityDegreeCredential"}; !cmp.Equal(got, want) {
				t.Errorf("type = %v, want %v", got, want)
			}
			subject, _ := vc["credentialSubject"].(map[string]any)
			if subject == nil {
				t.Fatalf("credentialSubject missing or not an object: %v", vc["credentialSubject"])
			}
			gotSubject := maps.Clone(subject)
			delete(gotSubject, "id")
			if diff := cmp.Diff(tt.want, gotSubject); diff != "" {
				t.Errorf("credentialSubject (-want +got):\n%s", diff)
			}
			if _, ok := tt.want["student_number"]; ok && !strings.Contains(string(d.rawPayload), `"student_number":18151210123456789`) {
				t.Error("student_number lost precision")
			}
			checkHolder(t, d.payload, subject, tt.holdPub, tt.didJWK)
			checkStatus(t, d.payload, tt.status)
		})
	}
}

// mustDecode decodes JSON the way a verifier would, numbers as float64.
func mustDecode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func checkHeader(t *testing.T, d *decoded, kid string, v11 bool) {
	t.Helper()
	want := map[string]any{"alg": "ES256", "kid": kid, "typ": "vc+jwt", "cty": "vc"}
	if v11 {
		want = map[string]any{"alg": "ES256", "kid": kid, "typ": "JWT"}
	}
	got := maps.Clone(d.header)
	delete(got, "x5c")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
}

// checkEnvelope checks issuer and validity in the JWT claims and in the
// credential, and returns the credential: the vc claim (1.1) or the payload
// (2.0).
func checkEnvelope(t *testing.T, payload map[string]any, v11 bool, iat, exp time.Time) map[string]any {
	t.Helper()
	const iss = "https://issuer.example.org"
	wantClaims := map[string]any{"iss": iss, "iat": float64(iat.Unix()), "exp": float64(exp.Unix())}
	if v11 {
		wantClaims["nbf"] = float64(iat.Unix())
	}
	for k, v := range wantClaims {
		if payload[k] != v {
			t.Errorf("JWT claim %s = %v, want %v", k, payload[k], v)
		}
	}
	if _, ok := payload["jti"]; ok {
		t.Error("payload has a jti; credentials carry no identifier")
	}
	vc := payload
	wantVC := map[string]any{"issuer": iss, "validFrom": "2026-03-01T00:00:00Z", "validUntil": exp.Format(time.RFC3339)}
	if v11 {
		vc, _ = payload["vc"].(map[string]any)
		if vc == nil {
			t.Fatal("VCDM 1.1 payload has no vc object")
		}
		for _, k := range []string{"@context", "type", "credentialSubject", "validFrom"} {
			if _, ok := payload[k]; ok {
				t.Errorf("VCDM 1.1 payload has %s outside vc", k)
			}
		}
		wantVC = map[string]any{"issuer": iss, "issuanceDate": "2026-03-01T00:00:00Z", "expirationDate": exp.Format(time.RFC3339)}
	} else if _, ok := payload["vc"]; ok {
		t.Error("VCDM 2.0 payload has a vc claim")
	}
	for k, v := range wantVC {
		if vc[k] != v {
			t.Errorf("credential %s = %v, want %v", k, vc[k], v)
		}
	}
	return vc
}

// checkHolder compares cnf.jwk with the holder's public key member by member
// and, with did:jwk, decodes sub and credentialSubject.id back to that key.
func checkHolder(t *testing.T, payload, subject map[string]any, holder any, didJWK bool) {
	t.Helper()
	cnf, hasCnf := payload["cnf"].(map[string]any)
	if holder == nil {
		if hasCnf || payload["sub"] != nil || subject["id"] != nil {
			t.Errorf("unbound credential has cnf %v, sub %v, credentialSubject.id %v", cnf, payload["sub"], subject["id"])
		}
		return
	}
	jwk, _ := cnf["jwk"].(map[string]any)
	want := publicJWK(t, holder)
	if diff := cmp.Diff(want, jwk); diff != "" {
		t.Errorf("cnf.jwk (-want +got):\n%s", diff)
	}
	if !didJWK {
		if payload["sub"] != nil || subject["id"] != nil {
			t.Errorf("sub %v / credentialSubject.id %v without holder_did_jwk", payload["sub"], subject["id"])
		}
		return
	}
	did, _ := payload["sub"].(string)
	if subject["id"] != did {
		t.Errorf("credentialSubject.id = %v, sub = %v, want equal", subject["id"], did)
	}
	suffix, ok := strings.CutPrefix(did, "did:jwk:")
	if !ok {
		t.Fatalf("sub %q is not a did:jwk", did)
	}
	var fromDID map[string]any
	if err := json.Unmarshal(b64(t, suffix), &fromDID); err != nil {
		t.Fatalf("did:jwk suffix is not a JWK: %v", err)
	}
	if diff := cmp.Diff(want, fromDID); diff != "" {
		t.Errorf("did:jwk key (-want +got):\n%s", diff)
	}
}

// publicJWK renders an ECDSA or Ed25519 public key as a JWK by hand.
func publicJWK(t *testing.T, k any) map[string]any {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	switch k := k.(type) {
	case *ecdsa.PublicKey:
		x, y := make([]byte, 32), make([]byte, 32)
		k.X.FillBytes(x)
		k.Y.FillBytes(y)
		return map[string]any{"kty": "EC", "crv": "P-256", "x": enc(x), "y": enc(y)}
	case ed25519.PublicKey:
		return map[string]any{"kty": "OKP", "crv": "Ed25519", "x": enc(k)}
	}
	t.Fatalf("unexpected holder key %T", k)
	return nil
}

func checkStatus(t *testing.T, payload map[string]any, s *credential.StatusReference) {
	t.Helper()
	if s == nil {
		if _, ok := payload["status"]; ok {
			t.Errorf("status = %v, want none", payload["status"])
		}
		return
	}
	want := map[string]any{"status_list": map[string]any{"idx": float64(s.Index), "uri": s.URI}}
	if diff := cmp.Diff(want, payload["status"]); diff != "" {
		t.Errorf("status (-want +got):\n%s", diff)
	}
	for _, k := range []string{"credentialStatus"} {
		if _, ok := payload[k]; ok {
			t.Errorf("payload has %s; status is only the Token Status List claim", k)
		}
	}
}

// TestMetadata checks the credential_definition and the binding methods.
func TestMetadata(t *testing.T) {
	tests := []struct {
		name        string
		edit        func(c *credential.Configuration)
		wantTypes   []string
		wantMethods []string // nil: not overridden
	}{
		{"types", func(c *credential.Configuration) {}, []string{"VerifiableCredential", "UniversityDegreeCredential"}, nil},
		{"VerifiableCredential listed later", func(c *credential.Configuration) {
			c.Types = []string{"UniversityDegreeCredential", "VerifiableCredential", "DiplomaCredential"}
		}, []string{"VerifiableCredential", "UniversityDegreeCredential", "DiplomaCredential"}, nil},
		{"did:jwk", func(c *credential.Configuration) { c.HolderDIDJWK = true }, []string{"VerifiableCredential", "UniversityDegreeCredential"}, []string{"jwk", "did:jwk"}},
		{"did:jwk unbound", func(c *credential.Configuration) { c.HolderDIDJWK, c.BindingMethods = true, []string{"none"} }, []string{"VerifiableCredential", "UniversityDegreeCredential"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := diplomaConfig("", false)
			tt.edit(c)
			m := New().Metadata(c)
			want := map[string]any{"credential_definition": map[string]any{"type": tt.wantTypes}}
			if tt.wantMethods != nil {
				want["cryptographic_binding_methods_supported"] = tt.wantMethods
			}
			if diff := cmp.Diff(want, m); diff != "" {
				t.Errorf("Metadata (-want +got):\n%s", diff)
			}
			if slices.Contains(c.BindingMethods, "did:jwk") {
				t.Error("Metadata changed the configuration's binding methods")
			}
		})
	}
}
