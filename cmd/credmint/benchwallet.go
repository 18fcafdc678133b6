package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// benchWallet plays a wallet (and the back office creating its offer) for
// credmint bench. It does exactly what a wallet does over HTTP.
type benchWallet struct {
	client *http.Client
	base   string
	apiKey string
	signer jose.Signer
}

func newBenchWallet(client *http.Client, base, apiKey string) (*benchWallet, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	opts := (&jose.SignerOptions{}).WithType("openid4vci-proof+jwt").WithHeader("jwk", jose.JSONWebKey{Key: &k.PublicKey})
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k}, opts)
	if err != nil {
		return nil, err
	}
	return &benchWallet{client: client, base: base, apiKey: apiKey, signer: signer}, nil
}

// flow runs one complete pre-authorized issuance.
func (w *benchWallet) flow() error {
	var created struct {
		OfferURI string `json:"offer_uri"`
		TxCode   string `json:"tx_code"`
	}
	offerBody := `{"credential_configuration_ids":["staff_badge"],"claims":{"given_name":"Ada","family_name":"Lovelace","employee_id":"E-1815","birthdate":"1815-12-10"}}`
	if err := w.call(http.MethodPost, w.base+"/api/v1/offers", "application/json", "Bearer "+w.apiKey, offerBody, 201, &created); err != nil {
		return fmt.Errorf("create offer: %w", err)
	}
	u, err := url.Parse(created.OfferURI)
	if err != nil {
		return err
	}
	var offer struct {
		Issuer string `json:"credential_issuer"`
		Grants map[string]struct {
			Code string `json:"pre-authorized_code"`
		} `json:"grants"`
	}
	if err := w.call(http.MethodGet, u.Query().Get("credential_offer_uri"), "", "", "", 200, &offer); err != nil {
		return fmt.Errorf("offer: %w", err)
	}
	var md struct {
		CredentialEndpoint   string `json:"credential_endpoint"`
		NonceEndpoint        string `json:"nonce_endpoint"`
		NotificationEndpoint string `json:"notification_endpoint"`
	}
	if err := w.call(http.MethodGet, w.base+"/.well-known/openid-credential-issuer", "", "", "", 200, &md); err != nil {
		return fmt.Errorf("metadata: %w", err)
	}
	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:pre-authorized_code"},
		"pre-authorized_code": {offer.Grants["urn:ietf:params:oauth:grant-type:pre-authorized_code"].Code}, "tx_code": {created.TxCode}}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := w.call(http.MethodPost, w.base+"/token", "application/x-www-form-urlencoded", "", form.Encode(), 200, &tok); err != nil {
		return fmt.Errorf("token: %w", err)
	}
	var nonce struct {
		CNonce string `json:"c_nonce"`
	}
	if err := w.call(http.MethodPost, md.NonceEndpoint, "", "", "", 200, &nonce); err != nil {
		return fmt.Errorf("nonce: %w", err)
	}
	proof, err := w.proof(offer.Issuer, nonce.CNonce)
	if err != nil {
		return err
	}
	var cred struct {
		Credentials    []map[string]any `json:"credentials"`
		NotificationID string           `json:"notification_id"`
	}
	body := `{"credential_configuration_id":"staff_badge","proofs":{"jwt":["` + proof + `"]}}`
	if err := w.call(http.MethodPost, md.CredentialEndpoint, "application/json", "Bearer "+tok.AccessToken, body, 200, &cred); err != nil {
		return fmt.Errorf("credential: %w", err)
	}
	if len(cred.Credentials) != 1 {
		return fmt.Errorf("credential: got %d credentials", len(cred.Credentials))
	}
	note := `{"notification_id":"` + cred.NotificationID + `","event":"credential_accepted"}`
	if err := w.call(http.MethodPost, md.NotificationEndpoint, "application/json", "Bearer "+tok.AccessToken, note, 204, nil); err != nil {
		return fmt.Errorf("notification: %w", err)
	}
	return nil
}

func (w *benchWallet) proof(aud, nonce string) (string, error) {
	payload := `{"aud":` + strconv.Quote(aud) + `,"iat":` + strconv.FormatInt(time.Now().Unix(), 10) + `,"nonce":` + strconv.Quote(nonce) + `}`
	jws, err := w.signer.Sign([]byte(payload))
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

func (w *benchWallet) call(method, target, contentType, auth, body string, want int, out any) error {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, target, r)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := w.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != want {
		return fmt.Errorf("status %d: %s", res.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// processCPU returns the user+system CPU time of a process (Linux /proc).
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("bench: reading server CPU time (Linux only): %w", err)
	}
	// Fields after the command name, which is in parentheses.
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	const clkTck = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / clkTck, nil
}

// processRSS returns a process's resident set size in bytes.
func processRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, err := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS")
}
