package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"credmint/config"
)

// TestBrowserConsent walks the authorization code flow in chromium as the
// person does: the wallet pushes its request, the browser opens the
// authorization endpoint, the person signs in at the development provider,
// reads the consent page (which wallet, which credential, which values) and
// approves; the browser lands at the wallet's redirect URI with a code the
// wallet redeems. With CREDMINT_SCREENSHOTS set it saves the consent page.
func TestBrowserConsent(t *testing.T) {
	ctx := newChrome(t)
	var mu sync.Mutex
	var landed url.Values
	walletSite := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r) // the browser also asks for /favicon.ico
			return
		}
		mu.Lock()
		landed = r.URL.Query()
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><title>Wallet</title><h1 id="wallet">Back in the wallet</h1>`))
	}))
	t.Cleanup(walletSite.Close)
	redirect := walletSite.URL + "/callback"
	h := newHarness(t, withAuthz(func(c *config.Config) {
		c.Issuer.Name = "Example University"
		c.WalletClients[0].RedirectURIs = []string{redirect}
	}))
	aw := newAuthzWallet(t, h)
	requestURI := aw.par(map[string]string{"redirect_uri": redirect, "scope": "staff_badge"})

	err := chromedp.Do(ctx,
		chromedp.Navigate(aw.authorizeURL(requestURI)),
		chromedp.WaitVisible(chromedp.CSS(`#dev-idp-banner`)),
		chromedp.Click(chromedp.CSS(`button[name=subject][value="dev-ada-lovelace"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#approve`)),
	)
	if err != nil {
		t.Fatalf("sign in at the development provider: %v", err)
	}
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main h1`)))
	if err != nil || heading != "Add to your wallet?" {
		t.Fatalf("consent page heading: got %q, %v", heading, err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`section.consent`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{testWalletName, "Example University", "Staff badge", "First name", "Ada", "Lovelace", "E-1815", "1815-12-10"} {
		if !strings.Contains(text, want) {
			t.Errorf("the consent page does not show %q:\n%s", want, text)
		}
	}
	screenshot(t, ctx, "consent")

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#approve`)), chromedp.WaitVisible(chromedp.CSS(`#wallet`))); err != nil {
		t.Fatalf("approve: %v", err)
	}
	mu.Lock()
	q := landed
	mu.Unlock()
	if q.Get("code") == "" || q.Get("iss") != h.url || q.Get("state") == "" {
		t.Fatalf("the wallet got %v, want code, state and iss", q)
	}
	res := aw.token(q.Get("code"), map[string]string{"redirect_uri": redirect})
	if res.Status != http.StatusOK {
		t.Fatalf("token with the code from the browser: got %d\n%s", res.Status, res.Body)
	}
}
