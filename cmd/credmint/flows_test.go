package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestBatchIssuanceOneCredentialPerKey(t *testing.T) {
	h := newHarness(t)
	w := newWallet(t, h)
	f := startFlow(t, h, w, h.createOffer(staffBadgeOffer()), nil)
	if f.md.Batch == nil || f.md.Batch.BatchSize != 10 {
		t.Fatalf("batch_credential_issuance: got %+v, want batch_size 10", f.md.Batch)
	}
	nonce := w.nonce(f.md.NonceEndpoint) // one c_nonce for the whole batch
	wallets := []*wallet{w, newWallet(t, h), newEdWallet(t, h)}
	var proofs []string
	for _, ww := range wallets {
		proofs = append(proofs, ww.proof(f.md.CredentialIssuer, nonce, proofOpts{}))
	}
	res := h.postJSON(f.md.CredentialEndpoint, f.token.AccessToken, cred(map[string]any{"jwt": proofs}))
	if res.Status != http.StatusOK {
		t.Fatalf("batch credential request: got %d\n%s", res.Status, res.Body)
	}
	var got credentialJSON
	res.JSON(t, &got)
	if len(got.Credentials) != len(wallets) {
		t.Fatalf("got %d credentials, want %d", len(got.Credentials), len(wallets))
	}
	salts := map[string]bool{}
	for i, c := range got.Credentials {
		checked := checkSDJWT(t, h, c.Credential)
		checkCnf(t, checked.Payload, wallets[i])
		for _, d := range strings.Split(c.Credential, "~")[1:] {
			if d == "" {
				continue
			}
			if salts[d] {
				t.Fatal("two credentials of a batch share a disclosure (salt)")
			}
			salts[d] = true
		}
	}
	t.Run("the same key twice is refused", func(t *testing.T) {
		n := w.nonce(f.md.NonceEndpoint)
		p := []string{w.proof(f.md.CredentialIssuer, n, proofOpts{}), w.proof(f.md.CredentialIssuer, n, proofOpts{})}
		assertError(t, h.postJSON(f.md.CredentialEndpoint, f.token.AccessToken, cred(map[string]any{"jwt": p})), 400, "invalid_proof")
	})
}

func TestEdDSAProof(t *testing.T) {
	h := newHarness(t)
	w := newEdWallet(t, h)
	f := startFlow(t, h, w, h.createOffer(staffBadgeOffer()), nil)
	res := f.request(t, h, map[string]any{"credential_configuration_id": "staff_badge"})
	if res.Status != http.StatusOK {
		t.Fatalf("got %d\n%s", res.Status, res.Body)
	}
	var got credentialJSON
	res.JSON(t, &got)
	c := checkSDJWT(t, h, got.Credentials[0].Credential)
	jwk := c.Payload["cnf"].(map[string]any)["jwk"].(map[string]any)
	if jwk["kty"] != "OKP" || jwk["crv"] != "Ed25519" {
		t.Fatalf("cnf.jwk: got %v, want an Ed25519 OKP key", jwk)
	}
}

func TestIssuerWithPathAndOfferByValue(t *testing.T) {
	h := newHarness(t, withBasePath("/vci/t1"))
	w := newWallet(t, h)
	if !strings.HasSuffix(h.url, "/vci/t1") {
		t.Fatalf("issuer %q should have a path", h.url)
	}
	body := staffBadgeOffer()
	body["by_reference"] = false
	created := h.createOffer(body)
	if created.CredentialOfferURI != "" || !strings.Contains(created.OfferURI, "credential_offer=") {
		t.Fatalf("offer by value: got %+v", created)
	}
	f := startFlow(t, h, w, created, nil) // metadata from /.well-known/openid-credential-issuer/vci/t1
	if f.md.CredentialEndpoint != h.url+"/credential" {
		t.Fatalf("credential_endpoint: got %q", f.md.CredentialEndpoint)
	}
	res := f.request(t, h, map[string]any{"credential_configuration_id": "staff_badge"})
	if res.Status != http.StatusOK {
		t.Fatalf("credential: got %d\n%s", res.Status, res.Body)
	}
	var got credentialJSON
	res.JSON(t, &got)
	checkSDJWT(t, h, got.Credentials[0].Credential)

	t.Run("appended well-known form of drafts up to 15", func(t *testing.T) {
		res := h.getJSON(h.url + "/.well-known/openid-credential-issuer")
		if res.Status != http.StatusOK || !strings.Contains(string(res.Body), `"credential_issuer":"`+h.url+`"`) {
			t.Fatalf("got %d\n%s", res.Status, res.Body)
		}
	})
	t.Run("nothing is served outside the path", func(t *testing.T) {
		u, _ := url.Parse(h.url)
		if res := h.do(http.MethodPost, u.Scheme+"://"+u.Host+"/nonce", nil, nil); res.Status != http.StatusNotFound {
			t.Fatalf("POST /nonce outside the base path: got %d, want 404", res.Status)
		}
	})
}

func TestAuthorizationDetailsAndCredentialIdentifiers(t *testing.T) {
	h := newHarness(t)
	w := newWallet(t, h)
	body := staffBadgeOffer()
	body["credential_configuration_ids"] = []string{"staff_badge", "address_card"}
	body["claims"].(map[string]any)["address"] = map[string]any{"locality": "London", "country": "GB"}
	f := startFlow(t, h, w, h.createOffer(body), map[string]string{
		"authorization_details": `[{"type":"openid_credential","credential_configuration_id":"address_card","unknown":1}]`,
	})
	if len(f.token.AuthorizationDetails) != 1 || f.token.AuthorizationDetails[0].CredentialConfigurationID != "address_card" || len(f.token.AuthorizationDetails[0].CredentialIdentifiers) != 1 {
		t.Fatalf("token authorization_details: got %+v", f.token.AuthorizationDetails)
	}
	ident := f.token.AuthorizationDetails[0].CredentialIdentifiers[0]

	assertError(t, f.request(t, h, map[string]any{"credential_identifier": "nope"}), 400, "unknown_credential_identifier")
	assertError(t, f.request(t, h, map[string]any{"credential_configuration_id": "address_card"}), 400, "invalid_credential_request")

	res := f.request(t, h, map[string]any{"credential_identifier": ident})
	if res.Status != http.StatusOK {
		t.Fatalf("credential by identifier: got %d\n%s", res.Status, res.Body)
	}
	var got credentialJSON
	res.JSON(t, &got)
	c := checkSDJWT(t, h, got.Credentials[0].Credential)
	addr, _ := c.Claims["address"].(map[string]any)
	if addr["locality"] != "London" || addr["country"] != "GB" || c.Claims["given_name"] != "Ada" {
		t.Fatalf("claims: got %v", c.Claims)
	}
	if _, present := c.Claims["employee_id"]; present {
		t.Fatal("address_card must not carry staff_badge's employee_id")
	}
	if len(c.Disclosed) != 1 || c.Disclosed[0] != "address.locality" {
		t.Fatalf("disclosable: got %v, want [address.locality]", c.Disclosed)
	}
}

func TestNotificationEndpoint(t *testing.T) {
	h := newHarness(t)
	w := newWallet(t, h)
	f := startFlow(t, h, w, h.createOffer(staffBadgeOffer()), nil)
	res := f.request(t, h, map[string]any{"credential_configuration_id": "staff_badge"})
	var got credentialJSON
	res.JSON(t, &got)
	other := startFlow(t, h, w, h.createOffer(staffBadgeOffer()), nil)
	ep := f.md.NotificationEndpoint

	tests := []struct {
		name   string
		token  string
		body   any
		status int
		code   string
	}{
		{"unknown id", f.token.AccessToken, map[string]any{"notification_id": "nope", "event": "credential_accepted"}, 400, "invalid_notification_id"},
		{"another token's id", other.token.AccessToken, map[string]any{"notification_id": got.NotificationID, "event": "credential_accepted"}, 400, "invalid_notification_id"},
		{"missing event", f.token.AccessToken, map[string]any{"notification_id": got.NotificationID}, 400, "invalid_notification_request"},
		{"unknown event", f.token.AccessToken, map[string]any{"notification_id": got.NotificationID, "event": "credential_stolen"}, 400, "invalid_notification_request"},
		{"missing id", f.token.AccessToken, map[string]any{"event": "credential_failure"}, 400, "invalid_notification_request"},
		{"not JSON", f.token.AccessToken, "{", 400, "invalid_notification_request"},
		{"no token", "", map[string]any{"notification_id": got.NotificationID, "event": "credential_accepted"}, 401, "invalid_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertError(t, h.postJSON(ep, tt.token, tt.body), tt.status, tt.code)
		})
	}
	for _, ev := range []string{"credential_failure", "credential_deleted", "credential_accepted", "credential_accepted"} {
		res := h.postJSON(ep, f.token.AccessToken, map[string]any{"notification_id": got.NotificationID, "event": ev, "event_description": "ok", "extra": 1})
		if res.Status != http.StatusNoContent {
			t.Fatalf("%s: got %d, want 204 (repeats must succeed)\n%s", ev, res.Status, res.Body)
		}
	}
}

func TestOfferEndpoint(t *testing.T) {
	h := newHarness(t)
	w := newWallet(t, h)
	if res := h.getJSON(h.url + "/offers/unknown"); res.Status != http.StatusNotFound {
		t.Fatalf("unknown offer: got %d, want 404", res.Status)
	}
	c := h.createOffer(staffBadgeOffer())
	first, second := h.getJSON(c.CredentialOfferURI), h.getJSON(c.CredentialOfferURI)
	if first.Status != 200 || string(first.Body) != string(second.Body) {
		t.Fatalf("fetching an offer twice must give the same offer: %d %d", first.Status, second.Status)
	}
	if !strings.Contains(first.Header.Get("Cache-Control"), "no-store") {
		t.Errorf("offer Cache-Control: got %q", first.Header.Get("Cache-Control"))
	}
	startFlow(t, h, w, c, nil)
	if res := h.getJSON(c.CredentialOfferURI); res.Status != http.StatusGone {
		t.Fatalf("used offer: got %d, want 410", res.Status)
	}
}

// TestNumbersKeepTheirValue: integers written as 42.0 count as integers, and
// integers beyond 2^53 reach the credential unchanged.
func TestNumbersKeepTheirValue(t *testing.T) {
	h := newHarness(t)
	w := newWallet(t, h)
	raw := `{"credential_configuration_ids":["typed"],"tx_code":"none","claims":{"level":42.0,"big":9007199254740993}}`
	res := h.postJSON(h.url+"/api/v1/offers", h.apiKey, raw)
	if res.Status != http.StatusCreated {
		t.Fatalf("create: got %d\n%s", res.Status, res.Body)
	}
	var created createdOffer
	res.JSON(t, &created)
	f := startFlow(t, h, w, &created, nil)
	res = f.request(t, h, map[string]any{"credential_configuration_id": "typed"})
	var got credentialJSON
	res.JSON(t, &got)
	payload := strings.Split(got.Credentials[0].Credential, ".")[1]
	if !strings.Contains(string(mustB64(t, payload)), `"big":9007199254740993`) {
		t.Fatalf("big integer changed on the way: %s", mustB64(t, payload))
	}
}

func TestRoutingAnswers(t *testing.T) {
	h := newHarness(t)
	for _, tt := range []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/nope", 404},
		{http.MethodGet, "/api/v1/offers/", 404},
		{http.MethodGet, "/.well-known/jwt-vc-issuer/other", 404},
		{http.MethodDelete, "/token", 405},
		{http.MethodOptions, "/credential", 204},
		{http.MethodOptions, "/.well-known/openid-credential-issuer", 204},
	} {
		res := h.do(tt.method, h.url+tt.path, map[string]string{"Origin": "https://wallet.example"}, nil)
		if res.Status != tt.status {
			t.Errorf("%s %s: got %d, want %d", tt.method, tt.path, res.Status, tt.status)
		}
		if tt.status == 404 && !strings.Contains(string(res.Body), "not_found") {
			t.Errorf("%s %s: body %s", tt.method, tt.path, res.Body)
		}
		if tt.method == http.MethodOptions && res.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s %s: no CORS headers", tt.method, tt.path)
		}
	}
	res := h.do(http.MethodGet, h.url+"/", map[string]string{"Accept": "text/html"}, nil)
	if res.Status != 200 || !strings.Contains(string(res.Body), "Staff badge") || !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("home page: got %d, CSP %q", res.Status, res.Header.Get("Content-Security-Policy"))
	}
}
