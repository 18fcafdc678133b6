package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"credmint/app/credential"
	"credmint/config"
)

// acceptLanguage is a browser whose every request says which languages its
// person reads.
type acceptLanguage struct {
	base http.RoundTripper
	tags string
}

func (a acceptLanguage) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Accept-Language", a.tags)
	return a.base.RoundTrip(r)
}

// TestAuthorizationProblemPagesInTheBrowsersLanguage: the pages of a
// refused sign-in speak the language the browser asks for (German, French),
// English for a language credmint has no words in, and the way back to the
// wallet keeps the English OAuth error.
func TestAuthorizationProblemPagesInTheBrowsersLanguage(t *testing.T) {
	h := newHarness(t, withAuthz(), func(c *config.Config, _ *harnessSettings) {
		for i := range c.CredentialConfigurations {
			if cfg := &c.CredentialConfigurations[i]; cfg.ID == "member_card" {
				cfg.Display = append(cfg.Display, credential.Display{Name: "Mitgliedsausweis", Locale: "de"})
			}
		}
	})
	page := func(t *testing.T, res *response, status int) *goquery.Document {
		t.Helper()
		pageRefused(t, res, status, "refused sign-in")
		if res.Header.Get("Vary") != "Accept-Language" {
			t.Errorf("Vary: got %q, want Accept-Language", res.Header.Get("Vary"))
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(res.Body)))
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	unknownWallet := func(t *testing.T, tags string) *goquery.Document {
		t.Helper()
		aw := newAuthzWallet(t, h)
		q := url.Values{}
		for k, v := range aw.parForm(map[string]string{"client_id": "unknown.wallet"}) {
			q.Set(k, v)
		}
		return page(t, aw.sendWith(http.MethodGet, h.url+"/authorize?"+q.Encode(), nil, map[string]string{"Accept-Language": tags}), http.StatusBadRequest)
	}

	for _, tt := range []struct{ tags, lang, title string }{
		{"fr-CH, fr;q=0.9, en;q=0.5", "fr", "Portefeuille inconnu"},
		{"de-AT", "de", "Unbekannte Wallet"},
		{"ja", "en", "Unknown wallet"},
		{"", "en", "Unknown wallet"},
	} {
		doc := unknownWallet(t, tt.tags)
		if got, _ := doc.Find("html").Attr("lang"); got != tt.lang {
			t.Errorf("Accept-Language %q: html lang %q, want %q", tt.tags, got, tt.lang)
		}
		if got := doc.Find("h1").Text(); got != tt.title {
			t.Errorf("Accept-Language %q: heading %q, want %q", tt.tags, got, tt.title)
		}
	}

	// After the login: Alan Turing has no record for member_card. The page
	// names the credential in German and leads back to the wallet with
	// access_denied.
	aw := newAuthzWallet(t, h)
	base := aw.browser.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	aw.browser.Transport = acceptLanguage{base: base, tags: "de-DE,de;q=0.9"}
	loginURL := redirected(t, aw.get(aw.authorizeURL(aw.par(map[string]string{"scope": "member_card"}))), "authorize")
	res := aw.login(loginURL.String(), "dev-alan-turing")
	doc := page(t, res, http.StatusForbidden)
	if got := doc.Find("h1").Text(); got != "Kein Eintrag für Sie gefunden" {
		t.Errorf("no record, in German: heading %q", got)
	}
	if msg := doc.Find("p.message").Text(); !strings.Contains(msg, "keinen Eintrag zu Ihnen") || !strings.Contains(msg, "„Mitgliedsausweis“") {
		t.Errorf("no record, in German: message %q, want the German words around the credential's German name", msg)
	}
	if got := doc.Find("a#return").Text(); got != "Zurück zur Wallet" {
		t.Errorf("the way back, in German: %q", got)
	}
	if back := returnLink(t, res); errorOf(back) != "access_denied" || !strings.Contains(back.Query().Get("error_description"), "No record found") {
		t.Errorf("the way back to the wallet: got %s, want access_denied with the English description", back)
	}
}

// TestAuthorizationProblemPagesInTheIssuersLanguage: without an
// Accept-Language credmint has words for, the page speaks the language of
// issuer.locale, also when that is a regional tag.
func TestAuthorizationProblemPagesInTheIssuersLanguage(t *testing.T) {
	h := newHarness(t, withAuthz(), func(c *config.Config, _ *harnessSettings) { c.Issuer.Locale = "de-CH" })
	aw := newAuthzWallet(t, h)
	q := url.Values{}
	for k, v := range aw.parForm(map[string]string{"client_id": "unknown.wallet"}) {
		q.Set(k, v)
	}
	for _, tags := range []string{"", "ja"} {
		res := aw.sendWith(http.MethodGet, h.url+"/authorize?"+q.Encode(), nil, map[string]string{"Accept-Language": tags})
		pageRefused(t, res, http.StatusBadRequest, "unknown wallet")
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(res.Body)))
		if err != nil {
			t.Fatal(err)
		}
		if got := doc.Find("h1").Text(); got != "Unbekannte Wallet" {
			t.Errorf("issuer.locale de-CH, Accept-Language %q: heading %q, want the German one", tags, got)
		}
	}
}
