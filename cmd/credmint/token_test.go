package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

const preAuthGrant = "urn:ietf:params:oauth:grant-type:pre-authorized_code"

// assertError checks an error response's status, code and the headers every
// protocol error has.
func assertError(t *testing.T, res *response, status int, code string) {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status: got %d, want %d\n%s", res.Status, status, res.Body)
	}
	if got := res.errorCode(t); got != code {
		t.Fatalf("error: got %q, want %q\n%s", got, code, res.Body)
	}
	var body struct {
		Description string `json:"error_description"`
	}
	res.JSON(t, &body)
	// RFC 6749 §5.2, OID4VCI 1.0 §8.3.1.2: %x20-21 / %x23-5B / %x5D-7E.
	if i := strings.IndexFunc(body.Description, func(r rune) bool { return r < 0x20 || r > 0x7e || r == '"' || r == '\\' }); i >= 0 {
		t.Errorf("error_description %q has %q, outside the characters RFC 6749 §5.2 allows", body.Description, body.Description[i:i+1])
	}
	if !strings.Contains(res.Header.Get("Cache-Control"), "no-store") {
		t.Errorf("Cache-Control: got %q, want no-store", res.Header.Get("Cache-Control"))
	}
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Errorf("Content-Type: got %q, want application/json", res.Header.Get("Content-Type"))
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	h := newHarness(t)
	w := newWallet(t, h)
	created := h.createOffer(staffBadgeOffer())
	code := w.resolveOffer(created.OfferURI).Grants.PreAuth.Code
	noTx := staffBadgeOffer()
	noTx["tx_code"] = "none"
	codeNoTx := w.resolveOffer(h.createOffer(noTx).OfferURI).Grants.PreAuth.Code
	token := h.url + "/token"

	tests := []struct {
		name   string
		form   map[string]string
		status int
		code   string
	}{
		{"missing grant_type", map[string]string{"pre-authorized_code": code}, 400, "invalid_request"},
		{"unsupported grant_type", map[string]string{"grant_type": "password"}, 400, "unsupported_grant_type"},
		{"missing code", map[string]string{"grant_type": preAuthGrant}, 400, "invalid_request"},
		{"unknown code", map[string]string{"grant_type": preAuthGrant, "pre-authorized_code": "nope", "tx_code": "123456"}, 400, "invalid_grant"},
		{"tx_code missing", map[string]string{"grant_type": preAuthGrant, "pre-authorized_code": code}, 400, "invalid_request"},
		{"tx_code not expected", map[string]string{"grant_type": preAuthGrant, "pre-authorized_code": codeNoTx, "tx_code": "1234"}, 400, "invalid_request"},
		{"authorization_details not JSON", map[string]string{"grant_type": preAuthGrant, "pre-authorized_code": code, "tx_code": created.TxCode, "authorization_details": "{"}, 400, "invalid_authorization_details"},
		{"authorization_details wrong type", map[string]string{"grant_type": preAuthGrant, "pre-authorized_code": code, "tx_code": created.TxCode, "authorization_details": `[{"type":"other","credential_configuration_id":"staff_badge"}]`}, 400, "invalid_authorization_details"},
		{"authorization_details not offered", map[string]string{"grant_type": preAuthGrant, "pre-authorized_code": code, "tx_code": created.TxCode, "authorization_details": `[{"type":"openid_credential","credential_configuration_id":"address_card"}]`}, 400, "invalid_authorization_details"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertError(t, h.postForm(token, tt.form), tt.status, tt.code)
		})
	}

	t.Run("not a form", func(t *testing.T) {
		assertError(t, h.postJSON(token, "", map[string]string{"grant_type": preAuthGrant}), 400, "invalid_request")
	})
	t.Run("repeated parameter", func(t *testing.T) {
		res := h.do(http.MethodPost, token, map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			strings.NewReader("grant_type="+preAuthGrant+"&grant_type="+preAuthGrant+"&pre-authorized_code="+code))
		assertError(t, res, 400, "invalid_request")
	})
	t.Run("5 MB body", func(t *testing.T) {
		res := h.do(http.MethodPost, token, map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			strings.NewReader("grant_type="+strings.Repeat("a", 5<<20)))
		assertError(t, res, http.StatusRequestEntityTooLarge, "invalid_request")
	})
	t.Run("GET is not allowed", func(t *testing.T) {
		res := h.do(http.MethodGet, token, nil, nil)
		if res.Status != http.StatusMethodNotAllowed {
			t.Fatalf("status: got %d, want 405", res.Status)
		}
	})
	// None of the above consumed the code: the right tx_code still works.
	t.Run("code still redeemable", func(t *testing.T) {
		res := h.postForm(token, map[string]string{"grant_type": preAuthGrant, "pre-authorized_code": code, "tx_code": created.TxCode})
		if res.Status != http.StatusOK {
			t.Fatalf("got %d, want 200\n%s", res.Status, res.Body)
		}
		assertError(t, h.postForm(token, map[string]string{"grant_type": preAuthGrant, "pre-authorized_code": code, "tx_code": created.TxCode}), 400, "invalid_grant")
	})
}

func TestTxCodeAttemptsAndLockout(t *testing.T) {
	h := newHarness(t)
	w := newWallet(t, h)
	redeem := func(code, tx string) *response {
		return h.postForm(h.url+"/token", map[string]string{"grant_type": preAuthGrant, "pre-authorized_code": code, "tx_code": tx})
	}
	wrong := func(right string) string {
		if right == "000000" {
			return "111111"
		}
		return "000000"
	}

	t.Run("wrong code counts but does not consume", func(t *testing.T) {
		c := h.createOffer(staffBadgeOffer())
		code := w.resolveOffer(c.OfferURI).Grants.PreAuth.Code
		for i := 0; i < 4; i++ {
			assertError(t, redeem(code, wrong(c.TxCode)), 400, "invalid_grant")
		}
		if res := redeem(code, c.TxCode); res.Status != http.StatusOK {
			t.Fatalf("right tx_code after 4 wrong ones: got %d, want 200\n%s", res.Status, res.Body)
		}
	})

	t.Run("fifth wrong code locks for good", func(t *testing.T) {
		c := h.createOffer(staffBadgeOffer())
		code := w.resolveOffer(c.OfferURI).Grants.PreAuth.Code
		for i := 0; i < 5; i++ {
			assertError(t, redeem(code, wrong(c.TxCode)), 400, "invalid_grant")
		}
		res := redeem(code, c.TxCode)
		assertError(t, res, 400, "invalid_grant")
		if !strings.Contains(string(res.Body), "locked") {
			t.Errorf("description should say the offer is locked: %s", res.Body)
		}
		var o struct {
			State          string `json:"state"`
			TxCodeAttempts int    `json:"tx_code_attempts"`
		}
		h.do(http.MethodGet, h.url+"/api/v1/offers/"+c.ID, map[string]string{"Authorization": "Bearer " + h.apiKey}, nil).JSON(t, &o)
		if o.State != "locked" || o.TxCodeAttempts != 5 {
			t.Errorf("offer: got state %q attempts %d, want locked 5", o.State, o.TxCodeAttempts)
		}
		if res := h.getJSON(c.CredentialOfferURI); res.Status != http.StatusGone {
			t.Errorf("offer URI of a locked offer: got %d, want 410", res.Status)
		}
	})

	t.Run("expired offer", func(t *testing.T) {
		body := staffBadgeOffer()
		body["expires_in"] = 120
		c := h.createOffer(body)
		code := w.resolveOffer(c.OfferURI).Grants.PreAuth.Code
		h.clock.Advance(3 * time.Minute)
		defer h.clock.Advance(-3 * time.Minute)
		assertError(t, redeem(code, c.TxCode), 400, "invalid_grant")
		if res := h.getJSON(c.CredentialOfferURI); res.Status != http.StatusGone {
			t.Errorf("offer URI of an expired offer: got %d, want 410", res.Status)
		}
	})
}
