package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"credmint/app/credential"
	"credmint/config"
)

// withBadgeLocales gives the staff badge German, French and Dutch display
// entries and German and French names for its first two claims (the date
// of birth keeps only its English name).
func withBadgeLocales(c *config.Config) {
	b := &c.CredentialConfigurations[0]
	b.Display = append(b.Display, credential.Display{Name: "Mitarbeiterausweis", Locale: "de"},
		credential.Display{Name: "Badge du personnel", Locale: "fr"}, credential.Display{Name: "Personeelspas", Locale: "nl"})
	for i, names := range [][3]string{{"Vorname", "Prénom", "Voornaam"}, {"Nachname", "Nom", "Achternaam"}} {
		b.Claims[i].Display = append(b.Claims[i].Display, credential.ClaimDisplay{Name: names[0], Locale: "de"},
			credential.ClaimDisplay{Name: names[1], Locale: "fr"}, credential.ClaimDisplay{Name: names[2], Locale: "nl"})
	}
}

// TestConsentPageLanguages: the consent page speaks the display locale of
// the credential the browser prefers, in its own words (English, German,
// French) and in the configuration's names, and falls back to the
// issuer's locale.
func TestConsentPageLanguages(t *testing.T) {
	h := newHarness(t, withAuthz(withBadgeLocales))
	aw := newAuthzWallet(t, h)
	loginURL := redirected(t, aw.get(aw.authorizeURL(aw.par(map[string]string{"scope": "staff_badge"}))), "authorize")
	consentURL := redirected(t, aw.login(loginURL.String(), "dev-ada-lovelace"), "callback").String()

	tests := []struct {
		name, acceptLanguage string
		// lang is the page's; namesLang the names'.
		lang, namesLang, heading, asks, credential, approve, cancel string
		labels                                                      []string
	}{
		{"German", "de-DE,de;q=0.9,en;q=0.5", "de", "de", "Zur Wallet hinzufügen?", "bittet credmint issuer um diesen Nachweis:", "Mitarbeiterausweis", "Zustimmen", "Abbrechen",
			[]string{"Vorname", "Nachname", "Employee number", "Date of birth"}},
		{"French", "fr-CH, fr;q=0.9, en;q=0.8", "fr", "fr", "Ajouter à votre portefeuille ?", "demande à credmint issuer cette attestation :", "Badge du personnel", "Accepter", "Annuler",
			[]string{"Prénom", "Nom", "Employee number", "Date of birth"}},
		{"English preferred over German", "en-GB, de;q=0.5", "en", "en", "Add to your wallet?", "asks credmint issuer for this credential:", "Staff badge", "Approve", "Cancel",
			[]string{"First name", "Last name", "Employee number", "Date of birth"}},
		{"no locale of the configuration: the issuer's", "es-ES, it;q=0.7", "en", "en", "Add to your wallet?", "asks credmint issuer for this credential:", "Staff badge", "Approve", "Cancel",
			[]string{"First name", "Last name", "Employee number", "Date of birth"}},
		{"no header: the issuer's", "", "en", "en", "Add to your wallet?", "asks credmint issuer for this credential:", "Staff badge", "Approve", "Cancel",
			[]string{"First name", "Last name", "Employee number", "Date of birth"}},
		{"Dutch names, English words", "nl", "en", "nl", "Add to your wallet?", "asks credmint issuer for this credential:", "Personeelspas", "Approve", "Cancel",
			[]string{"Voornaam", "Achternaam", "Employee number", "Date of birth"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			header := map[string]string{}
			if tc.acceptLanguage != "" {
				header["Accept-Language"] = tc.acceptLanguage
			}
			res := aw.sendWith(http.MethodGet, consentURL, nil, header)
			if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Vary"), "Accept-Language") {
				t.Fatalf("consent page: got %d, Vary %q; want 200 varying by Accept-Language\n%s", res.Status, res.Header.Get("Vary"), res.Body)
			}
			d, err := goquery.NewDocumentFromReader(strings.NewReader(string(res.Body)))
			if err != nil {
				t.Fatal(err)
			}
			lang, _ := d.Find("html").Attr("lang")
			namesLang, _ := d.Find(".credential-name").Attr("lang")
			asks := strings.Join(strings.Fields(d.Find("p.asks").Text()), " ")
			if lang != tc.lang || namesLang != tc.namesLang {
				t.Errorf("languages: got page %q, names %q; want %q and %q", lang, namesLang, tc.lang, tc.namesLang)
			}
			if got := d.Find("h1").Text(); got != tc.heading {
				t.Errorf("heading: got %q, want %q", got, tc.heading)
			}
			if !strings.HasSuffix(asks, tc.asks) || !strings.Contains(asks, testWalletName) {
				t.Errorf("who asks: got %q, want the wallet's name and %q", asks, tc.asks)
			}
			if got := d.Find(".credential-name").Text(); got != tc.credential {
				t.Errorf("credential name: got %q, want %q", got, tc.credential)
			}
			var labels []string
			d.Find("dl.claims dt").Each(func(_ int, s *goquery.Selection) { labels = append(labels, s.Text()) })
			if !slices.Equal(labels, tc.labels) {
				t.Errorf("claim labels: got %q, want %q", labels, tc.labels)
			}
			if d.Find("dl.claims dd").First().Text() != "Ada" {
				t.Errorf("values are the person's whatever the language: got %q", d.Find("dl.claims dd").First().Text())
			}
			if a, c := d.Find("#approve").Text(), d.Find("#cancel").Text(); a != tc.approve || c != tc.cancel {
				t.Errorf("buttons: got %q and %q, want %q and %q", a, c, tc.approve, tc.cancel)
			}
		})
	}

	// The German page's form works as the English one.
	res := aw.sendWith(http.MethodGet, consentURL, nil, map[string]string{"Accept-Language": "de"})
	d, _ := goquery.NewDocumentFromReader(strings.NewReader(string(res.Body)))
	requestID, _ := d.Find(`input[name=request]`).Attr("value")
	back := aw.decide(requestID, "approve")
	if back.Query().Get("code") == "" {
		t.Errorf("approve on the German page: got %s, want a code", back)
	}
}
