package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"credmint/app/audit"
	"credmint/app/staff"
)

// diplomaForm is a valid configuration editor form: two claims, one
// display locale (en) whose claim names are given.
func diplomaForm() url.Values {
	return url.Values{
		"op": {"save"}, "id": {"diploma"}, "format": {"dc+sd-jwt"}, "vct": {"urn:example:diploma:1"}, "scope": {"diploma"},
		"validity": {"30d"}, "binding": {"jwk"}, "signing_algs": {"ES256"}, "proof_signing_algs": {"ES256"}, "review_policy": {"auto"},
		"tx_code_mode":   {""},
		"display_locale": {"en"}, "display_name": {"Diploma"}, "display_description": {"A degree"}, "display_logo_uri": {"https://uni.example/logo.png"},
		"display_logo_alt": {"Uni logo"}, "display_background_color": {"#12355b"}, "display_text_color": {"#ffffff"},
		"claim_path": {"given_name", "degrees[*].title"}, "claim_type": {"string", "string"}, "claim_mandatory": {"0"}, "claim_selective": {"1"},
		"claim_name": {"First name", "Degree"},
	}
}

// with returns a copy of v with key set to vals.
func with(v url.Values, key string, vals ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	out[key] = vals
	return out
}

// fieldError returns the message the editor shows for field key.
func fieldError(d *goquery.Document, key string) string {
	if msg := d.Find(`[data-field="` + key + `"]`).Text(); msg != "" {
		return msg
	}
	return strings.TrimSpace(d.Find(".field.invalid #e-" + key).Text())
}

func TestConsoleConfigurationsListAndFileManaged(t *testing.T) {
	h := newHarness(t)
	admin := h.newBrowser(t, staff.RoleAdmin)
	res := admin.get("/console/configurations")
	d := res.doc(t)
	if res.Status != http.StatusOK || d.Find("#config-staff_badge").Length() != 1 || d.Find("#config-address_card").Length() != 1 {
		t.Fatalf("list: got %d\n%s", res.Status, res.Body)
	}
	if got := d.Find("#config-staff_badge td").Eq(1).Text(); got != "Staff badge" {
		t.Errorf("display name: got %q", got)
	}
	if d.Find("#config-staff_badge .badge.file-managed").Length() != 1 || d.Find(`a[href="/console/configurations/new"]`).Length() != 1 {
		t.Errorf("admin list: want the file badge and the New button\n%s", res.Body)
	}
	auditor := h.newBrowser(t, staff.RoleAuditor)
	res = auditor.get("/console/configurations")
	if res.Status != http.StatusOK || res.doc(t).Find(`a[href="/console/configurations/new"]`).Length() != 0 {
		t.Errorf("auditor list: got %d, want 200 without the New button", res.Status)
	}

	// A configuration from the file is read-only: a notice, no edit, its
	// metadata entry shown.
	res = admin.get("/console/configurations/staff_badge")
	d = res.doc(t)
	if res.Status != http.StatusOK || d.Find(".file-managed-notice").Length() != 1 || d.Find(`a[href$="/edit"]`).Length() != 0 {
		t.Fatalf("file-managed configuration page: got %d\n%s", res.Status, res.Body)
	}
	var entry map[string]map[string]any
	if err := json.Unmarshal([]byte(d.Find("pre.metadata").Text()), &entry); err != nil || entry["staff_badge"]["vct"] != "urn:credmint:example:staff_badge:1" {
		t.Errorf("metadata entry: %v %v", entry, err)
	}
	res = admin.get("/console/configurations/staff_badge/edit")
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/console/configurations/staff_badge" {
		t.Errorf("edit of a file-managed configuration: got %d %q", res.Status, res.Header.Get("Location"))
	}
	if res := admin.postForm("/console/configurations/staff_badge/disable", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("disable a file-managed configuration: got %d", res.Status)
	}
	if flash := admin.get("/console/configurations/staff_badge").doc(t).Find(".flash.error").Text(); !strings.Contains(flash, "configuration file") {
		t.Errorf("flash after disabling a file-managed configuration: %q", flash)
	}
	form := with(diplomaForm(), "id", "staff_badge")
	if res := admin.postForm("/console/configurations/staff_badge", form); res.Status != http.StatusSeeOther {
		t.Errorf("update of a file-managed configuration: got %d, want a redirect with an error", res.Status)
	}
	if c, _ := h.app.configurations.Get(context.Background(), "staff_badge"); c.Disabled || c.VCT != "urn:credmint:example:staff_badge:1" {
		t.Errorf("file-managed configuration changed: %+v", c)
	}
	if res := admin.get("/console/configurations/nope"); res.Status != http.StatusNotFound {
		t.Errorf("unknown configuration: got %d, want 404", res.Status)
	}
}

func TestConsoleConfigurationValidationNamesTheField(t *testing.T) {
	h := newHarness(t)
	admin := h.newBrowser(t, staff.RoleAdmin)
	res := admin.get("/console/configurations/new")
	d := res.doc(t)
	if res.Status != http.StatusOK || d.Find(`#config-form input[name=id]`).Length() != 1 || d.Find(`#preview[hx-post="/console/configurations/preview"]`).Length() != 1 {
		t.Fatalf("new form: got %d\n%s", res.Status, res.Body)
	}
	for _, tt := range []struct {
		name  string
		form  url.Values
		field string
		want  string
	}{
		{"duplicate claim path", with(diplomaForm(), "claim_path", "given_name", "given_name"), "claims[1].path", "duplicate claim path"},
		{"unreadable path", with(diplomaForm(), "claim_path", "given_name", "degrees[x]"), "claims[1].path", "brackets hold"},
		{"bad vct", with(diplomaForm(), "vct", "diploma"), "vct", "absolute URI"},
		{"unsupported signing alg", with(diplomaForm(), "signing_algs", "ES256 RS256"), "signing_algs", "unsupported algorithm"},
		{"unsupported proof alg", with(diplomaForm(), "proof_signing_algs", "HS256"), "proof_signing_algs", "unsupported algorithm"},
		{"bad locale", with(diplomaForm(), "display_locale", "en_GB!"), "display[0].locale", "BCP 47"},
		{"bad colour", with(diplomaForm(), "display_background_color", "blue"), "display[0].background_color", "colour"},
		{"bad logo", with(diplomaForm(), "display_logo_uri", "logo.png"), "display[0].logo_uri", "URI"},
		{"bad id", with(diplomaForm(), "id", "has space"), "id", "must be"},
		{"id from the file", with(diplomaForm(), "id", "staff_badge"), "id", "configuration file"},
		{"bad validity", with(diplomaForm(), "validity", "soon"), "validity", "days"},
		{"bad tx_code length", with(with(diplomaForm(), "tx_code_mode", "required"), "tx_code_length", "3"), "tx_code_length", "between 4 and 12"},
		{"reserved claim name", with(diplomaForm(), "claim_path", "given_name", "iss"), "claims[1].path", "iss"},
		{"tx_code settings without a policy", with(diplomaForm(), "tx_code_length", "8"), "tx_code_mode", "require a tx_code"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := admin.postForm("/console/configurations", tt.form)
			if res.Status != http.StatusBadRequest {
				t.Fatalf("got %d, want 400\n%s", res.Status, res.Body)
			}
			d := res.doc(t)
			if got := fieldError(d, tt.field); !strings.Contains(strings.ToLower(got), strings.ToLower(tt.want)) {
				t.Errorf("message of %s: got %q, want it to contain %q; summary %q", tt.field, got, tt.want, d.Find(".flash.error").Text())
			}
			if d.Find(".flash.error").Length() == 0 {
				t.Error("no summary of the error above the form")
			}
			// What was typed is kept.
			if got, _ := d.Find(`input[name=vct]`).Attr("value"); got != tt.form.Get("vct") {
				t.Errorf("vct after the error: got %q, want %q", got, tt.form.Get("vct"))
			}
		})
	}
	if _, err := h.app.configurations.Get(context.Background(), "diploma"); err == nil {
		t.Error("an invalid form saved the configuration")
	}
}

func TestConsoleConfigurationEditorRows(t *testing.T) {
	h := newHarness(t)
	admin := h.newBrowser(t, staff.RoleAdmin)
	rows := func(res *response) (claims, locales int) {
		d := res.doc(t)
		return d.Find(`input[name=claim_path]`).Length(), d.Find(`input[name=display_locale]`).Length()
	}
	res := admin.postForm("/console/configurations", with(diplomaForm(), "op", "add_claim"))
	if c, l := rows(res); res.Status != http.StatusOK || c != 3 || l != 1 {
		t.Fatalf("add a claim: got %d with %d claims, %d locales", res.Status, c, l)
	}
	res = admin.postForm("/console/configurations", with(diplomaForm(), "op", "remove_claim:0"))
	d := res.doc(t)
	if c, _ := rows(res); c != 1 || d.Find(`input[name=claim_path]`).AttrOr("value", "") != "degrees[*].title" {
		t.Fatalf("remove claim 0: %d claims left, first %q", c, d.Find(`input[name=claim_path]`).AttrOr("value", ""))
	}
	// The selective checkbox moved with its row (it is now row 0).
	if d.Find(`input[name=claim_selective][value="0"][checked]`).Length() != 1 {
		t.Errorf("selective flag lost when the row moved up\n%s", res.Body)
	}
	res = admin.postForm("/console/configurations", with(diplomaForm(), "op", "add_locale"))
	if _, l := rows(res); l != 2 || res.doc(t).Find(`input[name=claim_name]`).Length() != 4 {
		t.Fatalf("add a locale: %d locales, %d claim names, want 2 and 4", l, res.doc(t).Find(`input[name=claim_name]`).Length())
	}
	if _, err := h.app.configurations.Get(context.Background(), "diploma"); err == nil {
		t.Error("an editor operation saved the configuration")
	}
}

func TestConsoleConfigurationPreview(t *testing.T) {
	h := newHarness(t)
	admin := h.newBrowser(t, staff.RoleAdmin)
	htmx := func(form url.Values) *response {
		return admin.do(http.MethodPost, "/console/configurations/preview", http.Header{
			"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"same-origin"}, "Origin": {h.url}, "HX-Request": {"true"},
		}, form.Encode())
	}
	res := htmx(diplomaForm())
	d := res.doc(t)
	var entry map[string]map[string]any
	if err := json.Unmarshal([]byte(d.Find("pre.metadata").Text()), &entry); res.Status != http.StatusOK || err != nil {
		t.Fatalf("preview: got %d, %v\n%s", res.Status, err, res.Body)
	}
	e := entry["diploma"]
	meta, _ := e["credential_metadata"].(map[string]any)
	claims, _ := meta["claims"].([]any)
	if e["vct"] != "urn:example:diploma:1" || e["scope"] != "diploma" || len(claims) != 2 {
		t.Errorf("preview entry: %v", e)
	}
	if strings.Contains(string(res.Body), "<nav") || strings.Contains(string(res.Body), "<html") {
		t.Error("the preview must be a fragment, not a page")
	}
	first, _ := claims[0].(map[string]any)
	if path, _ := first["path"].([]any); len(path) != 1 || path[0] != "given_name" || first["mandatory"] != true {
		t.Errorf("first claim: %v", first)
	}
	res = htmx(with(diplomaForm(), "vct", "diploma"))
	if got := res.doc(t).Find(".preview-error").Text(); res.Status != http.StatusOK || !strings.Contains(got, "vct") {
		t.Errorf("preview of an invalid form: got %d %q, want the field named", res.Status, got)
	}
	issuer := h.newBrowser(t, staff.RoleIssuer)
	if res := issuer.postForm("/console/configurations/preview", diplomaForm()); res.Status != http.StatusForbidden {
		t.Errorf("preview as issuer: got %d, want 403", res.Status)
	}
}

func TestConsoleConfigurationLifecycle(t *testing.T) {
	h := newHarness(t)
	admin := h.newBrowser(t, staff.RoleAdmin)
	ctx := context.Background()

	// Forged cross-site create: refused, nothing saved.
	res := admin.do(http.MethodPost, "/console/configurations", http.Header{"Content-Type": {"application/x-www-form-urlencoded"},
		"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}, diplomaForm().Encode())
	if res.Status != http.StatusForbidden {
		t.Fatalf("cross-site create: got %d, want 403", res.Status)
	}
	if _, err := h.app.configurations.Get(ctx, "diploma"); err == nil {
		t.Fatal("a forged post created a configuration")
	}
	// Roles that may only read are refused every change.
	issuer := h.newBrowser(t, staff.RoleIssuer)
	for path, form := range map[string]url.Values{"/console/configurations": diplomaForm(), "/console/configurations/staff_badge/disable": nil} {
		if res := issuer.postForm(path, form); res.Status != http.StatusForbidden {
			t.Errorf("issuer POST %s: got %d, want 403", path, res.Status)
		}
	}
	if res := issuer.get("/console/configurations/new"); res.Status != http.StatusForbidden {
		t.Errorf("issuer GET new: got %d, want 403", res.Status)
	}

	res = admin.postForm("/console/configurations", diplomaForm())
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/console/configurations/diploma" {
		t.Fatalf("create: got %d %q\n%s", res.Status, res.Header.Get("Location"), res.Body)
	}
	page := admin.get("/console/configurations/diploma")
	d := page.doc(t)
	if !strings.Contains(d.Find(".flash").Text(), "Saved diploma") || d.Find(`a[href="/console/configurations/diploma/edit"]`).Length() != 1 {
		t.Errorf("page after create:\n%s", page.Body)
	}
	if res := admin.postForm("/console/configurations", diplomaForm()); res.Status != http.StatusBadRequest ||
		!strings.Contains(fieldError(res.doc(t), "id"), "exists") {
		t.Errorf("create again: got %d, want 400 naming the id", res.Status)
	}
	// Published at once, and offers can use it.
	var md struct {
		Configs map[string]map[string]any `json:"credential_configurations_supported"`
	}
	h.getJSON(h.url+"/.well-known/openid-credential-issuer").JSON(t, &md)
	if md.Configs["diploma"]["vct"] != "urn:example:diploma:1" {
		t.Fatalf("metadata after create: %v", md.Configs["diploma"])
	}
	diplomaOffer := func(claims map[string]any) *response {
		return h.postJSON(h.url+"/api/v1/offers", h.apiKey, map[string]any{"credential_configuration_ids": []string{"diploma"}, "claims": claims})
	}
	if res := diplomaOffer(map[string]any{"given_name": "Ada"}); res.Status != http.StatusCreated {
		t.Fatalf("offer after create: got %d\n%s", res.Status, res.Body)
	}

	// The edit form shows what was saved.
	res = admin.get("/console/configurations/diploma/edit")
	d = res.doc(t)
	if res.Status != http.StatusOK || d.Find(`input[name=claim_path]`).Eq(1).AttrOr("value", "") != "degrees[*].title" ||
		d.Find(`input[name=claim_mandatory][value="0"][checked]`).Length() != 1 || d.Find(`input[name=validity]`).AttrOr("value", "") != "30d" {
		t.Fatalf("edit form:\n%s", res.Body)
	}
	// Edit: degrees become mandatory and a text tx_code of 8 is required.
	form := with(diplomaForm(), "claim_mandatory", "0", "1")
	form = with(form, "tx_code_mode", "required")
	form = with(form, "tx_code_input_mode", "text")
	form = with(form, "tx_code_length", "8")
	form = with(form, "review_policy", "manual")
	if res := admin.postForm("/console/configurations/diploma", form); res.Status != http.StatusSeeOther {
		t.Fatalf("update: got %d\n%s", res.Status, res.Body)
	}
	// A new offer right after the edit uses the new configuration.
	res = diplomaOffer(map[string]any{"given_name": "Ada"})
	if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), "degrees") {
		t.Fatalf("offer without the now mandatory claim: got %d\n%s", res.Status, res.Body)
	}
	res = diplomaOffer(map[string]any{"given_name": "Ada", "degrees": []any{map[string]any{"title": "BSc"}}})
	var created createdOffer
	res.JSON(t, &created)
	if res.Status != http.StatusCreated || len(created.TxCode) != 8 {
		t.Fatalf("offer after the edit: got %d tx_code %q, want a tx_code of 8\n%s", res.Status, created.TxCode, res.Body)
	}
	w := newWallet(t, h)
	offer := w.resolveOffer(created.OfferURI)
	if tc := offer.Grants.PreAuth.TxCode; tc == nil || tc.InputMode != "text" || tc.Length != 8 {
		t.Errorf("tx_code of the offer: got %+v, want text of 8", tc)
	}
	c, _ := h.app.configurations.Get(ctx, "diploma")
	if c.Review() != "manual" || !c.Claims[1].Mandatory {
		t.Errorf("stored after update: %+v", c)
	}
	evs, err := h.app.store.AuditEvents(ctx, "credential_configuration", "diploma")
	if err != nil || len(evs) != 2 || evs[0].Action != "credential_configuration.created" || evs[1].Action != "credential_configuration.updated" ||
		evs[1].Actor.Kind != audit.ActorStaff || evs[1].Actor.RemoteAddr == "" || !strings.Contains(evs[1].Details["changed"], "claims") ||
		!strings.Contains(evs[1].Details["changed"], "tx_code") {
		t.Errorf("audit events: %+v %v", evs, err)
	}

	// Disable: unpublished and no longer offered; enable brings it back.
	if res := admin.postForm("/console/configurations/diploma/disable", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("disable: got %d", res.Status)
	}
	md.Configs = nil
	h.getJSON(h.url+"/.well-known/openid-credential-issuer").JSON(t, &md)
	if _, ok := md.Configs["diploma"]; ok {
		t.Error("a disabled configuration is still published")
	}
	if res := diplomaOffer(map[string]any{"given_name": "Ada", "degrees": []any{map[string]any{"title": "BSc"}}}); res.Status != http.StatusBadRequest {
		t.Errorf("offer of a disabled configuration: got %d, want 400", res.Status)
	}
	if got := admin.get("/console/configurations").doc(t).Find("#config-diploma .badge.bad").Text(); got != "disabled" {
		t.Errorf("list status after disable: %q", got)
	}
	if res := admin.postForm("/console/configurations/diploma/enable", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("enable: got %d", res.Status)
	}
	if res := diplomaOffer(map[string]any{"given_name": "Ada", "degrees": []any{map[string]any{"title": "BSc"}}}); res.Status != http.StatusCreated {
		t.Errorf("offer after enable: got %d", res.Status)
	}
	// An update keeps the disabled state as it is (enable/disable do that).
	if c, _ := h.app.configurations.Get(ctx, "diploma"); c.Disabled {
		t.Error("enabled configuration reads disabled")
	}
}

// TestBrowserConfigurationEditor drives the editor in chromium: the live
// preview follows what is typed (htmx under the console's CSP), a row is
// added, and the configuration is saved.
func TestBrowserConfigurationEditor(t *testing.T) {
	ctx := newChrome(t)
	h := newHarness(t)
	signIn(t, ctx, h, staff.RoleAdmin)
	err := chromedp.Do(ctx,
		chromedp.Navigate(h.url+"/console/configurations/new"),
		chromedp.WaitVisible(chromedp.CSS(`#f-id`)),
		chromedp.SendKeys(chromedp.CSS(`#f-id`), "library_card"),
		chromedp.SendKeys(chromedp.CSS(`input[name=display_name]`), "Library card"),
		chromedp.SendKeys(chromedp.CSS(`input[name=display_background_color]`), "#7a1f2b"),
		chromedp.SendKeys(chromedp.CSS(`input[name=claim_path]`), "member_no"),
		chromedp.SendKeys(chromedp.CSS(`input[name=claim_name]`), "Member number"),
		chromedp.SendKeys(chromedp.CSS(`#f-vct`), "urn:example:library:1"),
	)
	if err != nil {
		t.Fatal(err)
	}
	live := `(document.querySelector('#preview pre.metadata') || {textContent: ''}).textContent.includes('urn:example:library:1')`
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](live, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS(`#preview`)))
		t.Fatalf("the preview did not follow the typing: %v\n%s", err, html)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button[value=add_claim]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.claims tbody tr:nth-child(2) input[name=claim_path]`)),
		chromedp.SendKeys(chromedp.CSS(`table.claims tbody tr:nth-child(2) input[name=claim_path]`), "valid_until"),
		chromedp.Click(chromedp.CSS(`.form-actions button[value=save]`)),
		chromedp.WaitVisible(chromedp.CSS(`main .flash`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != h.url+"/console/configurations/library_card" {
		t.Fatalf("after saving: at %s", loc)
	}
	c, err := h.app.configurations.Get(context.Background(), "library_card")
	if err != nil || len(c.Claims) != 2 || c.Display[0].Name != "Library card" || c.Claims[0].Display[0].Name != "Member number" {
		t.Fatalf("saved: %+v %v", c, err)
	}
}

// mdlForm is a valid mso_mdoc configuration posted by the editor: a
// doctype and [namespace, element] claim paths in the JSON form. The vct
// is what a form still holds after its format was changed from dc+sd-jwt:
// it is not part of an mdoc configuration.
func mdlForm() url.Values {
	return url.Values{
		"op": {"save"}, "id": {"mdl"}, "format": {"mso_mdoc"}, "doctype": {"org.iso.18013.5.1.mDL"}, "vct": {"urn:left:over"},
		"validity": {"1825d"}, "binding": {"jwk"}, "signing_algs": {"ES256"}, "proof_signing_algs": {"ES256"}, "review_policy": {"auto"},
		"display_locale": {"en"}, "display_name": {"Mobile driving licence"},
		"claim_path":      {`["org.iso.18013.5.1", "family_name"]`, `["org.iso.18013.5.1", "portrait"]`},
		"claim_type":      {"string", "bytes"},
		"claim_mandatory": {"0"},
		"claim_name":      {"Family name", "Portrait"},
	}
}

// diplomaVCForm is a valid jwt_vc_json configuration posted by the editor.
func diplomaVCForm() url.Values {
	return url.Values{
		"op": {"save"}, "id": {"diploma_vc"}, "format": {"jwt_vc_json"}, "vcdm": {"1.1"},
		"types": {"UniversityDegreeCredential"}, "contexts": {"https://www.w3.org/ns/credentials/examples/v2"}, "holder_did_jwk": {"1"},
		"validity": {"3650d"}, "binding": {"jwk"}, "review_policy": {"auto"},
		"display_locale": {"en"}, "display_name": {"Diploma"},
		"claim_path": {"given_name", "degree.name"}, "claim_type": {"string", "string"}, "claim_mandatory": {"0", "1"},
		"claim_name": {"Given name", "Degree"},
	}
}

// TestConsoleConfigurationEveryFormat creates an mso_mdoc and a jwt_vc_json
// configuration through the editor and finds them in the issuer metadata
// with their format's members; the fields follow the chosen format, and
// the draft format is not offered.
func TestConsoleConfigurationEveryFormat(t *testing.T) {
	h := newHarness(t)
	admin := h.newBrowser(t, staff.RoleAdmin)
	ctx := context.Background()
	htmx := func(path string, form url.Values) *response {
		return admin.do(http.MethodPost, path, http.Header{
			"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"same-origin"}, "Origin": {h.url}, "HX-Request": {"true"},
		}, form.Encode())
	}
	inputs := func(d *goquery.Selection) (names []string) {
		d.Find("input, select").Each(func(_ int, s *goquery.Selection) { names = append(names, s.AttrOr("name", "")) })
		return names
	}

	// The select offers the three formats, not the draft one; a new
	// configuration starts as dc+sd-jwt with its fields.
	res := admin.get("/console/configurations/new")
	d := res.doc(t)
	var offered []string
	d.Find(`select[name=format] option`).Each(func(_ int, s *goquery.Selection) { offered = append(offered, s.AttrOr("value", "")) })
	if strings.Join(offered, " ") != "dc+sd-jwt jwt_vc_json mso_mdoc" {
		t.Errorf("formats offered: %v", offered)
	}
	if got := inputs(d.Find("#format-fields")); strings.Join(got, " ") != "vct draft_twin" {
		t.Errorf("fields of dc+sd-jwt: %v", got)
	}
	sel := d.Find(`select[name=format]`)
	if sel.AttrOr("hx-post", "") != "/console/configurations/format-fields" || sel.AttrOr("hx-target", "") != "#format-fields" {
		t.Errorf("the format select does not swap the fields: hx-post %q hx-target %q", sel.AttrOr("hx-post", ""), sel.AttrOr("hx-target", ""))
	}

	// Changing the format: htmx gets the format's fields, a browser
	// without JavaScript the whole form with them.
	for format, want := range map[string]string{"mso_mdoc": "doctype", "jwt_vc_json": "vcdm types contexts holder_did_jwk", "dc+sd-jwt": "vct draft_twin"} {
		res := htmx("/console/configurations/format-fields", with(mdlForm(), "format", format))
		d := res.doc(t)
		if got := inputs(d.Find("#format-fields")); res.Status != http.StatusOK || strings.Join(got, " ") != want {
			t.Errorf("format-fields for %s: got %d %v, want %s\n%s", format, res.Status, got, want, res.Body)
		}
		if strings.Contains(string(res.Body), "<nav") {
			t.Errorf("format-fields for %s: a page, not a fragment", format)
		}
	}
	if v := htmx("/console/configurations/format-fields", mdlForm()).doc(t).Find(`input[name=doctype]`).AttrOr("value", ""); v != "org.iso.18013.5.1.mDL" {
		t.Errorf("the swapped doctype field lost its value: %q", v)
	}
	res = admin.postForm("/console/configurations", with(with(diplomaForm(), "op", "format"), "format", "mso_mdoc"))
	d = res.doc(t)
	if res.Status != http.StatusOK || d.Find(`#format-fields input[name=doctype]`).Length() != 1 || d.Find(`input[name=vct]`).Length() != 0 {
		t.Errorf("no-JavaScript format change: got %d\n%s", res.Status, res.Body)
	}

	// The live preview shows the mdoc members.
	var entry map[string]map[string]any
	if err := json.Unmarshal([]byte(htmx("/console/configurations/preview", mdlForm()).doc(t).Find("pre.metadata").Text()), &entry); err != nil {
		t.Fatalf("mdoc preview: %v", err)
	}
	if e := entry["mdl"]; e["doctype"] != "org.iso.18013.5.1.mDL" || e["vct"] != nil {
		t.Errorf("mdoc preview: %v", e)
	}

	// Validation names the format's fields.
	for _, tt := range []struct {
		name  string
		form  url.Values
		field string
		want  string
	}{
		{"bad doctype", with(mdlForm(), "doctype", "mDL"), "doctype", "reverse domain"},
		{"no doctype", with(mdlForm(), "doctype", ""), "doctype", "required"},
		{"one-element mdoc path", with(mdlForm(), "claim_path", "family_name", `["org.iso.18013.5.1", "portrait"]`), "claims[0].path", "namespace"},
		{"bearer mdoc", with(mdlForm(), "binding", "none"), "binding", "device key"},
		{"no types", with(diplomaVCForm(), "types", ""), "types", "must name the credential's type"},
		{"base context", with(diplomaVCForm(), "contexts", "https://www.w3.org/2018/credentials/v1"), "contexts", "base context"},
		{"selective jwt_vc_json claim", with(diplomaVCForm(), "claim_selective", "1"), "claims[1].selective", "selective disclosure"},
		{"draft format", with(diplomaForm(), "format", "vc+sd-jwt"), "format", "from the list"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := admin.postForm("/console/configurations", tt.form)
			if res.Status != http.StatusBadRequest {
				t.Fatalf("got %d, want 400\n%s", res.Status, res.Body)
			}
			if got := fieldError(res.doc(t), tt.field); !strings.Contains(strings.ToLower(got), strings.ToLower(tt.want)) {
				t.Errorf("message of %s: got %q, want it to contain %q; summary %q", tt.field, got, tt.want, res.doc(t).Find(".flash.error").Text())
			}
		})
	}

	// Both saved, then published with their format's members.
	for _, form := range []url.Values{mdlForm(), diplomaVCForm(), with(diplomaForm(), "draft_twin", "1")} {
		if res := admin.postForm("/console/configurations", form); res.Status != http.StatusSeeOther {
			t.Fatalf("create %s: got %d\n%s", form.Get("id"), res.Status, res.Body)
		}
	}
	var md struct {
		Configs map[string]map[string]any `json:"credential_configurations_supported"`
	}
	h.getJSON(h.url+"/.well-known/openid-credential-issuer").JSON(t, &md)
	mdl := md.Configs["mdl"]
	algs, _ := mdl["credential_signing_alg_values_supported"].([]any)
	binding, _ := mdl["cryptographic_binding_methods_supported"].([]any)
	if mdl["format"] != "mso_mdoc" || mdl["doctype"] != "org.iso.18013.5.1.mDL" || mdl["vct"] != nil ||
		len(algs) != 1 || algs[0] != float64(-7) || len(binding) != 1 || binding[0] != "cose_key" {
		t.Errorf("mdl metadata: %v", mdl)
	}
	claims, _ := mdl["credential_metadata"].(map[string]any)["claims"].([]any)
	if len(claims) != 2 {
		t.Fatalf("mdl claims: %v", mdl["credential_metadata"])
	}
	if path, _ := claims[1].(map[string]any)["path"].([]any); len(path) != 2 || path[0] != "org.iso.18013.5.1" || path[1] != "portrait" {
		t.Errorf("mdoc claim path: %v", claims[1])
	}
	vc := md.Configs["diploma_vc"]
	def, _ := vc["credential_definition"].(map[string]any)
	types, _ := def["type"].([]any)
	binding, _ = vc["cryptographic_binding_methods_supported"].([]any)
	if vc["format"] != "jwt_vc_json" || len(types) != 2 || types[0] != "VerifiableCredential" || types[1] != "UniversityDegreeCredential" ||
		!slices.Contains(binding, any("did:jwk")) {
		t.Errorf("jwt_vc_json metadata: %v", vc)
	}
	if tw := md.Configs["diploma_vc_sd_jwt"]; tw["format"] != "vc+sd-jwt" || tw["vct"] != "urn:example:diploma:1" {
		t.Errorf("draft twin of the dc+sd-jwt configuration: %v", tw)
	}
	stored, err := h.app.configurations.Get(ctx, "diploma_vc")
	if err != nil || stored.VCDM != "1.1" || !stored.HolderDIDJWK || len(stored.Contexts) != 1 || stored.VCT != "" {
		t.Errorf("stored jwt_vc_json configuration: %+v %v", stored, err)
	}
	if stored, err := h.app.configurations.Get(ctx, "mdl"); err != nil || stored.VCT != "" || stored.Claims[1].Type != "bytes" {
		t.Errorf("stored mdoc configuration: %+v %v", stored, err)
	}

	// The edit forms show the stored values: the mdoc paths as JSON arrays.
	d = admin.get("/console/configurations/mdl/edit").doc(t)
	if d.Find(`input[name=doctype]`).AttrOr("value", "") != "org.iso.18013.5.1.mDL" ||
		d.Find(`input[name=claim_path]`).First().AttrOr("value", "") != `["org.iso.18013.5.1","family_name"]` {
		t.Errorf("mdl edit form: doctype %q, first path %q", d.Find(`input[name=doctype]`).AttrOr("value", ""), d.Find(`input[name=claim_path]`).First().AttrOr("value", ""))
	}
	d = admin.get("/console/configurations/diploma_vc/edit").doc(t)
	if d.Find(`select[name=vcdm] option[selected]`).AttrOr("value", "") != "1.1" || d.Find(`input[name=holder_did_jwk][checked]`).Length() != 1 ||
		d.Find(`input[name=types]`).AttrOr("value", "") != "UniversityDegreeCredential" {
		t.Errorf("diploma_vc edit form: %s", d.Find("#format-fields").Text())
	}
	// Saving the mdoc edit form as it is changes nothing.
	edit := with(mdlForm(), "claim_path", `["org.iso.18013.5.1","family_name"]`, `["org.iso.18013.5.1","portrait"]`)
	if res := admin.postForm("/console/configurations/mdl", edit); res.Status != http.StatusSeeOther {
		t.Fatalf("update mdl: got %d\n%s", res.Status, res.Body)
	}
	if c, _ := h.app.configurations.Get(ctx, "mdl"); c.Doctype != "org.iso.18013.5.1.mDL" || len(c.Claims[0].Path) != 2 {
		t.Errorf("mdl after update: %+v", c)
	}
	// The configuration pages show the format's fields.
	if txt := admin.get("/console/configurations/diploma_vc").doc(t).Find("dl").Text(); !strings.Contains(txt, "UniversityDegreeCredential") || !strings.Contains(txt, "1.1") {
		t.Errorf("diploma_vc page: %s", txt)
	}
	if txt := admin.get("/console/configurations").doc(t).Find("#config-mdl").Text(); !strings.Contains(txt, "org.iso.18013.5.1.mDL") {
		t.Errorf("list row of mdl: %s", txt)
	}
}

// TestBrowserConfigurationFormatChange: in chromium, choosing mso_mdoc swaps
// the vct field for doctype (htmx under the console's CSP), the preview
// follows, and the mdoc configuration is saved.
func TestBrowserConfigurationFormatChange(t *testing.T) {
	ctx := newChrome(t)
	h := newHarness(t)
	signIn(t, ctx, h, staff.RoleAdmin)
	err := chromedp.Do(ctx,
		chromedp.Navigate(h.url+"/console/configurations/new"),
		chromedp.WaitVisible(chromedp.CSS(`#f-vct`)),
		chromedp.SendKeys(chromedp.CSS(`#f-id`), "pid_mdoc"),
		// Choosing an option: the value changes and change is dispatched.
		chromedp.Evaluate[chromedp.Void](`(s => { s.value = 'mso_mdoc'; s.dispatchEvent(new Event('change', {bubbles: true})) })(document.querySelector('#f-format'))`),
		chromedp.WaitVisible(chromedp.CSS(`#f-doctype`)),
		chromedp.SendKeys(chromedp.CSS(`#f-doctype`), "eu.europa.ec.eudi.pid.1"),
		chromedp.SendKeys(chromedp.CSS(`input[name=claim_path]`), `["eu.europa.ec.eudi.pid.1", "family_name"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#f-vct').length`)); n != 0 {
		t.Error("the vct field is still shown for mso_mdoc")
	}
	live := `(document.querySelector('#preview pre.metadata') || {textContent: ''}).textContent.includes('"doctype": "eu.europa.ec.eudi.pid.1"')`
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](live, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS(`#preview`)))
		t.Fatalf("the preview did not show the doctype: %v\n%s", err, html)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.form-actions button[value=save]`)),
		chromedp.WaitVisible(chromedp.CSS(`main .flash`)),
	); err != nil {
		t.Fatal(err)
	}
	c, err := h.app.configurations.Get(context.Background(), "pid_mdoc")
	if err != nil || c.Format != "mso_mdoc" || c.Doctype != "eu.europa.ec.eudi.pid.1" || len(c.Claims) != 1 || len(c.Claims[0].Path) != 2 {
		t.Fatalf("saved: %+v %v", c, err)
	}
}
