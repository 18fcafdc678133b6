package authz

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"credmint/app/credential"
)

func TestMapUpstream(t *testing.T) {
	upstream := map[string]any{
		"given_name": "Ada", "family_name": "Lovelace", "email": "Ada@Example.org", "birthdate": "10/12/1815",
		"address":      map[string]any{"locality": "London", "country": "GB"},
		"employee_no":  json.Number("1815"),
		"updated_at":   float64(1700000000),
		"middle_name":  nil,
		"nickname":     "",
		"family_name2": "King",
	}
	rules := []credential.UpstreamClaim{
		{Claim: "given_name", From: "given_name"},
		{Claim: "full_name", FromAll: []string{"given_name", "middle_name", "nickname", "family_name"}},
		{Claim: "surnames", FromAll: []string{"family_name", "family_name2"}, Separator: "-"},
		{Claim: "email", From: "email", Transform: credential.TransformLower},
		{Claim: "birthdate", From: "birthdate", Transform: credential.TransformDate},
		{Claim: "address.locality", From: "address.locality", Transform: credential.TransformUpper},
		{Claim: "address.country", Constant: "NL"},
		{Claim: "employee_id", From: "employee_no"},
		{Claim: "since", From: "updated_at", Transform: credential.TransformDate},
		{Claim: "missing", From: "not_there"},
		{Claim: "upper_number", From: "employee_no", Transform: credential.TransformUpper},
	}
	want := map[string]any{
		"given_name": "Ada", "full_name": "Ada Lovelace", "surnames": "Lovelace-King", "email": "ada@example.org",
		"birthdate": "1815-12-10", "address": map[string]any{"locality": "LONDON", "country": "NL"},
		"employee_id": json.Number("1815"), "since": "2023-11-14",
	}
	if diff := cmp.Diff(want, MapUpstream(rules, upstream)); diff != "" {
		t.Errorf("MapUpstream (-want +got):\n%s", diff)
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[any]any{
		"1815-12-10": "1815-12-10", "18151210": "1815-12-10", "10.12.1815": "1815-12-10", "10/12/1815": "1815-12-10",
		"1815/12/10": "1815-12-10", "1815-12-10T08:00:00Z": "1815-12-10", "1815-12-10 08:00:00": "1815-12-10",
		"2.1.2006": "2006-01-02", float64(0): "1970-01-01",
	} {
		got, ok := parseDate(in)
		if !ok || got != want {
			t.Errorf("parseDate(%v): got %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []any{"0000-12-10", "next tuesday", "12/31/1999", true} {
		if got, ok := parseDate(in); ok {
			t.Errorf("parseDate(%v): got %v, want no date", in, got)
		}
	}
}

func TestMerge(t *testing.T) {
	upstream := map[string]any{"given_name": "Ada", "address": map[string]any{"locality": "London", "country": "GB"}, "email": "a@x"}
	uploaded := map[string]any{"given_name": "Augusta", "address": map[string]any{"country": "NL"}, "member": "M-1"}
	// uploaded_wins: the upload laid over the upstream claims.
	want := map[string]any{"given_name": "Augusta", "address": map[string]any{"locality": "London", "country": "NL"}, "email": "a@x", "member": "M-1"}
	if diff := cmp.Diff(want, merge(upstream, uploaded)); diff != "" {
		t.Errorf("uploaded wins (-want +got):\n%s", diff)
	}
	// fill_gaps: the upstream claims laid over the upload.
	want = map[string]any{"given_name": "Ada", "address": map[string]any{"locality": "London", "country": "GB"}, "email": "a@x", "member": "M-1"}
	if diff := cmp.Diff(want, merge(uploaded, upstream)); diff != "" {
		t.Errorf("fill gaps (-want +got):\n%s", diff)
	}
	if uploaded["address"].(map[string]any)["locality"] != nil {
		t.Error("merge changed its input")
	}
}

func TestConsentClaims(t *testing.T) {
	cfg := &credential.Configuration{Claims: []credential.Claim{
		{Path: []any{"given_name"}, Display: []credential.ClaimDisplay{{Name: "First name"}}},
		{Path: []any{"address"}},
		{Path: []any{"address", "locality"}, Display: []credential.ClaimDisplay{{Name: "Town"}}},
	}}
	data := map[string]any{"zeta": true, "address": map[string]any{"locality": "London", "street": "1 Lane"}, "given_name": "Ada", "tags": []any{"a", json.Number("2")}}
	yes := true
	want := []ConsentClaim{{"First name", "Ada", nil}, {"Town", "London", nil}, {"address.street", "1 Lane", nil}, {"tags", "a, 2", nil}, {"zeta", "yes", &yes}}
	if diff := cmp.Diff(want, consentClaims(cfg, data, "en")); diff != "" {
		t.Errorf("consentClaims (-want +got):\n%s", diff)
	}
	// Names in the chosen locale, else without a locale, else the path.
	cfg.Claims[0].Display = []credential.ClaimDisplay{{Name: "First name", Locale: "en"}, {Name: "Vorname", Locale: "de"}}
	cfg.Claims[2].Display = append(cfg.Claims[2].Display, credential.ClaimDisplay{Name: "Ville", Locale: "fr"})
	got := consentClaims(cfg, data, "de-AT")
	if got[0].Label != "Vorname" || got[1].Label != "Town" || got[2].Label != "address.street" {
		t.Errorf("consentClaims in de-AT: got labels %q, %q, %q; want Vorname, Town, address.street", got[0].Label, got[1].Label, got[2].Label)
	}
	if got := consentClaims(cfg, data, "fr"); got[0].Label != "First name" || got[1].Label != "Ville" {
		t.Errorf("consentClaims in fr: got labels %q, %q; want First name (the first), Ville", got[0].Label, got[1].Label)
	}
}
