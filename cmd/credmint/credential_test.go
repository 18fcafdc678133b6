package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"credmint/app/credential"
)

func TestCredentialEndpointErrors(t *testing.T) {
	h := newHarness(t)
	w := newWallet(t, h)
	f := startFlow(t, h, w, h.createOffer(staffBadgeOffer()), nil)
	issuer, endpoint := f.md.CredentialIssuer, f.md.CredentialEndpoint
	proofWith := func(o proofOpts) map[string]any {
		return map[string]any{"jwt": []string{w.proof(issuer, w.nonce(f.md.NonceEndpoint), o)}}
	}
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	badSig := func() map[string]any {
		p := w.proof(issuer, w.nonce(f.md.NonceEndpoint), proofOpts{})
		parts := strings.Split(p, ".")
		parts[1] = parts[1][:len(parts[1])-2] + "AA"
		return map[string]any{"jwt": []string{strings.Join(parts, ".")}}
	}
	hsProof := func() map[string]any {
		s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: make([]byte, 32)}, (&jose.SignerOptions{}).WithType("openid4vci-proof+jwt"))
		jws, _ := s.Sign([]byte(`{"aud":"` + issuer + `","iat":` + strconv.FormatInt(time.Now().Unix(), 10) + `,"nonce":"` + w.nonce(f.md.NonceEndpoint) + `"}`))
		c, _ := jws.CompactSerialize()
		return map[string]any{"jwt": []string{c}}
	}
	replayed := w.nonce(f.md.NonceEndpoint)
	if res := h.postJSON(endpoint, f.token.AccessToken, map[string]any{"credential_configuration_id": "staff_badge", "proofs": map[string]any{"jwt": []string{w.proof(issuer, replayed, proofOpts{})}}}); res.Status != 200 {
		t.Fatalf("first use of a nonce: got %d\n%s", res.Status, res.Body)
	}

	tests := []struct {
		name   string
		body   func() map[string]any
		status int
		code   string
	}{
		{"neither identifier", func() map[string]any { return map[string]any{"proofs": proofWith(proofOpts{})} }, 400, "invalid_credential_request"},
		{"both identifiers", func() map[string]any {
			return map[string]any{"credential_configuration_id": "staff_badge", "credential_identifier": "x", "proofs": proofWith(proofOpts{})}
		}, 400, "invalid_credential_request"},
		{"identifier without authorization_details", func() map[string]any {
			return map[string]any{"credential_identifier": "staff_badge", "proofs": proofWith(proofOpts{})}
		}, 400, "invalid_credential_request"},
		{"unknown configuration", func() map[string]any { return map[string]any{"credential_configuration_id": "nope"} }, 400, "unknown_credential_configuration"},
		{"unknown configuration quoted in the description", func() map[string]any {
			return map[string]any{"credential_configuration_id": "a\"b\\c\né"}
		}, 400, "unknown_credential_configuration"},
		{"configuration not covered by the token", func() map[string]any { return map[string]any{"credential_configuration_id": "address_card"} }, 403, "insufficient_scope"},
		{"encryption requested", func() map[string]any {
			return map[string]any{"credential_configuration_id": "staff_badge", "credential_response_encryption": map[string]any{"enc": "A256GCM"}}
		}, 400, "invalid_encryption_parameters"},
		{"no proofs", func() map[string]any { return map[string]any{"credential_configuration_id": "staff_badge"} }, 400, "invalid_proof"},
		{"empty jwt array", func() map[string]any {
			return map[string]any{"credential_configuration_id": "staff_badge", "proofs": map[string]any{"jwt": []string{}}}
		}, 400, "invalid_proof"},
		{"unsupported proof type", func() map[string]any {
			return map[string]any{"credential_configuration_id": "staff_badge", "proofs": map[string]any{"di_vp": []string{"x"}}}
		}, 400, "invalid_proof"},
		{"two proof types", func() map[string]any {
			return map[string]any{"credential_configuration_id": "staff_badge", "proofs": map[string]any{"jwt": []string{"x"}, "attestation": []string{"y"}}}
		}, 400, "invalid_proof"},
		{"not a JWS", func() map[string]any {
			return map[string]any{"credential_configuration_id": "staff_badge", "proofs": map[string]any{"jwt": []string{"not-a-jwt"}}}
		}, 400, "invalid_proof"},
		{"wrong typ", func() map[string]any { return cred(proofWith(proofOpts{typ: "JWT"})) }, 400, "invalid_proof"},
		{"wrong aud", func() map[string]any { return cred(proofWith(proofOpts{aud: "https://evil.example"})) }, 400, "invalid_proof"},
		{"stale iat", func() map[string]any { return cred(proofWith(proofOpts{iat: time.Now().Add(-time.Hour)})) }, 400, "invalid_proof"},
		{"future iat", func() map[string]any { return cred(proofWith(proofOpts{iat: time.Now().Add(time.Hour)})) }, 400, "invalid_proof"},
		{"no nonce", func() map[string]any { return cred(proofWith(proofOpts{noNonce: true})) }, 400, "invalid_proof"},
		{"bad signature", func() map[string]any { return cred(badSig()) }, 400, "invalid_proof"},
		{"signed by another key", func() map[string]any { return cred(proofWith(proofOpts{signWith: otherKey})) }, 400, "invalid_proof"},
		{"private key in jwk", func() map[string]any { return cred(proofWith(proofOpts{privJWK: true})) }, 400, "invalid_proof"},
		{"jwk and kid", func() map[string]any { return cred(proofWith(proofOpts{withKid: true})) }, 400, "invalid_proof"},
		{"MAC algorithm", func() map[string]any { return cred(hsProof()) }, 400, "invalid_proof"},
		{"made-up nonce", func() map[string]any {
			return cred(map[string]any{"jwt": []string{w.proof(issuer, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", proofOpts{})}})
		}, 400, "invalid_nonce"},
		{"replayed nonce", func() map[string]any {
			return cred(map[string]any{"jwt": []string{w.proof(issuer, replayed, proofOpts{})}})
		}, 400, "invalid_nonce"},
		{"more proofs than the batch size", func() map[string]any {
			var ps []string
			for i := 0; i < 11; i++ {
				ps = append(ps, "x")
			}
			return cred(map[string]any{"jwt": ps})
		}, 400, "invalid_credential_request"},
		{"proofs of the wrong type", func() map[string]any {
			return map[string]any{"credential_configuration_id": "staff_badge", "proofs": map[string]any{"jwt": "not-an-array"}}
		}, 400, "invalid_proof"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertError(t, h.postJSON(endpoint, f.token.AccessToken, tt.body()), tt.status, tt.code)
		})
	}

	t.Run("stale nonce", func(t *testing.T) {
		n := w.nonce(f.md.NonceEndpoint)
		h.clock.Advance(6 * time.Minute)
		defer h.clock.Advance(-6 * time.Minute)
		p := w.proof(issuer, n, proofOpts{iat: h.clock.Now()})
		// The access token has expired by now too, so use a fresh flow.
		g := startFlow(t, h, w, h.createOffer(staffBadgeOffer()), nil)
		res := h.postJSON(endpoint, g.token.AccessToken, cred(map[string]any{"jwt": []string{p}}))
		assertError(t, res, 400, "invalid_nonce")
	})

	t.Run("malformed bodies", func(t *testing.T) {
		for name, body := range map[string]string{"not JSON": "{", "an array": "[]", "wrong member type": `{"credential_configuration_id": 7}`, "trailing data": `{} {}`} {
			res := h.postJSON(endpoint, f.token.AccessToken, body)
			if res.Status != 400 || res.errorCode(t) != "invalid_credential_request" {
				t.Errorf("%s: got %d %s, want 400 invalid_credential_request", name, res.Status, res.Body)
			}
		}
		res := h.do(http.MethodPost, endpoint, map[string]string{"Authorization": "Bearer " + f.token.AccessToken, "Content-Type": "text/plain"}, strings.NewReader("{}"))
		assertError(t, res, 400, "invalid_credential_request")
	})

	t.Run("5 MB body", func(t *testing.T) {
		res := h.postJSON(endpoint, f.token.AccessToken, `{"x":"`+strings.Repeat("a", 5<<20)+`"}`)
		assertError(t, res, http.StatusRequestEntityTooLarge, "invalid_request")
	})

	t.Run("access token problems", func(t *testing.T) {
		body := cred(proofWith(proofOpts{}))
		for name, res := range map[string]*response{
			"missing":      h.postJSON(endpoint, "", body),
			"unknown":      h.postJSON(endpoint, "not-a-token", body),
			"in the query": h.postJSON(endpoint+"?access_token="+f.token.AccessToken, "", body),
			"wrong scheme": h.do(http.MethodPost, endpoint, map[string]string{"Authorization": "Basic " + f.token.AccessToken, "Content-Type": "application/json"}, strings.NewReader("{}")),
		} {
			t.Run(name, func(t *testing.T) {
				assertError(t, res, 401, "invalid_token")
				if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate: got %q", res.Header.Get("WWW-Authenticate"))
				}
			})
		}
		t.Run("expired", func(t *testing.T) {
			h.clock.Advance(6 * time.Minute)
			defer h.clock.Advance(-6 * time.Minute)
			assertError(t, h.postJSON(endpoint, f.token.AccessToken, body), 401, "invalid_token")
		})
	})

	t.Run("revoked offer stops its token", func(t *testing.T) {
		c := h.createOffer(staffBadgeOffer())
		g := startFlow(t, h, w, c, nil)
		res := h.do(http.MethodPost, h.url+"/api/v1/offers/"+c.ID+"/revoke", map[string]string{"Authorization": "Bearer " + h.apiKey}, nil)
		if res.Status != 200 {
			t.Fatalf("revoke: got %d\n%s", res.Status, res.Body)
		}
		assertError(t, g.request(t, h, map[string]any{"credential_configuration_id": "staff_badge"}), 401, "invalid_token")
	})
}

func cred(proofs map[string]any) map[string]any {
	return map[string]any{"credential_configuration_id": "staff_badge", "proofs": proofs}
}

// TestCredentialRequestDenied: when the configuration changes after the
// offer so that the stored data no longer satisfies it, the wallet gets
// credential_request_denied, not a credential missing a mandatory claim.
func TestCredentialRequestDenied(t *testing.T) {
	h := newHarness(t)
	w := newWallet(t, h)
	body := staffBadgeOffer()
	body["credential_configuration_ids"] = []string{"address_card"}
	body["claims"] = map[string]any{"given_name": "Ada"}
	f := startFlow(t, h, w, h.createOffer(body), nil)

	cfg := h.app.cfg.CredentialConfigurations[1]
	cfg.Claims = append(cfg.Claims, credential.Claim{Path: []any{"nationality"}, Mandatory: true})
	if err := h.app.store.UpsertCredentialConfiguration(context.Background(), &cfg); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(3 * time.Second) // past the configuration cache
	res := f.request(t, h, map[string]any{"credential_configuration_id": "address_card"})
	assertError(t, res, 400, "credential_request_denied")
	if !strings.Contains(string(res.Body), "nationality") {
		t.Errorf("the description should name the missing claim: %s", res.Body)
	}
}
