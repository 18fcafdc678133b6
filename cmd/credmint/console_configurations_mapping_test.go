package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"credmint/app/credential"
	"credmint/app/staff"
)

// libraryForm is a valid configuration editor form for a library card
// filled from the login: four claims, and a login mapping that uses each
// kind of source.
func libraryForm() url.Values {
	return url.Values{
		"op": {"save"}, "id": {"library_card"}, "format": {"dc+sd-jwt"}, "vct": {"urn:example:library:1"}, "scope": {"library_card"},
		"validity": {"30d"}, "binding": {"jwk"}, "review_policy": {"auto"}, "tx_code_mode": {""},
		"display_locale": {"en"}, "display_name": {"Library card"},
		"claim_path": {"given_name", "family_name", "full_name", "country"}, "claim_type": {"string", "string", "string", "string"},
		"claim_mandatory": {"0", "1"}, "claim_name": {"First name", "Last name", "Name", "Country"},
		"upstream_claim":     {"given_name", "family_name", "full_name", "country"},
		"upstream_source":    {"from", "from", "from_all", "constant"},
		"upstream_value":     {"given_name", "family_name", "given_name family_name", "GB"},
		"upstream_separator": {"", "", " ", ""},
		"upstream_transform": {"", "upper", "", ""},
		"match_by":           {""}, "match_upstream_claim": {""}, "match_data": {"uploaded_wins"}, "no_match": {"deny"},
	}
}

// loginCredential runs a login as subject for the library card through
// consent and returns the disclosed claims of the credential.
func loginCredential(t *testing.T, h *harness, subject string) map[string]any {
	t.Helper()
	aw := newAuthzWallet(t, h)
	code, _ := aw.throughConsent(aw.par(map[string]string{"scope": "library_card"}), subject)
	res := aw.token(code, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("token: got %d\n%s", res.Status, res.Body)
	}
	var tok tokenJSON
	res.JSON(t, &tok)
	res = aw.credential(tok.AccessToken, map[string]any{"credential_configuration_id": "library_card"})
	if res.Status != http.StatusOK {
		t.Fatalf("credential: got %d\n%s", res.Status, res.Body)
	}
	var cred credentialJSON
	res.JSON(t, &cred)
	return checkSDJWT(t, h, cred.Credentials[0].Credential).Claims
}

// TestConsoleConfigurationLoginMapping: the editor edits upstream_claims,
// applicant_match and no_match; the change is audited, and the next login
// uses it.
func TestConsoleConfigurationLoginMapping(t *testing.T) {
	h := newHarness(t, withAuthz())
	admin := h.newBrowser(t, staff.RoleAdmin)
	ctx := context.Background()

	if res := admin.postForm("/console/configurations", libraryForm()); res.Status != http.StatusSeeOther {
		t.Fatalf("create: got %d\n%s", res.Status, res.Body)
	}
	c, err := h.app.configurations.Get(ctx, "library_card")
	if err != nil {
		t.Fatal(err)
	}
	want := []credential.UpstreamClaim{{Claim: "given_name", From: "given_name"}, {Claim: "family_name", From: "family_name", Transform: "upper"},
		{Claim: "full_name", FromAll: []string{"given_name", "family_name"}, Separator: " "}, {Claim: "country", Constant: "GB"}}
	if got, _ := json.Marshal(c.UpstreamClaims); string(got) != mustJSON(t, want) || c.ApplicantMatch != nil || c.NoMatch != "" {
		t.Fatalf("stored mapping: got %s, %+v, %q; want %s without matching", got, c.ApplicantMatch, c.NoMatch, mustJSON(t, want))
	}
	// The show page and the edit form give it back.
	d := admin.get("/console/configurations/library_card").doc(t)
	if n := d.Find("table.upstream-claims tbody tr").Length(); n != 4 || !strings.Contains(d.Find(".applicant-match").Text(), "none") {
		t.Errorf("show page: %d mapping rows, matching %q", n, d.Find(".applicant-match").Text())
	}
	d = admin.get("/console/configurations/library_card/edit").doc(t)
	var values, sources []string
	d.Find(`input[name=upstream_value]`).Each(func(_ int, s *goquery.Selection) { values = append(values, s.AttrOr("value", "")) })
	d.Find(`select[name=upstream_source] option[selected]`).Each(func(_ int, s *goquery.Selection) { sources = append(sources, s.AttrOr("value", "")) })
	if strings.Join(values, "|") != "given_name|family_name|given_name family_name|GB" || strings.Join(sources, "|") != "from|from|from_all|constant" ||
		d.Find(`select[name=upstream_transform] option[value=upper][selected]`).Length() != 1 {
		t.Errorf("edit form rows: values %q, sources %q", values, sources)
	}

	claims := loginCredential(t, h, "dev-ada-lovelace")
	wantClaims(t, claims, map[string]any{"given_name": "Ada", "family_name": "LOVELACE", "full_name": "Ada Lovelace", "country": "GB"})

	// Edit the mapping: the family name in lower case, the names joined
	// by a comma, another country.
	form := with(libraryForm(), "upstream_transform", "", "lower", "", "")
	form = with(form, "upstream_separator", "", "", ", ", "")
	form = with(form, "upstream_value", "given_name", "family_name", "family_name given_name", `"FR"`)
	if res := admin.postForm("/console/configurations/library_card", form); res.Status != http.StatusSeeOther {
		t.Fatalf("update: got %d\n%s", res.Status, res.Body)
	}
	evs, err := h.app.store.AuditEvents(ctx, "credential_configuration", "library_card")
	if err != nil || len(evs) != 2 || evs[1].Action != "credential_configuration.updated" || evs[1].Details["changed"] != "upstream_claims" {
		t.Errorf("audit of the mapping change: got %+v, %v; want an update naming upstream_claims only", evs, err)
	}
	claims = loginCredential(t, h, "dev-ada-lovelace")
	wantClaims(t, claims, map[string]any{"given_name": "Ada", "family_name": "lovelace", "full_name": "Lovelace, Ada", "country": "FR"})

	// Match people to uploaded applicants by email, refusing those without
	// a record: Grace has one, Ada not.
	form = with(libraryForm(), "match_by", "email")
	form = with(form, "match_upstream_claim", "email")
	form = with(form, "match_data", "fill_gaps")
	if res := admin.postForm("/console/configurations/library_card", form); res.Status != http.StatusSeeOther {
		t.Fatalf("update with matching: got %d\n%s", res.Status, res.Body)
	}
	if c, _ := h.app.configurations.Get(ctx, "library_card"); c.ApplicantMatch == nil || c.ApplicantMatch.By != "email" ||
		c.ApplicantMatch.Data != "fill_gaps" || c.NoMatchPolicy() != "deny" {
		t.Fatalf("stored matching: %+v, no_match %q", c.ApplicantMatch, c.NoMatch)
	}
	storeApplicant(t, h, "library_card", "grace.hopper@example.org", map[string]any{"given_name": "Gracie", "family_name": "Hopper", "country": "US"})
	claims = loginCredential(t, h, "dev-grace-hopper")
	// fill_gaps: the login's claims win; the upload gives nothing more.
	wantClaims(t, claims, map[string]any{"given_name": "Grace", "family_name": "HOPPER", "full_name": "Grace Hopper", "country": "GB"})
	aw := newAuthzWallet(t, h)
	loginURL := redirected(t, aw.get(aw.authorizeURL(aw.par(map[string]string{"scope": "library_card"}))), "authorize")
	if res := aw.login(loginURL.String(), "dev-ada-lovelace"); res.Status != http.StatusForbidden || !strings.Contains(string(res.Body), "No record found") {
		t.Errorf("login without a record: got %d, want 403 No record found\n%s", res.Status, res.Body)
	}

	// Clearing the section removes the mapping.
	form = libraryForm()
	for _, k := range []string{"upstream_claim", "upstream_source", "upstream_value", "upstream_separator", "upstream_transform"} {
		delete(form, k)
	}
	if res := admin.postForm("/console/configurations/library_card", form); res.Status != http.StatusSeeOther {
		t.Fatalf("update without mapping: got %d\n%s", res.Status, res.Body)
	}
	if c, _ := h.app.configurations.Get(ctx, "library_card"); len(c.UpstreamClaims) != 0 || c.ApplicantMatch != nil {
		t.Errorf("cleared mapping: got %+v, %+v", c.UpstreamClaims, c.ApplicantMatch)
	}
}

// TestConsoleConfigurationLoginMappingValidation: every problem of the
// section is named at its field, the form keeps what was typed, and the
// live preview is not disturbed by the section.
func TestConsoleConfigurationLoginMappingValidation(t *testing.T) {
	h := newHarness(t)
	admin := h.newBrowser(t, staff.RoleAdmin)
	for _, tt := range []struct {
		name        string
		key         string
		vals        []string
		field, want string
	}{
		{"no upstream claim name", "upstream_value", []string{"given_name", "", "given_name family_name", "GB"}, "upstream_claims[1].value", "name of the upstream claim"},
		{"no names to join", "upstream_value", []string{"given_name", "family_name", " ", "GB"}, "upstream_claims[2].value", "separated by spaces"},
		{"no constant", "upstream_value", []string{"given_name", "family_name", "given_name family_name", ""}, "upstream_claims[3].value", "give the value"},
		{"undeclared claim", "upstream_claim", []string{"given_name", "family_name", "full_name", "nickname"}, "upstream_claims[3].claim", "not a claim of this configuration"},
		{"filled twice", "upstream_claim", []string{"given_name", "given_name", "full_name", "country"}, "upstream_claims[1].claim", "filled twice"},
		{"bad claim path", "upstream_claim", []string{"given_name", "family_name..x", "full_name", "country"}, "upstream_claims[1].claim", "dotted path"},
		{"separator without joining", "upstream_separator", []string{"-", "", " ", ""}, "upstream_claims[0].separator", "goes with from_all"},
		{"unknown transform", "upstream_transform", []string{"title", "", "", ""}, "upstream_claims[0].transform", "date, lower or upper"},
		{"unknown source", "upstream_source", []string{"guess", "from", "from_all", "constant"}, "upstream_claims[0].source", "where the value comes from"},
		{"match without an upstream claim", "match_by", []string{"email"}, "match_upstream_claim", "is required"},
		{"upstream claim without a match", "match_upstream_claim", []string{"email"}, "match_by", "applicant field"},
		{"unknown match", "match_by", []string{"name"}, "match_by", "from the list"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			form := with(libraryForm(), tt.key, tt.vals...)
			res := admin.postForm("/console/configurations", form)
			if res.Status != http.StatusBadRequest {
				t.Fatalf("got %d, want 400\n%s", res.Status, res.Body)
			}
			d := res.doc(t)
			if got := fieldError(d, tt.field); !strings.Contains(strings.ToLower(got), strings.ToLower(tt.want)) {
				t.Errorf("message of %s: got %q, want it to contain %q; summary %q", tt.field, got, tt.want, d.Find(".flash.error").Text())
			}
			if n := d.Find(`input[name=upstream_claim]`).Length(); n != 4 {
				t.Errorf("mapping rows after the error: got %d, want the 4 typed", n)
			}
		})
	}
	if _, err := h.app.configurations.Get(context.Background(), "library_card"); err == nil {
		t.Error("an invalid form saved the configuration")
	}

	// Editor operations on the section's rows.
	res := admin.postForm("/console/configurations", with(libraryForm(), "op", "add_upstream"))
	if n := res.doc(t).Find(`input[name=upstream_claim]`).Length(); res.Status != http.StatusOK || n != 5 {
		t.Errorf("add a mapping row: got %d with %d rows, want 5", res.Status, n)
	}
	res = admin.postForm("/console/configurations", with(libraryForm(), "op", "remove_upstream:0"))
	if d := res.doc(t); d.Find(`input[name=upstream_claim]`).Length() != 3 || d.Find(`input[name=upstream_claim]`).First().AttrOr("value", "") != "family_name" {
		t.Errorf("remove mapping row 0: got %d rows", d.Find(`input[name=upstream_claim]`).Length())
	}

	// The preview shows the metadata entry whatever the mapping says: it
	// is not published.
	htmx := func(form url.Values) *response {
		return admin.do(http.MethodPost, "/console/configurations/preview", http.Header{
			"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"same-origin"}, "Origin": {h.url}, "HX-Request": {"true"},
		}, form.Encode())
	}
	for _, form := range []url.Values{libraryForm(), with(libraryForm(), "upstream_value", "", "", "", ""), with(libraryForm(), "upstream_claim", "nickname", "", "", "")} {
		d := htmx(form).doc(t)
		var entry map[string]map[string]any
		if err := json.Unmarshal([]byte(d.Find("pre.metadata").Text()), &entry); err != nil || d.Find(".preview-error").Length() != 0 {
			t.Fatalf("preview with a mapping: %v, error %q", err, d.Find(".preview-error").Text())
		}
		if _, leaked := entry["library_card"]["upstream_claims"]; leaked || entry["library_card"]["vct"] != "urn:example:library:1" {
			t.Errorf("preview entry: %v", entry["library_card"])
		}
	}
}
