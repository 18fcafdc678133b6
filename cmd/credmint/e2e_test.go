package main

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"encoding/base64"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// flow is a wallet partway through the pre-authorized code flow.
type flow struct {
	w             *wallet
	offer         offerJSON
	md            issuerMetadata
	token         tokenJSON
	tokenEndpoint string
}

// startFlow does what a wallet does after scanning: resolve the offer, read
// the metadata and redeem the pre-authorized code with the tx_code.
func startFlow(t *testing.T, h *harness, w *wallet, created *createdOffer, extra map[string]string) *flow {
	t.Helper()
	f := &flow{w: w}
	f.offer = w.resolveOffer(created.OfferURI)
	f.md, f.tokenEndpoint = w.metadata(f.offer.CredentialIssuer)
	form := map[string]string{
		"grant_type":          "urn:ietf:params:oauth:grant-type:pre-authorized_code",
		"pre-authorized_code": f.offer.Grants.PreAuth.Code,
		"unknown_parameter":   "ignored",
	}
	if f.offer.Grants.PreAuth.TxCode != nil {
		form["tx_code"] = created.TxCode
	}
	for k, v := range extra {
		form[k] = v
	}
	res := h.postForm(f.tokenEndpoint, form)
	if res.Status != http.StatusOK {
		t.Fatalf("token: got %d, want 200\n%s", res.Status, res.Body)
	}
	if !strings.Contains(res.Header.Get("Cache-Control"), "no-store") {
		t.Errorf("token Cache-Control: got %q, want no-store", res.Header.Get("Cache-Control"))
	}
	res.JSON(t, &f.token)
	if f.token.TokenType != "Bearer" || f.token.AccessToken == "" {
		t.Fatalf("token response: got %+v", f.token)
	}
	return f
}

// request posts a credential request with one fresh proof.
func (f *flow) request(t *testing.T, h *harness, body map[string]any) *response {
	t.Helper()
	if _, ok := body["proofs"]; !ok {
		nonce := f.w.nonce(f.md.NonceEndpoint)
		body["proofs"] = map[string]any{"jwt": []string{f.w.proof(f.md.CredentialIssuer, nonce, proofOpts{})}}
	}
	return h.postJSON(f.md.CredentialEndpoint, f.token.AccessToken, body)
}

func TestPreAuthorizedFlowEndToEnd(t *testing.T) {
	h := newHarness(t)
	w := newWallet(t, h)
	created := h.createOffer(staffBadgeOffer())
	if len(created.TxCode) != 6 || strings.Trim(created.TxCode, "0123456789") != "" {
		t.Fatalf("tx_code: got %q, want 6 digits by default", created.TxCode)
	}
	f := startFlow(t, h, w, created, nil)
	if got, want := f.offer.CredentialConfigurationIDs, []string{"staff_badge"}; !slices.Equal(got, want) {
		t.Fatalf("offer configuration ids: got %v, want %v", got, want)
	}
	if f.offer.Grants.PreAuth.TxCode == nil || f.offer.Grants.PreAuth.TxCode.Length != 6 || f.offer.Grants.PreAuth.TxCode.InputMode != "numeric" {
		t.Fatalf("offer tx_code object: got %+v", f.offer.Grants.PreAuth.TxCode)
	}
	if strings.Contains(string(h.getJSON(created.CredentialOfferURI).Body), created.TxCode) {
		t.Fatal("the offer JSON contains the tx_code")
	}

	res := f.request(t, h, map[string]any{"credential_configuration_id": "staff_badge", "unknown_member": true})
	if res.Status != http.StatusOK {
		t.Fatalf("credential: got %d, want 200\n%s", res.Status, res.Body)
	}
	var cred credentialJSON
	res.JSON(t, &cred)
	if len(cred.Credentials) != 1 || cred.NotificationID == "" {
		t.Fatalf("credential response: got %s", res.Body)
	}
	c := checkSDJWT(t, h, cred.Credentials[0].Credential)
	if c.Payload["vct"] != "urn:credmint:example:staff_badge:1" || c.Payload["iss"] != h.url {
		t.Errorf("vct/iss: got %v / %v", c.Payload["vct"], c.Payload["iss"])
	}
	iat, _ := c.Payload["iat"].(float64)
	exp, _ := c.Payload["exp"].(float64)
	if iat == 0 || exp <= iat {
		t.Errorf("iat %v exp %v: want exp after iat", iat, exp)
	}
	checkCnf(t, c.Payload, w)
	wantClaims := map[string]any{"given_name": "Ada", "family_name": "Lovelace", "employee_id": "E-1815", "birthdate": "1815-12-10"}
	for k, v := range wantClaims {
		if c.Claims[k] != v {
			t.Errorf("claim %s: got %v, want %v", k, c.Claims[k], v)
		}
	}
	if diff := cmp.Diff([]string{"birthdate"}, c.Disclosed); diff != "" {
		t.Errorf("selectively disclosable claims (-want +got):\n%s", diff)
	}

	res = h.postJSON(f.md.NotificationEndpoint, f.token.AccessToken, map[string]any{"notification_id": cred.NotificationID, "event": "credential_accepted"})
	if res.Status != http.StatusNoContent {
		t.Fatalf("notification: got %d, want 204\n%s", res.Status, res.Body)
	}
	var shown struct {
		State string `json:"state"`
	}
	h.do(http.MethodGet, h.url+"/api/v1/offers/"+created.ID, map[string]string{"Authorization": "Bearer " + h.apiKey}, nil).JSON(t, &shown)
	if shown.State != "accepted" {
		t.Errorf("offer state after notification: got %q, want accepted", shown.State)
	}
}

// checkCnf checks that cnf.jwk is the wallet's public key.
func checkCnf(t *testing.T, payload map[string]any, w *wallet) {
	t.Helper()
	cnf, _ := payload["cnf"].(map[string]any)
	jwk, _ := cnf["jwk"].(map[string]any)
	if jwk == nil {
		t.Fatal("credential has no cnf.jwk")
	}
	if _, private := jwk["d"]; private {
		t.Fatal("cnf.jwk holds a private key")
	}
	switch k := w.key.(type) {
	case *ecdsa.PrivateKey:
		x := new(big.Int).SetBytes(mustB64(t, jwk["x"].(string)))
		y := new(big.Int).SetBytes(mustB64(t, jwk["y"].(string)))
		if x.Cmp(k.X) != 0 || y.Cmp(k.Y) != 0 {
			t.Fatal("cnf.jwk is not the key from the proof")
		}
	case ed25519.PrivateKey:
		if jwk["kty"] != "OKP" || jwk["x"] != base64.RawURLEncoding.EncodeToString(k.Public().(ed25519.PublicKey)) {
			t.Fatal("cnf.jwk is not the Ed25519 key from the proof")
		}
	}
}
