package main

import (
	"credmint/app/keys"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/json"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"credmint/app/credential"
	"credmint/config"
)

// withDiplomaJWTVC adds a jwt_vc_json diploma configuration "diploma".
func withDiplomaJWTVC(vcdm string, didJWK bool) harnessOption {
	return func(c *config.Config, _ *harnessSettings) {
		c.CredentialConfigurations = append(c.CredentialConfigurations, credential.Configuration{
			ID: "diploma", Format: "jwt_vc_json", Scope: "diploma", VCDM: vcdm, HolderDIDJWK: didJWK,
			Types:    []string{"UniversityDegreeCredential"},
			Contexts: []string{"https://www.w3.org/ns/credentials/examples/v2"},
			Claims: []credential.Claim{
				{Path: []any{"given_name"}, Mandatory: true, Type: credential.TypeString},
				{Path: []any{"family_name"}, Mandatory: true, Type: credential.TypeString},
				{Path: []any{"degree"}, Type: credential.TypeObject},
				{Path: []any{"degree", "name"}, Mandatory: true, Type: credential.TypeString},
				{Path: []any{"awarded_on"}, Type: credential.TypeDate},
			},
		})
	}
}

// TestJWTVCFlowEndToEnd issues a jwt_vc_json diploma through the
// pre-authorized flow over HTTP, once per data model version, and verifies
// it as a verifier would, without credmint code: the ES256 signature with
// the key published in /.well-known/jwt-vc-issuer and the x5c leaf,
// @context, type, issuer, validity, credentialSubject, the binding to the
// wallet's key (cnf, and did:jwk for 2.0) and the status entry.
func TestJWTVCFlowEndToEnd(t *testing.T) {
	tests := []struct {
		name   string
		vcdm   string
		didJWK bool
	}{
		{"VCDM 1.1", "1.1", false},
		{"VCDM 2.0 with did:jwk", "2.0", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, withDiplomaJWTVC(tt.vcdm, tt.didJWK))
			w := newWallet(t, h)
			claims := map[string]any{
				"given_name": "Ada", "family_name": "Lovelace", "awarded_on": "1835-07-08",
				"degree": map[string]any{"type": "BachelorDegree", "name": "Bachelor of Science"},
			}
			created := h.createOffer(map[string]any{"credential_configuration_ids": []string{"diploma"}, "claims": claims})
			f := startFlow(t, h, w, created, nil)
			checkJWTVCMetadata(t, f.md.Configurations["diploma"], tt.didJWK)

			before := time.Now().Add(-time.Minute)
			res := f.request(t, h, map[string]any{"credential_configuration_id": "diploma"})
			if res.Status != http.StatusOK {
				t.Fatalf("credential: got %d, want 200\n%s", res.Status, res.Body)
			}
			var cred credentialJSON
			res.JSON(t, &cred)
			if len(cred.Credentials) != 1 {
				t.Fatalf("credential response: got %s", res.Body)
			}
			header, payload := checkJWTVC(t, h, cred.Credentials[0].Credential)

			v11 := tt.vcdm == "1.1"
			wantHeader := map[string]any{"typ": "vc+jwt", "cty": "vc"}
			if v11 {
				wantHeader = map[string]any{"typ": "JWT"}
			}
			for k, v := range wantHeader {
				if header[k] != v {
					t.Errorf("header %s: got %v, want %v", k, header[k], v)
				}
			}
			vc := payload
			validFrom, validUntil := "validFrom", "validUntil"
			context := "https://www.w3.org/ns/credentials/v2"
			if v11 {
				vc, _ = payload["vc"].(map[string]any)
				validFrom, validUntil = "issuanceDate", "expirationDate"
				context = "https://www.w3.org/2018/credentials/v1"
				if payload["nbf"] != payload["iat"] {
					t.Errorf("nbf %v, want iat %v", payload["nbf"], payload["iat"])
				}
			}
			if vc == nil {
				t.Fatal("no credential in the payload")
			}
			if diff := cmp.Diff([]any{context, "https://www.w3.org/ns/credentials/examples/v2"}, vc["@context"]); diff != "" {
				t.Errorf("@context (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]any{"VerifiableCredential", "UniversityDegreeCredential"}, vc["type"]); diff != "" {
				t.Errorf("type (-want +got):\n%s", diff)
			}
			if vc["issuer"] != h.url || payload["iss"] != h.url {
				t.Errorf("issuer %v / iss %v, want %s", vc["issuer"], payload["iss"], h.url)
			}
			checkValidity(t, payload, vc, validFrom, validUntil, before)

			subject, _ := vc["credentialSubject"].(map[string]any)
			got := map[string]any{}
			for k, v := range subject {
				if k != "id" {
					got[k] = v
				}
			}
			if diff := cmp.Diff(claims, got); diff != "" {
				t.Errorf("credentialSubject (-want +got):\n%s", diff)
			}
			checkCnf(t, payload, w)
			checkDIDJWK(t, payload, subject, w, tt.didJWK)
			checkStatusEntry(t, payload, h.app.statusLists() != nil)
		})
	}
}

// checkJWTVCMetadata checks the configuration's issuer metadata entry.
func checkJWTVCMetadata(t *testing.T, md map[string]any, didJWK bool) {
	t.Helper()
	if md["format"] != "jwt_vc_json" {
		t.Fatalf("metadata format: got %v, want jwt_vc_json", md["format"])
	}
	want := map[string]any{"type": []any{"VerifiableCredential", "UniversityDegreeCredential"}}
	if diff := cmp.Diff(want, md["credential_definition"]); diff != "" {
		t.Errorf("credential_definition (-want +got):\n%s", diff)
	}
	methods, _ := md["cryptographic_binding_methods_supported"].([]any)
	if !slices.Contains(methods, any("jwk")) || slices.Contains(methods, any("did:jwk")) != didJWK {
		t.Errorf("cryptographic_binding_methods_supported: got %v (holder_did_jwk %v)", methods, didJWK)
	}
	if meta, _ := md["credential_metadata"].(map[string]any); meta["claims"] == nil {
		t.Error("credential_metadata.claims missing")
	}
}

// checkJWTVC verifies a jwt_vc_json credential with no credmint code: the
// compact JWS is split by hand, the ES256 signature checked with
// crypto/ecdsa against the key the issuer publishes in
// /.well-known/jwt-vc-issuer, which must be the x5c leaf's key too.
func checkJWTVC(t *testing.T, h *harness, jwt string) (header, payload map[string]any) {
	t.Helper()
	segs := strings.Split(jwt, ".")
	if len(segs) != 3 || strings.Contains(jwt, "~") {
		t.Fatalf("credential is not a compact JWS: %q", jwt)
	}
	decodeSegment(t, segs[0], &header)
	decodeSegment(t, segs[1], &payload)
	if header["alg"] != "ES256" {
		t.Fatalf("alg: got %v, want ES256", header["alg"])
	}
	pub := issuerKey(t, h, header["kid"])
	if own, err := h.app.ring.Active(keys.PurposeCredentialJWTVC); err != nil || header["kid"] != own.KeyID() {
		t.Errorf("kid %v: want the active %s key (%v)", header["kid"], keys.PurposeCredentialJWTVC, err)
	}
	if leaf := x5cLeaf(t, header); !leaf.PublicKey.(*ecdsa.PublicKey).Equal(pub) {
		t.Fatal("x5c leaf certificate key differs from the published jwt-vc-issuer key")
	}
	sig := mustB64(t, segs[2])
	if len(sig) != 64 {
		t.Fatalf("ES256 signature is %d bytes, want 64", len(sig))
	}
	digest := sha256.Sum256([]byte(segs[0] + "." + segs[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatal("credential signature does not verify with the issuer's published key")
	}
	return header, payload
}

// checkValidity compares the data model dates with iat/exp and the clock.
func checkValidity(t *testing.T, payload, vc map[string]any, fromKey, untilKey string, before time.Time) {
	t.Helper()
	iat, _ := payload["iat"].(float64)
	exp, _ := payload["exp"].(float64)
	from, err1 := time.Parse(time.RFC3339, vc[fromKey].(string))
	until, err2 := time.Parse(time.RFC3339, vc[untilKey].(string))
	if err1 != nil || err2 != nil {
		t.Fatalf("%s / %s are not RFC 3339: %v %v", fromKey, untilKey, vc[fromKey], vc[untilKey])
	}
	if from.Unix() != int64(iat) || until.Unix() != int64(exp) {
		t.Errorf("%s %v / %s %v disagree with iat %v / exp %v", fromKey, from, untilKey, until, iat, exp)
	}
	// iat may be rounded down to the start of the day (OID4VCI §15.4).
	if from.Before(before.Add(-24*time.Hour)) || from.After(time.Now()) || !until.After(time.Now()) {
		t.Errorf("validity %v – %v does not cover now", from, until)
	}
}

// checkDIDJWK checks sub and credentialSubject.id: both the did:jwk of the
// wallet's key with holder_did_jwk, absent otherwise.
func checkDIDJWK(t *testing.T, payload, subject map[string]any, w *wallet, want bool) {
	t.Helper()
	if !want {
		if payload["sub"] != nil || subject["id"] != nil {
			t.Errorf("sub %v / credentialSubject.id %v without holder_did_jwk", payload["sub"], subject["id"])
		}
		return
	}
	did, _ := payload["sub"].(string)
	if subject["id"] != did {
		t.Errorf("credentialSubject.id %v differs from sub %v", subject["id"], did)
	}
	suffix, ok := strings.CutPrefix(did, "did:jwk:")
	if !ok {
		t.Fatalf("sub %q is not a did:jwk", did)
	}
	var jwk map[string]any
	if err := json.Unmarshal(mustB64(t, suffix), &jwk); err != nil {
		t.Fatalf("did:jwk does not hold a JWK: %v", err)
	}
	if _, private := jwk["d"]; private {
		t.Fatal("did:jwk holds a private key")
	}
	checkCnf(t, map[string]any{"cnf": map[string]any{"jwk": jwk}}, w)
}

// checkStatusEntry checks the Token Status List reference
// status.status_list.{idx, uri}: present when the issuer keeps status lists
// (want), absent otherwise.
func checkStatusEntry(t *testing.T, payload map[string]any, want bool) {
	t.Helper()
	status, ok := payload["status"].(map[string]any)
	if !want {
		if payload["status"] != nil {
			t.Errorf("status: got %v, want none (status lists are off)", payload["status"])
		}
		return
	}
	if !ok {
		t.Fatalf("status: got %v, want {status_list: {idx, uri}}", payload["status"])
	}
	list, _ := status["status_list"].(map[string]any)
	idx, isNum := list["idx"].(float64)
	uri, _ := list["uri"].(string)
	if !isNum || idx < 0 || idx != float64(int64(idx)) || !strings.HasPrefix(uri, "http") {
		t.Errorf("status.status_list: got %v, want {idx: non-negative integer, uri: URL}", list)
	}
	if _, ok := payload["credentialStatus"]; ok {
		t.Error("credentialStatus present; status is the Token Status List claim only")
	}
}
