package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"credmint/app/keys"
)

// jwtVCIssuerKids returns the kids published in /.well-known/jwt-vc-issuer.
func jwtVCIssuerKids(t *testing.T, h *harness) map[string]bool {
	t.Helper()
	u, _ := url.Parse(h.url)
	res := h.getJSON(u.Scheme + "://" + u.Host + "/.well-known/jwt-vc-issuer" + u.Path)
	var md struct {
		JWKS struct {
			Keys []struct {
				Kid string `json:"kid"`
			} `json:"keys"`
		} `json:"jwks"`
	}
	res.JSON(t, &md)
	out := map[string]bool{}
	for _, k := range md.JWKS.Keys {
		out[k.Kid] = true
	}
	return out
}

// issueStaffBadge runs a whole pre-authorized flow and returns the verified
// credential (checked against the published keys, by kid and x5c).
func issueStaffBadge(t *testing.T, h *harness) issuedSDJWT {
	t.Helper()
	w := newWallet(t, h)
	f := startFlow(t, h, w, h.createOffer(staffBadgeOffer()), nil)
	// The proof's iat follows the harness clock, which the test moves.
	nonce := w.nonce(f.md.NonceEndpoint)
	proof := w.proof(f.md.CredentialIssuer, nonce, proofOpts{iat: h.clock.Now()})
	res := f.request(t, h, map[string]any{"credential_configuration_id": "staff_badge", "proofs": map[string]any{"jwt": []string{proof}}})
	if res.Status != http.StatusOK {
		t.Fatalf("credential: got %d\n%s", res.Status, res.Body)
	}
	var cred credentialJSON
	res.JSON(t, &cred)
	sdjwt := cred.Credentials[0].Credential
	return issuedSDJWT{checkedSDJWT: checkSDJWT(t, h, sdjwt), JWT: strings.Split(sdjwt, "~")[0]}
}

// issuedSDJWT is a verified credential and its issuer-signed JWT.
type issuedSDJWT struct {
	checkedSDJWT
	JWT string
}

func TestKeyRotationEndToEnd(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	before := issueStaffBadge(t, h)
	oldKid, _ := before.Header["kid"].(string)
	if oldKid == "" {
		t.Fatalf("credential header has no kid: %v", before.Header)
	}

	// Rotate: the new key is published at once and signs an hour later.
	next, err := h.app.ring.Rotate(ctx, keys.PurposeCredential, h.clock.Now().Add(time.Hour))
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if kids := jwtVCIssuerKids(t, h); !kids[oldKid] || !kids[next.ID] {
		t.Fatalf("after the rotation the JWKS must publish the old and the new key: %v", kids)
	}
	if got := issueStaffBadge(t, h).Header["kid"]; got != oldKid {
		t.Errorf("before the rotation time the credential is signed by %v, want the old key %s", got, oldKid)
	}

	h.clock.Advance(time.Hour + time.Second)
	after := issueStaffBadge(t, h)
	if got := after.Header["kid"]; got != next.ID {
		t.Fatalf("after the rotation time the credential is signed by %v, want the new key %s", got, next.ID)
	}
	// The old credential still verifies from the published keys.
	checkSDJWTAgain(t, h, before)

	// Housekeeping keeps the old key while its credentials are valid...
	h.app.housekeepKeys(ctx)
	if kids := jwtVCIssuerKids(t, h); !kids[oldKid] {
		t.Fatalf("the old key was unpublished while its credentials are valid: %v", kids)
	}
	// ...and retires it once the last one has expired.
	exp := time.Unix(latestExp(t, h, oldKid), 0)
	h.clock.Advance(exp.Sub(h.clock.Now()) + time.Second)
	h.app.housekeepKeys(ctx)
	kids := jwtVCIssuerKids(t, h)
	if kids[oldKid] || !kids[next.ID] {
		t.Fatalf("after its credentials expired: JWKS %v, want the new key only (old %s)", kids, oldKid)
	}
	checkSDJWTAgain(t, h, after)
	for _, k := range h.app.ring.Keys() {
		if k.ID == oldKid && k.State != keys.StateRetired {
			t.Errorf("old key state = %q, want retired", k.State)
		}
	}
}

// latestExp is the latest exp of the credentials kid signed, from the
// store (the one credmint uses to decide retirement).
func latestExp(t *testing.T, h *harness, kid string) int64 {
	t.Helper()
	exp, ok, err := h.app.store.LatestCredentialExpiry(context.Background(), kid)
	if err != nil || !ok {
		t.Fatalf("LatestCredentialExpiry(%s) = %v, %v", kid, ok, err)
	}
	return exp.Unix()
}

// checkSDJWTAgain verifies an issued credential's signature again against
// the JWKS published now.
func checkSDJWTAgain(t *testing.T, h *harness, c issuedSDJWT) {
	t.Helper()
	pub := issuerKey(t, h, c.Header["kid"])
	leaf := x5cLeaf(t, c.Header)
	if !leaf.PublicKey.(*ecdsa.PublicKey).Equal(pub) {
		t.Fatal("x5c leaf differs from the published key")
	}
	verifyES256(t, c.JWT, pub)
}

// verifyES256 checks a compact JWS's ES256 signature with crypto/ecdsa.
func verifyES256(t *testing.T, compact string, pub *ecdsa.PublicKey) {
	t.Helper()
	segs := strings.Split(compact, ".")
	if len(segs) != 3 {
		t.Fatalf("JWS has %d segments", len(segs))
	}
	sig := mustB64(t, segs[2])
	digest := sha256.Sum256([]byte(segs[0] + "." + segs[1]))
	if len(sig) != 64 || !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatal("signature does not verify with the published key")
	}
}

func TestSignedMetadataEndToEnd(t *testing.T) {
	h := newHarness(t)
	u, _ := url.Parse(h.url)
	mdURL := u.Scheme + "://" + u.Host + "/.well-known/openid-credential-issuer" + u.Path

	// JSON stays the default, also when JSON is preferred.
	for _, accept := range []string{"", "application/json", "application/json, application/jwt;q=0.5", "*/*"} {
		res := h.do(http.MethodGet, mdURL, map[string]string{"Accept": accept}, nil)
		if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Errorf("Accept %q: got %d %s, want 200 JSON", accept, res.Status, res.Header.Get("Content-Type"))
		}
	}
	res := h.do(http.MethodGet, mdURL, map[string]string{"Accept": "application/jwt"}, nil)
	if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/jwt" {
		t.Fatalf("Accept application/jwt: got %d %q\n%s", res.Status, res.Header.Get("Content-Type"), res.Body)
	}
	compact := strings.TrimSpace(string(res.Body))
	segs := strings.Split(compact, ".")
	if len(segs) != 3 {
		t.Fatalf("signed metadata is not a compact JWS: %q", compact)
	}
	var header, claims map[string]any
	decodeSegment(t, segs[0], &header)
	decodeSegment(t, segs[1], &claims)
	if header["typ"] != "openidvci-issuer-metadata+jwt" || header["alg"] != "ES256" {
		t.Errorf("header typ %v alg %v, want openidvci-issuer-metadata+jwt ES256", header["typ"], header["alg"])
	}
	// The key: by kid from the JWKS, and the x5c leaf is the same key.
	pub := issuerKey(t, h, header["kid"])
	leaf := x5cLeaf(t, header)
	if !leaf.PublicKey.(*ecdsa.PublicKey).Equal(pub) {
		t.Fatal("x5c leaf differs from the published metadata key")
	}
	verifyES256(t, compact, pub)
	metaKey, err := h.app.ring.Active(keys.PurposeMetadata)
	if err != nil || metaKey.KeyID() != header["kid"] {
		t.Errorf("signed with %v, want the metadata key (%v)", header["kid"], err)
	}
	iat, _ := claims["iat"].(float64)
	exp, _ := claims["exp"].(float64)
	if claims["sub"] != h.url || claims["iss"] != h.url || claims["credential_issuer"] != h.url || iat == 0 || exp <= iat {
		t.Errorf("claims sub %v iss %v credential_issuer %v iat %v exp %v", claims["sub"], claims["iss"], claims["credential_issuer"], iat, exp)
	}
	// Every metadata parameter is a top-level claim, equal to the JSON form.
	var plain map[string]any
	h.getJSON(mdURL).JSON(t, &plain)
	for k, v := range plain {
		a, _ := json.Marshal(v)
		b, _ := json.Marshal(claims[k])
		if string(a) != string(b) {
			t.Errorf("claim %s = %s, want the JSON metadata's %s", k, b, a)
		}
	}
}

// TestJWTVCKeyRotation: jwt_vc_json credentials have a signing key of their
// own (keys.PurposeCredentialJWTVC); rotating it leaves the SD-JWT key
// alone, and a diploma signed before and one signed after the rotation
// both verify with the keys /.well-known/jwt-vc-issuer publishes.
func TestJWTVCKeyRotation(t *testing.T) {
	h := newHarness(t, withDiplomaJWTVC("2.0", false))
	issue := func() string {
		t.Helper()
		w := newWallet(t, h)
		claims := map[string]any{"given_name": "Ada", "family_name": "Lovelace", "degree": map[string]any{"name": "BSc"}}
		f := startFlow(t, h, w, h.createOffer(map[string]any{"credential_configuration_ids": []string{"diploma"}, "claims": claims}), nil)
		proof := w.proof(f.md.CredentialIssuer, w.nonce(f.md.NonceEndpoint), proofOpts{iat: h.clock.Now()})
		res := f.request(t, h, map[string]any{"credential_configuration_id": "diploma", "proofs": map[string]any{"jwt": []string{proof}}})
		var cred credentialJSON
		res.JSON(t, &cred)
		if res.Status != http.StatusOK || len(cred.Credentials) != 1 {
			t.Fatalf("credential: got %d\n%s", res.Status, res.Body)
		}
		return cred.Credentials[0].Credential
	}
	kid := func(jwt string) string {
		var header map[string]any
		decodeSegment(t, strings.Split(jwt, ".")[0], &header)
		s, _ := header["kid"].(string)
		return s
	}
	before := issue()
	sdjwtKey, err := h.app.ring.Active(keys.PurposeCredential)
	if err != nil {
		t.Fatal(err)
	}
	next, err := h.app.ring.Rotate(context.Background(), keys.PurposeCredentialJWTVC, h.clock.Now().Add(time.Hour))
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	h.clock.Advance(time.Hour + time.Second)
	after := issue()
	if kid(before) == next.ID || kid(after) != next.ID {
		t.Fatalf("kids before/after the rotation: %s / %s, want the old key then %s", kid(before), kid(after), next.ID)
	}
	if now, err := h.app.ring.Active(keys.PurposeCredential); err != nil || now.KeyID() != sdjwtKey.KeyID() {
		t.Errorf("the dc+sd-jwt key changed with the jwt_vc_json rotation: %v", err)
	}
	for name, jwt := range map[string]string{"before": before, "after": after} {
		verifyES256(t, jwt, issuerKey(t, h, kid(jwt)))
		t.Logf("%s the rotation: signed by %s, verified with the published key", name, kid(jwt))
	}
}
