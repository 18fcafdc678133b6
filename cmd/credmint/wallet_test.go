package main

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// wallet is a minimal OID4VCI 1.0 wallet written for the tests, independent
// of credmint's own code: it speaks only HTTP and JOSE.
type wallet struct {
	t   *testing.T
	h   *harness
	key any // *ecdsa.PrivateKey or ed25519.PrivateKey
	alg jose.SignatureAlgorithm
}

func newWallet(t *testing.T, h *harness) *wallet {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &wallet{t: t, h: h, key: k, alg: jose.ES256}
}

func newEdWallet(t *testing.T, h *harness) *wallet {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &wallet{t: t, h: h, key: k, alg: jose.EdDSA}
}

func (w *wallet) publicJWK() jose.JSONWebKey {
	switch k := w.key.(type) {
	case *ecdsa.PrivateKey:
		return jose.JSONWebKey{Key: &k.PublicKey}
	case ed25519.PrivateKey:
		return jose.JSONWebKey{Key: k.Public()}
	}
	w.t.Fatal("unknown key type")
	return jose.JSONWebKey{}
}

type offerJSON struct {
	CredentialIssuer           string   `json:"credential_issuer"`
	CredentialConfigurationIDs []string `json:"credential_configuration_ids"`
	Grants                     struct {
		PreAuth *struct {
			Code   string `json:"pre-authorized_code"`
			TxCode *struct {
				InputMode   string `json:"input_mode"`
				Length      int    `json:"length"`
				Description string `json:"description"`
			} `json:"tx_code"`
		} `json:"urn:ietf:params:oauth:grant-type:pre-authorized_code"`
	} `json:"grants"`
}

// resolveOffer turns an openid-credential-offer:// URI into the offer, by
// reference or by value, as a wallet does after scanning the QR code.
func (w *wallet) resolveOffer(offerURI string) offerJSON {
	w.t.Helper()
	u, err := url.Parse(offerURI)
	if err != nil || u.Scheme != "openid-credential-offer" {
		w.t.Fatalf("offer URI %q is not openid-credential-offer://", offerURI)
	}
	q := u.Query()
	var raw []byte
	switch {
	case q.Get("credential_offer_uri") != "" && q.Get("credential_offer") == "":
		res := w.h.getJSON(q.Get("credential_offer_uri"))
		if res.Status != http.StatusOK {
			w.t.Fatalf("GET credential_offer_uri: got %d, want 200\n%s", res.Status, res.Body)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			w.t.Fatalf("offer Content-Type: got %q, want application/json", ct)
		}
		raw = res.Body
	case q.Get("credential_offer") != "" && q.Get("credential_offer_uri") == "":
		raw = []byte(q.Get("credential_offer"))
	default:
		w.t.Fatalf("offer URI must carry exactly one of credential_offer and credential_offer_uri: %s", offerURI)
	}
	var o offerJSON
	if err := json.Unmarshal(raw, &o); err != nil {
		w.t.Fatalf("offer is not JSON: %v", err)
	}
	return o
}

type issuerMetadata struct {
	CredentialIssuer     string                    `json:"credential_issuer"`
	CredentialEndpoint   string                    `json:"credential_endpoint"`
	NonceEndpoint        string                    `json:"nonce_endpoint"`
	NotificationEndpoint string                    `json:"notification_endpoint"`
	Configurations       map[string]map[string]any `json:"credential_configurations_supported"`
	Batch                *struct {
		BatchSize int `json:"batch_size"`
	} `json:"batch_credential_issuance"`
}

// metadata fetches the issuer and authorization server metadata from the
// well-known locations derived from the issuer identifier (§12.2.2).
func (w *wallet) metadata(issuer string) (issuerMetadata, string) {
	w.t.Helper()
	u, _ := url.Parse(issuer)
	var md issuerMetadata
	res := w.h.getJSON(u.Scheme + "://" + u.Host + "/.well-known/openid-credential-issuer" + u.Path)
	if res.Status != http.StatusOK {
		w.t.Fatalf("issuer metadata: got %d\n%s", res.Status, res.Body)
	}
	res.JSON(w.t, &md)
	if md.CredentialIssuer != issuer {
		w.t.Fatalf("credential_issuer: got %q, want %q (must be identical)", md.CredentialIssuer, issuer)
	}
	var as struct {
		Issuer        string `json:"issuer"`
		TokenEndpoint string `json:"token_endpoint"`
	}
	res = w.h.getJSON(u.Scheme + "://" + u.Host + "/.well-known/oauth-authorization-server" + u.Path)
	if res.Status != http.StatusOK {
		w.t.Fatalf("AS metadata: got %d\n%s", res.Status, res.Body)
	}
	res.JSON(w.t, &as)
	if as.Issuer != issuer {
		w.t.Fatalf("AS issuer: got %q, want %q", as.Issuer, issuer)
	}
	return md, as.TokenEndpoint
}

type tokenJSON struct {
	AccessToken          string `json:"access_token"`
	TokenType            string `json:"token_type"`
	ExpiresIn            int    `json:"expires_in"`
	AuthorizationDetails []struct {
		Type                      string   `json:"type"`
		CredentialConfigurationID string   `json:"credential_configuration_id"`
		CredentialIdentifiers     []string `json:"credential_identifiers"`
	} `json:"authorization_details"`
}

func (w *wallet) nonce(endpoint string) string {
	w.t.Helper()
	res := w.h.do(http.MethodPost, endpoint, nil, nil)
	if res.Status != http.StatusOK {
		w.t.Fatalf("nonce: got %d\n%s", res.Status, res.Body)
	}
	if !strings.Contains(res.Header.Get("Cache-Control"), "no-store") {
		w.t.Fatalf("nonce Cache-Control: got %q, want no-store", res.Header.Get("Cache-Control"))
	}
	var n struct {
		CNonce string `json:"c_nonce"`
	}
	res.JSON(w.t, &n)
	if len(n.CNonce) < 22 {
		w.t.Fatalf("c_nonce %q is too short to be unpredictable", n.CNonce)
	}
	return n.CNonce
}

// proofOpts change a proof for negative tests.
type proofOpts struct {
	typ       string
	aud       string
	iat       time.Time
	noNonce   bool
	withKid   bool
	privJWK   bool
	signWith  any
	extraHdrs map[jose.HeaderKey]any
}

// proof builds an openid4vci-proof+jwt (Appendix F.1).
func (w *wallet) proof(aud, nonce string, o proofOpts) string {
	w.t.Helper()
	if o.typ == "" {
		o.typ = "openid4vci-proof+jwt"
	}
	if o.aud != "" {
		aud = o.aud
	}
	if o.iat.IsZero() {
		o.iat = time.Now()
	}
	signKey := w.key
	if o.signWith != nil {
		signKey = o.signWith
	}
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(o.typ))
	jwk := w.publicJWK()
	if o.privJWK {
		jwk = jose.JSONWebKey{Key: w.key}
	}
	opts = opts.WithHeader("jwk", jwk)
	if o.withKid {
		opts = opts.WithHeader("kid", "did:example:123#0")
	}
	for k, v := range o.extraHdrs {
		opts = opts.WithHeader(k, v)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: w.alg, Key: signKey}, opts)
	if err != nil {
		w.t.Fatal(err)
	}
	claims := map[string]any{"aud": aud, "iat": o.iat.Unix(), "unknown_claim": "ignored"}
	if !o.noNonce {
		claims["nonce"] = nonce
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		w.t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

type credentialJSON struct {
	Credentials []struct {
		Credential string `json:"credential"`
	} `json:"credentials"`
	NotificationID string `json:"notification_id"`
}
