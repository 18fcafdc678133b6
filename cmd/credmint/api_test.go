package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAdminAPIAuthentication(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	revoked, _, err := h.app.access.Create(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.app.access.Revoke(ctx, "old"); err != nil {
		t.Fatal(err)
	}
	for name, tt := range map[string]struct {
		auth   string
		status int
	}{
		"no key":      {"", 401},
		"unknown key": {"Bearer cmk_nope", 401},
		"not bearer":  {"Basic " + h.apiKey, 401},
		"revoked key": {"Bearer " + revoked, 403},
		"valid key":   {"Bearer " + h.apiKey, 201},
	} {
		t.Run(name, func(t *testing.T) {
			hdr := map[string]string{"Content-Type": "application/json"}
			if tt.auth != "" {
				hdr["Authorization"] = tt.auth
			}
			b, _ := json.Marshal(staffBadgeOffer())
			res := h.do(http.MethodPost, h.url+"/api/v1/offers", hdr, bytes.NewReader(b))
			if res.Status != tt.status {
				t.Fatalf("got %d, want %d\n%s", res.Status, tt.status, res.Body)
			}
			if tt.status == 401 && res.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
}

func TestAdminAPICreateOfferValidation(t *testing.T) {
	h := newHarness(t)
	with := func(mut func(map[string]any)) map[string]any {
		b := staffBadgeOffer()
		mut(b)
		return b
	}
	claims := func(b map[string]any) map[string]any { return b["claims"].(map[string]any) }
	tests := []struct {
		name   string
		body   any
		fields map[string]string // field → substring of the message
	}{
		{"missing mandatory claim", with(func(b map[string]any) { delete(claims(b), "given_name") }), map[string]string{"claims.given_name": "mandatory"}},
		{"wrong type", with(func(b map[string]any) { claims(b)["birthdate"] = "10/12/1815" }), map[string]string{"claims.birthdate": "not a date"}},
		{"number for a string", with(func(b map[string]any) { claims(b)["family_name"] = 7 }), map[string]string{"claims.family_name": "string"}},
		{"undeclared claim", with(func(b map[string]any) { claims(b)["shoe_size"] = 42 }), map[string]string{"claims.shoe_size": "not a claim"}},
		{"unknown configuration", with(func(b map[string]any) { b["credential_configuration_ids"] = []string{"nope"} }), map[string]string{"credential_configuration_ids[0]": "unknown"}},
		{"no configuration", with(func(b map[string]any) { delete(b, "credential_configuration_ids") }), map[string]string{"credential_configuration_ids": "at least one"}},
		{"duplicate configuration", with(func(b map[string]any) { b["credential_configuration_ids"] = []string{"staff_badge", "staff_badge"} }), map[string]string{"credential_configuration_ids[1]": "twice"}},
		{"bad tx_code policy", with(func(b map[string]any) { b["tx_code"] = map[string]any{"input_mode": "emoji"} }), map[string]string{"tx_code.input_mode": "numeric or text"}},
		{"bad tx_code value", with(func(b map[string]any) { b["tx_code"] = "sometimes" }), map[string]string{"tx_code": "none"}},
		{"short tx_code", with(func(b map[string]any) { b["tx_code"] = map[string]any{"length": 2} }), map[string]string{"tx_code.length": "between 4 and 12"}},
		{"expiry too long", with(func(b map[string]any) { b["expires_in"] = 365 * 86400 }), map[string]string{"expires_in": "between"}},
		{"negative expiry", with(func(b map[string]any) { b["expires_in"] = -5 }), map[string]string{"expires_in": "positive"}},
		{"integer written as 42.0 is fine, 4.5 is not", with(func(b map[string]any) {
			b["credential_configuration_ids"] = []string{"staff_badge", "typed"}
			claims(b)["level"] = 4.5
		}), map[string]string{"claims.level": "integer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.postJSON(h.url+"/api/v1/offers", h.apiKey, tt.body)
			if res.Status != 400 {
				t.Fatalf("got %d, want 400\n%s", res.Status, res.Body)
			}
			var e struct {
				Error  string            `json:"error"`
				Fields map[string]string `json:"fields"`
			}
			res.JSON(t, &e)
			for f, want := range tt.fields {
				if !strings.Contains(e.Fields[f], want) {
					t.Errorf("fields[%q]: got %q, want it to mention %q (all: %v)", f, e.Fields[f], want, e.Fields)
				}
			}
		})
	}
	for name, body := range map[string]string{"not JSON": "{", "claims not an object": `{"credential_configuration_ids":["staff_badge"],"claims":[]}`, "empty": "", "misspelt field": `{"credential_configuration_ids":["staff_badge"],"claimz":{}}`} {
		t.Run(name, func(t *testing.T) {
			res := h.postJSON(h.url+"/api/v1/offers", h.apiKey, body)
			if res.Status != 400 || res.errorCode(t) != "invalid_request" {
				t.Fatalf("got %d %s, want 400 invalid_request", res.Status, res.Body)
			}
		})
	}
	t.Run("5 MB body", func(t *testing.T) {
		res := h.postJSON(h.url+"/api/v1/offers", h.apiKey, `{"claims":{"x":"`+strings.Repeat("a", 5<<20)+`"}}`)
		if res.Status != http.StatusRequestEntityTooLarge {
			t.Fatalf("got %d, want 413", res.Status)
		}
	})

	count, err := h.app.store.CountOffers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if count != 0 {
		t.Fatalf("rejected requests stored %d offers", count)
	}
}

func TestAdminAPIOfferLifecycle(t *testing.T) {
	h := newHarness(t)
	body := staffBadgeOffer()
	body["tx_code"] = map[string]any{"input_mode": "text", "length": 8, "description": "Sent to your phone"}
	c := h.createOffer(body)
	if !regexp.MustCompile(`^[A-HJ-KM-NP-Z2-9]{8}$`).MatchString(c.TxCode) {
		t.Fatalf("text tx_code: got %q, want 8 unambiguous letters/digits", c.TxCode)
	}
	auth := map[string]string{"Authorization": "Bearer " + h.apiKey}

	var shown map[string]any
	res := h.do(http.MethodGet, h.url+"/api/v1/offers/"+c.ID, auth, nil)
	res.JSON(t, &shown)
	if shown["state"] != "created" || shown["offer_uri"] != c.OfferURI || shown["tx_code"] != nil {
		t.Fatalf("GET offer: got %v (tx_code must not be shown again)", shown)
	}
	policy := shown["tx_code_policy"].(map[string]any)
	if policy["description"] != "Sent to your phone" || policy["input_mode"] != "text" {
		t.Fatalf("tx_code_policy: got %v", policy)
	}
	if res := h.do(http.MethodGet, h.url+"/api/v1/offers/off_nope", auth, nil); res.Status != 404 {
		t.Fatalf("unknown offer: got %d, want 404", res.Status)
	}

	res = h.do(http.MethodGet, c.QRURL, auth, nil)
	if res.Status != 200 || res.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("qr.png: got %d %s", res.Status, res.Header.Get("Content-Type"))
	}
	img, err := png.Decode(bytes.NewReader(res.Body))
	if err != nil || img.Bounds().Dx() != 512 {
		t.Fatalf("qr.png is not a 512px PNG: %v", err)
	}
	res = h.do(http.MethodGet, c.QRSVGURL, auth, nil)
	if res.Status != 200 || !bytes.HasPrefix(res.Body, []byte("<svg")) {
		t.Fatalf("qr.svg: got %d %.40s", res.Status, res.Body)
	}
	if res := h.do(http.MethodGet, c.QRURL+"?size=5", auth, nil); res.Status != 400 {
		t.Fatalf("qr.png?size=5: got %d, want 400", res.Status)
	}

	res = h.do(http.MethodPost, h.url+"/api/v1/offers/"+c.ID+"/revoke", auth, nil)
	shown = nil
	res.JSON(t, &shown)
	if res.Status != 200 || shown["state"] != "revoked" {
		t.Fatalf("revoke: got %d %v", res.Status, shown)
	}
	if res := h.do(http.MethodPost, h.url+"/api/v1/offers/"+c.ID+"/revoke", auth, nil); res.Status != 409 {
		t.Fatalf("second revoke: got %d, want 409", res.Status)
	}
	if res := h.getJSON(c.CredentialOfferURI); res.Status != http.StatusGone {
		t.Fatalf("revoked offer URI: got %d, want 410", res.Status)
	}
	if shown["offer_uri"] != nil || shown["qr_url"] != nil {
		t.Errorf("a revoked offer must not show its links: %v", shown)
	}
	if res := h.do(http.MethodGet, c.QRURL, auth, nil); res.Status != http.StatusGone {
		t.Errorf("QR of a revoked offer: got %d, want 410", res.Status)
	}
	events, err := h.app.store.AuditEvents(context.Background(), "offer", c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range events {
		actions = append(actions, e.Action)
		if e.Action == "offer.created" && e.Actor.Kind != "api_key" {
			t.Errorf("offer.created actor: got %+v, want the API key", e.Actor)
		}
	}
	if diff := cmp.Diff([]string{"offer.created", "offer.revoked"}, actions); diff != "" {
		t.Errorf("audit events (-want +got):\n%s", diff)
	}
}

// TestOpenAPIDescribesEveryRoute keeps openapi.json and the route table in
// step.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	h := newHarness(t)
	res := h.getJSON(h.url + "/api/v1/openapi.json")
	var doc struct {
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
		Paths map[string]map[string]any `json:"paths"`
	}
	res.JSON(t, &doc)
	if len(doc.Servers) != 1 || doc.Servers[0].URL != h.url+"/api/v1" {
		t.Errorf("servers: got %+v, want %s/api/v1", doc.Servers, h.url)
	}
	var described []string
	for p, ops := range doc.Paths {
		for m := range ops {
			described = append(described, strings.ToUpper(m)+" /api/v1"+p)
		}
	}
	var routed []string
	for _, r := range h.app.web.Routes() {
		if strings.HasPrefix(r.Path, "/api/v1/") {
			routed = append(routed, r.Method+" "+regexp.MustCompile(`:(\w+)`).ReplaceAllString(r.Path, "{$1}"))
		}
	}
	sort.Strings(described)
	sort.Strings(routed)
	if diff := cmp.Diff(routed, described); diff != "" {
		t.Fatalf("openapi.json and the routes differ (-routes +openapi):\n%s", diff)
	}
}
