package credential_test

import (
	"testing"

	"credmint/app/credential"
)

func TestBestLocale(t *testing.T) {
	available := []string{"en", "de-CH", "fr"}
	tests := []struct {
		header, def string
		available   []string
		want        string
	}{
		{"de-CH,de;q=0.9", "en", available, "de-CH"},
		{"de-DE", "en", available, "de-CH"}, // same language
		{"es, fr;q=0.5", "en", available, "fr"},
		{"fr;q=0.2, de;q=0.8", "en", available, "de-CH"},
		{"es", "en", available, "en"},                             // the default
		{"es", "nl", available, "en"},                             // the first when the default is not available
		{"", "fr", available, "fr"},                               // no header
		{"fr;q=0", "en", available, "en"},                         // refused
		{"de", "en", nil, "en"},                                   // nothing available
		{"*, FR", "en", []string{"en", "fr"}, "fr"},               // wildcard skipped, case ignored
		{"x-klingon;q=abc, en", "de", []string{"de", "en"}, "en"}, // bad q counts as 1
	}
	for _, tc := range tests {
		if got := credential.BestLocale(tc.header, tc.available, tc.def); got != tc.want {
			t.Errorf("BestLocale(%q, %v, %q): got %q, want %q", tc.header, tc.available, tc.def, got, tc.want)
		}
	}
}

func TestDisplayInAndNameIn(t *testing.T) {
	c := credential.Configuration{ID: "badge",
		Display: []credential.Display{{Name: "Badge", Locale: "en"}, {Name: "Ausweis", Locale: "de-DE"}, {Name: "Badge FR", Locale: "fr"}}}
	for locale, want := range map[string]string{"en": "Badge", "de-DE": "Ausweis", "de": "Ausweis", "fr-CA": "Badge FR", "es": "Badge", "": "Badge"} {
		if got := c.DisplayIn(locale).Name; got != want {
			t.Errorf("DisplayIn(%q): got %q, want %q", locale, got, want)
		}
	}
	if got := (&credential.Configuration{ID: "bare"}).DisplayIn("en").Name; got != "bare" {
		t.Errorf("DisplayIn without display: got %q, want the id", got)
	}
	if got := c.DisplayLocales(); len(got) != 3 || got[1] != "de-DE" {
		t.Errorf("DisplayLocales: got %v", got)
	}
	cl := credential.Claim{Display: []credential.ClaimDisplay{{Name: "Given name", Locale: "en"}, {Name: "Prénom", Locale: "fr"}, {Name: "Vorname"}}}
	for locale, want := range map[string]string{"en-GB": "Given name", "fr": "Prénom", "de": "Vorname", "": "Vorname"} {
		if got := cl.NameIn(locale); got != want {
			t.Errorf("NameIn(%q): got %q, want %q", locale, got, want)
		}
	}
	if got := (&credential.Claim{}).NameIn("en"); got != "" {
		t.Errorf("NameIn without names: got %q", got)
	}
}
