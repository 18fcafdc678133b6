package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"credmint/app/credential"
	"credmint/app/staff"
	"credmint/config"
)

// harness is a real credmint server on a loopback port, wired exactly as
// `credmint serve` wires it.
type harness struct {
	t      testing.TB
	clock  *clock
	app    *app
	srv    *httptest.Server
	url    string
	apiKey string
	client *http.Client
}

type harnessOption func(*config.Config, *harnessSettings)

// harnessSettings are the harness's own knobs.
type harnessSettings struct {
	log *slog.Logger
}

// withLogger sends the server's log to l.
func withLogger(l *slog.Logger) harnessOption {
	return func(_ *config.Config, s *harnessSettings) { s.log = l }
}

// testConfig is a development configuration in dir with the database at
// dbURL (SQLite under dir when empty).
func testConfig(t testing.TB, dir, dbURL string) *config.Config {
	t.Helper()
	cfg := &config.Config{
		DataDir:     dir,
		DatabaseURL: dbURL,
		MasterKey:   "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=",
		LogLevel:    "error",
		Path:        "test",
	}
	cfg.CredentialConfigurations = []credential.Configuration{
		config.ExampleConfiguration(""),
		{
			ID: "address_card", Format: "dc+sd-jwt", VCT: "urn:credmint:test:address:1", Scope: "address_card",
			Claims: []credential.Claim{
				{Path: []any{"given_name"}, Mandatory: true, Type: credential.TypeString},
				{Path: []any{"address"}, Type: credential.TypeObject},
				{Path: []any{"address", "locality"}, Selective: true},
			},
		},
		{
			ID: "typed", Format: "dc+sd-jwt", VCT: "urn:credmint:test:typed:1", Scope: "typed",
			Claims: []credential.Claim{{Path: []any{"level"}, Type: credential.TypeInteger}, {Path: []any{"big"}, Type: credential.TypeInteger}},
		},
	}
	return cfg
}

// newHarness starts credmint on SQLite in a temp dir.
func newHarness(t testing.TB, opts ...harnessOption) *harness {
	return newHarnessWithDB(t, "", opts...)
}

func newHarnessWithDB(t testing.TB, dbURL string, opts ...harnessOption) *harness {
	t.Helper()
	dir := t.TempDir()
	cfg := testConfig(t, dir, dbURL)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Listen = ln.Addr().String()
	cfg.PublicURL = "http://" + ln.Addr().String()
	settings := &harnessSettings{}
	for _, o := range opts {
		o(cfg, settings)
	}
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() && os.Getenv("CREDMINT_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if settings.log != nil {
		log = settings.log
	}
	ctx := context.Background()
	clk := &clock{}
	a, err := newAppWith(ctx, cfg, log, appOptions{now: clk.Now, staffPolicy: staff.Policy{BcryptCost: bcrypt.MinCost}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(a.web)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	key, _, err := a.access.Create(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, clock: clk, app: a, srv: srv, url: cfg.PublicURL, apiKey: key, client: &http.Client{Timeout: 30 * time.Second}}
}

// withBasePath serves credmint under a path of the public URL.
func withBasePath(p string) harnessOption {
	return func(c *config.Config, _ *harnessSettings) { c.PublicURL += p }
}

// response is a decoded HTTP response.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r *response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("response %d is not JSON: %v\n%s", r.Status, err, r.Body)
	}
}

// errorCode returns the "error" member of a JSON error body.
func (r *response) errorCode(t testing.TB) string {
	t.Helper()
	var b struct {
		Error string `json:"error"`
	}
	r.JSON(t, &b)
	return b.Error
}

func (h *harness) do(method, url string, header map[string]string, body io.Reader) *response {
	h.t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return &response{Status: res.StatusCode, Header: res.Header, Body: b}
}

func (h *harness) getJSON(url string) *response {
	return h.do(http.MethodGet, url, nil, nil)
}

func (h *harness) postJSON(url, bearer string, v any) *response {
	var body []byte
	switch b := v.(type) {
	case string:
		body = []byte(b)
	case []byte:
		body = b
	default:
		var err error
		if body, err = json.Marshal(v); err != nil {
			h.t.Fatal(err)
		}
	}
	hdr := map[string]string{"Content-Type": "application/json"}
	if bearer != "" {
		hdr["Authorization"] = "Bearer " + bearer
	}
	return h.do(http.MethodPost, url, hdr, bytes.NewReader(body))
}

func (h *harness) postForm(target string, form map[string]string) *response {
	vals := make([]string, 0, len(form))
	for k, v := range form {
		vals = append(vals, url.QueryEscape(k)+"="+url.QueryEscape(v))
	}
	return h.do(http.MethodPost, target, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, strings.NewReader(strings.Join(vals, "&")))
}

// createOffer calls the admin API and fails the test unless it answers 201.
func (h *harness) createOffer(body map[string]any) *createdOffer {
	h.t.Helper()
	res := h.postJSON(h.url+"/api/v1/offers", h.apiKey, body)
	if res.Status != http.StatusCreated {
		h.t.Fatalf("create offer: got %d, want 201\n%s", res.Status, res.Body)
	}
	var o createdOffer
	res.JSON(h.t, &o)
	return &o
}

type createdOffer struct {
	ID                 string `json:"id"`
	State              string `json:"state"`
	OfferURI           string `json:"offer_uri"`
	CredentialOfferURI string `json:"credential_offer_uri"`
	TxCode             string `json:"tx_code"`
	QRURL              string `json:"qr_url"`
	QRSVGURL           string `json:"qr_svg_url"`
	ExpiresAt          string `json:"expires_at"`
}

// staffBadgeOffer is the body of a valid offer for the example configuration.
func staffBadgeOffer() map[string]any {
	return map[string]any{
		"credential_configuration_ids": []string{"staff_badge"},
		"claims": map[string]any{
			"given_name": "Ada", "family_name": "Lovelace", "employee_id": "E-1815", "birthdate": "1815-12-10",
		},
	}
}

// clock is real time plus an offset tests can advance.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}
