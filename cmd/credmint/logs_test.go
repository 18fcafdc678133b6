package main

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogsHoldNoSecrets runs a whole flow, plus failures, at debug level and
// checks that no secret or applicant data reached the log.
func TestLogsHoldNoSecrets(t *testing.T) {
	var logs syncBuffer
	h := newHarness(t, withLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	w := newWallet(t, h)
	created := h.createOffer(staffBadgeOffer())
	f := startFlow(t, h, w, created, nil)
	res := f.request(t, h, map[string]any{"credential_configuration_id": "staff_badge"})
	var got credentialJSON
	res.JSON(t, &got)
	h.postForm(h.url+"/token", map[string]string{"grant_type": preAuthGrant, "pre-authorized_code": f.offer.Grants.PreAuth.Code, "tx_code": "999999"})
	h.postJSON(f.md.CredentialEndpoint, "bogus-token-value", map[string]any{})

	if !strings.Contains(logs.String(), `"route":"/credential"`) {
		t.Fatalf("the access log is missing: %s", logs.String())
	}
	handle := created.CredentialOfferURI[strings.LastIndex(created.CredentialOfferURI, "/")+1:]
	for name, secret := range map[string]string{
		"API key": h.apiKey, "offer handle": handle, "pre-authorized code": f.offer.Grants.PreAuth.Code,
		"tx_code": created.TxCode, "access token": f.token.AccessToken, "credential": got.Credentials[0].Credential[:40],
		"applicant name": "Lovelace", "birthdate": "1815-12-10", "bogus token": "bogus-token-value",
	} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log contains the %s", name)
		}
	}
	if res := h.getJSON(h.url + "/healthz"); res.Status != http.StatusOK {
		t.Errorf("healthz: got %d", res.Status)
	}
	if res := h.getJSON(h.url + "/readyz"); res.Status != http.StatusOK || !strings.Contains(string(res.Body), `"database":"ok"`) {
		t.Errorf("readyz: got %d %s", res.Status, res.Body)
	}
}
