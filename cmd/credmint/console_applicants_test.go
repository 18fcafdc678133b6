package main

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"credmint/app/applicants"
	"credmint/app/staff"
)

// postFile posts a multipart form with one file, as a same-origin page does.
func (b *browser) postFile(path string, fields url.Values, fileName string, content []byte) *response {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	fw, err := w.CreateFormFile("file", fileName)
	if err != nil {
		b.t.Fatal(err)
	}
	fw.Write(content)
	w.Close()
	return b.do(http.MethodPost, path, http.Header{
		"Content-Type": {w.FormDataContentType()}, "Sec-Fetch-Site": {"same-origin"}, "Origin": {b.h.url},
	}, body.String())
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../testdata/applicants/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mappingForm is the mapping form of a page as the browser would post it
// (the selected option of each select, the checked radio).
func mappingForm(t *testing.T, d *goquery.Document) url.Values {
	t.Helper()
	v := url.Values{}
	d.Find("form#mapping select").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		val, _ := s.Find("option[selected]").Attr("value")
		v.Add(name, val)
	})
	if on, ok := d.Find(`form#mapping input[name=on_error][checked]`).Attr("value"); ok {
		v.Set("on_error", on)
	}
	return v
}

// selectedColumn returns the selected column of a mapping field by its
// label text.
func selectedColumn(d *goquery.Document, label string) string {
	var out string
	d.Find("form#mapping .field").Each(func(_ int, s *goquery.Selection) {
		if squash(s.Find("label").Text()) == label {
			out, _ = s.Find("option[selected]").Attr("value")
		}
	})
	return out
}

// importFile uploads, starts and runs an import of file for configuration
// cfg through the service, as a staff member would, and returns the job.
func (h *harness) importFile(t *testing.T, cfg, name string, data []byte) *applicants.ImportJob {
	t.Helper()
	ctx := context.Background()
	j, err := h.app.applicants.Upload(ctx, applicants.UploadRequest{ConfigurationID: cfg, FileName: name, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.app.applicants.Start(ctx, j.ID, applicants.StartRequest{Mapping: j.Mapping}); err != nil {
		t.Fatal(err)
	}
	h.runImports(t)
	j, err = h.app.applicants.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// runImports runs the import worker until no job is left.
func (h *harness) runImports(t *testing.T) {
	t.Helper()
	for {
		did, err := h.app.applicants.ImportNext(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !did {
			return
		}
	}
}

var jobPath = regexp.MustCompile(`^/console/applicants/imports/(imp_[0-9A-Z]+)$`)

func TestConsoleApplicantsUploadMapPreviewImport(t *testing.T) {
	h := newHarness(t)
	// E-099 exists already: the upload must name it.
	h.importFile(t, "staff_badge", "first.json", readTestdata(t, "staff_badge.json"))
	b := h.newBrowser(t, staff.RoleIssuer)

	res := b.get("/console/applicants/imports/new")
	if res.Status != http.StatusOK || res.doc(t).Find(`form[enctype="multipart/form-data"] input[type=file][name=file]`).Length() != 1 {
		t.Fatalf("upload form: %d\n%s", res.Status, res.Body)
	}
	if res.doc(t).Find(`select[name=configuration_id] option[value=staff_badge]`).Length() != 1 {
		t.Errorf("the upload form does not offer staff_badge")
	}

	t.Run("invalid uploads re-render the form with a field message", func(t *testing.T) {
		for _, tc := range []struct {
			name, cfg, file string
			content         []byte
			field, want     string
		}{
			{"no configuration", "", "a.csv", []byte("a,b\n1,2\n"), "configuration_id", "Choose a credential configuration"},
			{"unknown configuration", "nope", "a.csv", []byte("a,b\n1,2\n"), "configuration_id", "Choose a credential configuration"},
			{"empty file", "staff_badge", "a.csv", nil, "file", "empty"},
			{"header only", "staff_badge", "a.csv", []byte("a,b\n"), "file", "no rows"},
			{"broken CSV", "staff_badge", "a.csv", []byte("a,b\n\"x,1\n2,\"3\"4\n"), "file", "cannot be read"},
			{"not UTF-8", "staff_badge", "a.csv", []byte("name\nM\xfcller\n"), "file", "UTF-8"},
			{"JSON not objects", "staff_badge", "a.json", []byte(`[1, 2]`), "file", "not an object"},
		} {
			res := b.postFile("/console/applicants/imports", url.Values{"configuration_id": {tc.cfg}}, tc.file, tc.content)
			if res.Status != http.StatusBadRequest {
				t.Errorf("%s: got %d, want 400", tc.name, res.Status)
				continue
			}
			if got := res.doc(t).Find("#e-" + tc.field).Text(); !strings.Contains(got, tc.want) {
				t.Errorf("%s: message of %s is %q, want it to contain %q", tc.name, tc.field, got, tc.want)
			}
		}
	})

	res = b.postFile("/console/applicants/imports", url.Values{"configuration_id": {"staff_badge"}}, "staff.csv", readTestdata(t, "staff_badge.csv"))
	m := jobPath.FindStringSubmatch(res.Header.Get("Location"))
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("upload: got %d %q\n%s", res.Status, res.Header.Get("Location"), res.Body)
	}
	jobID := m[1]
	page := b.get("/console/applicants/imports/" + jobID)
	d := page.doc(t)
	if page.Status != http.StatusOK || d.Find("form#mapping").Length() != 1 {
		t.Fatalf("mapping page: %d\n%s", page.Status, page.Body)
	}
	// Columns are guessed from their headers (semicolon CSV with a BOM).
	for label, want := range map[string]string{
		"External id": "Employee number", "…or given name": "First name", "…and family name": "Last name", "Email": "E-mail",
		"Phone": "Phone", "Address line 1": "Street", "Address line 3": "City", "Date of birth (birthdate)": "Date of birth",
		"First name (given_name) *": "First name", "Employee number (employee_id)": "Employee number",
	} {
		if got := selectedColumn(d, label); got != want {
			t.Errorf("guessed column of %q: %q, want %q", label, got, want)
		}
	}
	// The preview checks the whole file before anything is saved.
	if got := d.Find(".preview .summary").Text(); !strings.Contains(squash(got), "8 rows: 3 can be imported, 5 have errors") {
		t.Errorf("summary: %q", squash(got))
	}
	wantErrors := map[string]string{
		"4": "birthdate (column \"Date of birth\"): not a date (YYYY-MM-DD)",
		"5": "given_name: missing, and the claim is mandatory",
		"6": "external id: the same as in row 2",
		"7": "email (column \"E-mail\"): not an email address",
		"9": "external id: an applicant with this external id exists already",
	}
	checkRowErrors := func(t *testing.T, d *goquery.Document, sel string) {
		t.Helper()
		got := map[string]string{}
		d.Find(sel + " li").Each(func(_ int, s *goquery.Selection) {
			row, _ := s.Attr("data-row")
			got[row] = s.Text()
		})
		if len(got) != len(wantErrors) {
			t.Errorf("row errors: got %v", got)
		}
		for row, want := range wantErrors {
			if !strings.Contains(got[row], want) {
				t.Errorf("row %s: got %q, want it to contain %q", row, got[row], want)
			}
		}
	}
	checkRowErrors(t, d, ".preview ul.row-errors")
	if n, _ := h.app.store.CountApplicants(context.Background()); n != 2 {
		t.Fatalf("applicants before the import started: %d, want the 2 of the first import", n)
	}
	if got := d.Find(".preview-rows tbody tr").Length(); got != 8 {
		t.Errorf("preview rows: %d", got)
	}
	if !strings.Contains(d.Find(".preview-rows tbody tr").First().Text(), "Ada Lovelace") {
		t.Errorf("first preview row: %q", d.Find(".preview-rows tbody tr").First().Text())
	}

	form := mappingForm(t, d)
	t.Run("a mapping without a mandatory claim is refused with its field named", func(t *testing.T) {
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		field, _ := d.Find(`label:contains("(family_name)")`).Attr("for")
		bad.Set(strings.TrimPrefix(field, "f-"), "")
		for _, path := range []string{"/preview", "/start"} {
			res := b.postForm("/console/applicants/imports/"+jobID+path, bad)
			if res.Status != http.StatusBadRequest {
				t.Fatalf("%s: got %d, want 400", path, res.Status)
			}
			if msg := res.doc(t).Find(`[id="e-` + strings.TrimPrefix(field, "f-") + `"]`).Text(); !strings.Contains(msg, "mandatory") {
				t.Errorf("%s: field message %q", path, msg)
			}
		}
		if j, _ := h.app.applicants.Job(context.Background(), jobID); j.State != applicants.JobDraft {
			t.Fatalf("refused start changed the job: %s", j.State)
		}
	})
	t.Run("the preview follows a changed mapping", func(t *testing.T) {
		changed := url.Values{}
		for k, v := range form {
			changed[k] = v
		}
		changed.Set("email", "")
		res := b.postForm("/console/applicants/imports/"+jobID+"/preview", changed)
		if res.Status != http.StatusOK || !strings.Contains(squash(res.doc(t).Find(".summary").Text()), "4 can be imported, 4 have errors") {
			t.Fatalf("preview without email: %d %q", res.Status, squash(res.doc(t).Find(".summary").Text()))
		}
	})

	res = b.postForm("/console/applicants/imports/"+jobID+"/start", form)
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/console/applicants/imports/"+jobID {
		t.Fatalf("start: %d %q\n%s", res.Status, res.Header.Get("Location"), res.Body)
	}
	page = b.get("/console/applicants/imports/" + jobID)
	prog := page.doc(t).Find("#import-progress")
	if hx, _ := prog.Attr("hx-get"); hx != "/console/applicants/imports/"+jobID+"/progress" || !strings.Contains(prog.Text(), "pending") {
		t.Fatalf("job page before the worker ran: hx-get %q\n%s", hx, page.Body)
	}
	h.runImports(t)

	frag := b.do(http.MethodGet, "/console/applicants/imports/"+jobID+"/progress", http.Header{"HX-Request": {"true"}}, "")
	if frag.Status != http.StatusOK || frag.Header.Get("HX-Refresh") != "true" {
		t.Errorf("progress of an ended job: %d HX-Refresh %q", frag.Status, frag.Header.Get("HX-Refresh"))
	}
	page = b.get("/console/applicants/imports/" + jobID)
	d = page.doc(t)
	if _, polls := d.Find("#import-progress").Attr("hx-get"); polls {
		t.Errorf("an ended job must not poll")
	}
	if got := squash(d.Find("#import-progress .counts").Text()); got != "8 of 8 rows done: 3 imported, 5 skipped." {
		t.Errorf("counts: %q", got)
	}
	if v, _ := d.Find("#import-progress progress").Attr("value"); v != "100" {
		t.Errorf("progress value %q", v)
	}
	checkRowErrors(t, d, "ul.row-errors")

	csvRes := b.get("/console/applicants/imports/" + jobID + "/errors.csv")
	if csvRes.Status != http.StatusOK || !strings.HasPrefix(string(csvRes.Body), "row,error\n4,") || strings.Count(string(csvRes.Body), "\n") != 6 {
		t.Errorf("errors.csv: %d\n%s", csvRes.Status, csvRes.Body)
	}

	list := b.get("/console/applicants?import=" + jobID)
	var names []string
	list.doc(t).Find("table.applicants tbody tr td:first-child a").Each(func(_ int, s *goquery.Selection) { names = append(names, strings.TrimSpace(s.Text())) })
	if strings.Join(names, ",") != "Katherine Johnson,Grace Hopper,Ada Lovelace" {
		t.Errorf("applicants of the import, newest first: %v", names)
	}
	if flags := list.doc(t).Find(`table.applicants tbody tr:first-child .flag`).Text(); flags != applicants.FlagNoContact {
		t.Errorf("Katherine Johnson (no email, phone or address) flags: %q", flags)
	}
}

// squash collapses white space.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestConsoleApplicantViewEditDelete(t *testing.T) {
	h := newHarness(t)
	h.importFile(t, "staff_badge", "first.json", readTestdata(t, "staff_badge.json"))
	b := h.newBrowser(t, staff.RoleIssuer)
	var id string
	b.get("/console/applicants?q=frances").doc(t).Find("table.applicants tbody tr").Each(func(_ int, s *goquery.Selection) { id, _ = s.Attr("data-id") })
	if id == "" {
		t.Fatal("search for frances found nothing")
	}
	res := b.get("/console/applicants/" + id)
	d := res.doc(t)
	if res.Status != http.StatusOK || squash(d.Find("h1").Text()) != "Frances Allen" {
		t.Fatalf("view: %d %q", res.Status, d.Find("h1").Text())
	}
	for claim, want := range map[string]string{"given_name": "Frances", "family_name": "Allen", "birthdate": "1932-08-04", "employee_id": "E-200"} {
		if got := d.Find(`dd[data-claim="` + claim + `"]`).Text(); got != want {
			t.Errorf("claim %s shown as %q, want %q", claim, got, want)
		}
	}
	edit := b.get("/console/applicants/" + id + "/edit")
	ed := edit.doc(t)
	if edit.Status != http.StatusOK || ed.Find(`input[name=email]`).AttrOr("value", "") != "frances@example.org" {
		t.Fatalf("edit form: %d\n%s", edit.Status, edit.Body)
	}
	claimField := func(key string) string {
		name := ""
		ed.Find(".field label").Each(func(_ int, s *goquery.Selection) {
			if strings.Contains(s.Text(), "("+key+")") {
				name = strings.TrimPrefix(s.AttrOr("for", ""), "f-")
			}
		})
		if name == "" {
			t.Fatalf("no field for claim %s", key)
		}
		return name
	}
	form := url.Values{"external_id": {"E-200"}, "name": {"Frances E. Allen"}, "email": {"fran@example.org"}, "phone": {""}, "address": {"1 Main St\r\nPeekskill"},
		claimField("given_name"): {"Frances"}, claimField("family_name"): {"Allen"}, claimField("birthdate"): {"1932-08-04"}, claimField("employee_id"): {"E-200"}}

	t.Run("invalid values come back with field messages", func(t *testing.T) {
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("email", "not-an-email")
		bad.Set(claimField("birthdate"), "04.08.1932")
		bad.Set(claimField("given_name"), "")
		bad.Set("external_id", "E-099") // taken by Edsger Dijkstra
		res := b.postForm("/console/applicants/"+id, bad)
		if res.Status != http.StatusBadRequest {
			t.Fatalf("got %d, want 400", res.Status)
		}
		d := res.doc(t)
		for field, want := range map[string]string{"email": "email address", claimField("birthdate"): "not a date", claimField("given_name"): "mandatory"} {
			if got := d.Find(`[id="e-` + field + `"]`).Text(); !strings.Contains(strings.ToLower(got), want) {
				t.Errorf("message of %s: %q, want %q", field, got, want)
			}
		}
		if got := d.Find(`[name="`+claimField("birthdate")+`"]`).AttrOr("value", ""); got != "04.08.1932" {
			t.Errorf("the form must keep what was typed: %q", got)
		}
		// Field errors come first; a taken external id only shows once the
		// rest is valid.
		ok := url.Values{}
		for k, v := range form {
			ok[k] = v
		}
		ok.Set("external_id", "E-099")
		res = b.postForm("/console/applicants/"+id, ok)
		if res.Status != http.StatusBadRequest || !strings.Contains(res.doc(t).Find("#e-external_id").Text(), "Another applicant") {
			t.Errorf("taken external id: %d %q", res.Status, res.doc(t).Find("#e-external_id").Text())
		}
		a, _ := h.app.applicants.Get(context.Background(), id)
		if a.Email != "frances@example.org" {
			t.Errorf("a refused edit changed the applicant: %+v", a)
		}
	})

	res = b.postForm("/console/applicants/"+id, form)
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/console/applicants/"+id {
		t.Fatalf("save: %d %q\n%s", res.Status, res.Header.Get("Location"), res.Body)
	}
	a, err := h.app.applicants.Get(context.Background(), id)
	if err != nil || a.Name != "Frances E. Allen" || a.Email != "fran@example.org" || a.Address != "1 Main St\nPeekskill" || a.Phone != "" {
		t.Fatalf("after save: %+v %v", a, err)
	}
	if _, ok := a.Claims["birthdate"]; !ok || a.Claims["given_name"] != "Frances" {
		t.Errorf("claims after save: %v", a.Claims)
	}
	view := b.get("/console/applicants/" + id).doc(t)
	if view.Find(".flash").Text() != "Saved." || view.Find("dd.address").Text() != "1 Main St\nPeekskill" {
		t.Errorf("view after save: flash %q address %q", view.Find(".flash").Text(), view.Find("dd.address").Text())
	}
	evs, _ := h.app.store.AuditEvents(context.Background(), "applicant", id)
	if len(evs) != 1 || evs[0].Action != "applicant.updated" || evs[0].Actor.Kind != "staff" || !strings.Contains(evs[0].Details["changed"], "email") {
		t.Errorf("audit of the edit: %+v", evs)
	}
	if strings.Contains(fmt.Sprint(evs), "fran@example.org") {
		t.Errorf("the audit event holds applicant data: %+v", evs)
	}

	confirm := b.get("/console/applicants/" + id + "/delete")
	if confirm.Status != http.StatusOK || confirm.doc(t).Find(`form[action="/console/applicants/`+id+`/delete"] button.danger`).Length() != 1 {
		t.Fatalf("delete confirmation: %d\n%s", confirm.Status, confirm.Body)
	}
	if res := b.postForm("/console/applicants/"+id+"/delete", nil); res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/console/applicants" {
		t.Fatalf("delete: %d %q", res.Status, res.Header.Get("Location"))
	}
	if res := b.get("/console/applicants/" + id); res.Status != http.StatusNotFound {
		t.Fatalf("deleted applicant: %d", res.Status)
	}
	evs, _ = h.app.store.AuditEvents(context.Background(), "applicant", id)
	if evs[len(evs)-1].Action != "applicant.deleted" {
		t.Errorf("no delete event: %+v", evs)
	}
}

func TestConsoleApplicantsListSearchAndPages(t *testing.T) {
	h := newHarness(t)
	var csv strings.Builder
	csv.WriteString("employee_id,given_name,family_name,email\n")
	for i := range 120 {
		email := fmt.Sprintf("p%03d@example.org", i)
		if i%10 == 0 {
			email = "" // flagged no_contact
		}
		fmt.Fprintf(&csv, "E%03d,Person,Number %03d,%s\n", i, i, email)
	}
	j := h.importFile(t, "staff_badge", "many.csv", []byte(csv.String()))
	if j.Imported != 120 {
		t.Fatalf("imported %d", j.Imported)
	}
	b := h.newBrowser(t, staff.RoleAuditor) // reading needs no more
	seen := map[string]bool{}
	page := b.get("/console/applicants")
	var pages int
	for {
		pages++
		d := page.doc(t)
		d.Find("table.applicants tbody tr").Each(func(_ int, s *goquery.Selection) { seen[s.AttrOr("data-id", "")] = true })
		next, ok := d.Find(`a[rel=next]`).Attr("href")
		if !ok {
			break
		}
		if _, prev := d.Find(`a[rel=prev]`).Attr("href"); pages > 1 && !prev {
			t.Errorf("page %d has no previous link", pages)
		}
		page = b.get(next)
	}
	if len(seen) != 120 || pages != 3 {
		t.Errorf("walked %d pages, saw %d applicants; want 3 and 120", pages, len(seen))
	}
	// Back from the last page gives the 50 before it.
	prev, _ := page.doc(t).Find(`a[rel=prev]`).Attr("href")
	if n := b.get(prev).doc(t).Find("table.applicants tbody tr").Length(); n != 50 {
		t.Errorf("previous page: %d rows", n)
	}
	for q, want := range map[string]int{"person number 11": 10, "P11": 9, "E119": 1, "nobody": 0} {
		if n := b.get("/console/applicants?q=" + url.QueryEscape(q)).doc(t).Find("table.applicants tbody tr").Length(); n != want {
			t.Errorf("search %q: %d rows, want %d", q, n, want)
		}
	}
	if n := b.get("/console/applicants?flagged=1").doc(t).Find("table.applicants tbody tr").Length(); n != 12 {
		t.Errorf("flagged: %d rows, want 12", n)
	}
	d := b.get("/console/applicants?sort=name&configuration=staff_badge").doc(t)
	if first := squash(d.Find("table.applicants tbody tr td:first-child a").First().Text()); first != "Person Number 000" {
		t.Errorf("by name, first: %q", first)
	}
	if res := b.get("/console/applicants?cursor=garbage"); res.Status != http.StatusSeeOther {
		t.Errorf("damaged cursor: %d", res.Status)
	}
	if d.Find(`a[href="/console/applicants/imports/new"]`).Length() != 0 {
		t.Errorf("an auditor is offered the upload")
	}
}

func TestConsoleApplicantsPermissions(t *testing.T) {
	h := newHarness(t)
	j := h.importFile(t, "staff_badge", "first.json", readTestdata(t, "staff_badge.json"))
	a, _, err := h.app.applicants.List(context.Background(), applicants.Filter{ImportJobID: j.ID}, applicants.Page{})
	if err != nil || len(a) != 2 {
		t.Fatal(err)
	}
	id := a[0].ID
	for _, role := range []string{staff.RoleAuditor, staff.RoleReviewer} {
		b := h.newBrowser(t, role)
		for _, path := range []string{"/console/applicants", "/console/applicants/" + id, "/console/applicants/imports", "/console/applicants/imports/" + j.ID} {
			if res := b.get(path); res.Status != http.StatusOK {
				t.Errorf("%s reads %s: %d", role, path, res.Status)
			}
		}
		for _, path := range []string{"/console/applicants/imports/new", "/console/applicants/" + id + "/edit", "/console/applicants/" + id + "/delete"} {
			if res := b.get(path); res.Status != http.StatusForbidden {
				t.Errorf("%s GET %s: %d, want 403", role, path, res.Status)
			}
		}
		for _, path := range []string{"/console/applicants/" + id, "/console/applicants/" + id + "/delete", "/console/applicants/imports/" + j.ID + "/cancel"} {
			if res := b.postForm(path, url.Values{"name": {"x"}}); res.Status != http.StatusForbidden {
				t.Errorf("%s POST %s: %d, want 403", role, path, res.Status)
			}
		}
		if res := b.postFile("/console/applicants/imports", url.Values{"configuration_id": {"staff_badge"}}, "a.json", readTestdata(t, "staff_badge.json")); res.Status != http.StatusForbidden {
			t.Errorf("%s uploads: %d, want 403", role, res.Status)
		}
	}
	issuer := h.newBrowser(t, staff.RoleIssuer)
	forged := issuer.do(http.MethodPost, "/console/applicants/"+id+"/delete", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}, "")
	if forged.Status != http.StatusForbidden {
		t.Errorf("forged cross-site delete: %d, want 403", forged.Status)
	}
	if _, err := h.app.applicants.Get(context.Background(), id); err != nil {
		t.Errorf("the forged post deleted the applicant: %v", err)
	}
	if res := issuer.get("/console/applicants/apl_nope"); res.Status != http.StatusNotFound {
		t.Errorf("unknown applicant: %d", res.Status)
	}
	if res := issuer.get("/console/applicants/imports/imp_nope"); res.Status != http.StatusNotFound {
		t.Errorf("unknown import: %d", res.Status)
	}
}

func TestConsoleImportCancelAndDiscard(t *testing.T) {
	h := newHarness(t)
	b := h.newBrowser(t, staff.RoleIssuer)
	upload := func() string {
		res := b.postFile("/console/applicants/imports", url.Values{"configuration_id": {"staff_badge"}}, "s.json", readTestdata(t, "staff_badge.json"))
		m := jobPath.FindStringSubmatch(res.Header.Get("Location"))
		if m == nil {
			t.Fatalf("upload: %d\n%s", res.Status, res.Body)
		}
		return m[1]
	}
	draft := upload()
	if res := b.postForm("/console/applicants/imports/"+draft+"/cancel", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("discard: %d", res.Status)
	}
	d := b.get("/console/applicants/imports/" + draft).doc(t)
	if !strings.Contains(d.Find("#import-progress").Text(), "cancelled") || d.Find("form#mapping").Length() != 0 {
		t.Errorf("discarded upload page:\n%s", d.Text())
	}
	if _, err := h.app.store.ImportJobFile(context.Background(), draft); err == nil {
		t.Errorf("the discarded file is still stored")
	}
	if res := b.postForm("/console/applicants/imports/"+draft+"/cancel", nil); res.Status != http.StatusConflict {
		t.Errorf("cancel twice: %d, want 409", res.Status)
	}

	pending := upload()
	d = b.get("/console/applicants/imports/" + pending).doc(t)
	if res := b.postForm("/console/applicants/imports/"+pending+"/start", mappingForm(t, d)); res.Status != http.StatusSeeOther {
		t.Fatalf("start: %d", res.Status)
	}
	if res := b.postForm("/console/applicants/imports/"+pending+"/cancel", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", res.Status)
	}
	h.runImports(t)
	if j, _ := h.app.applicants.Job(context.Background(), pending); j.State != applicants.JobCancelled || j.Imported != 0 {
		t.Errorf("cancelled before the worker ran: %+v", j)
	}
	list := b.get("/console/applicants/imports").doc(t)
	if list.Find("table.imports tbody tr").Length() != 2 {
		t.Errorf("imports list:\n%s", list.Text())
	}
}

// TestBrowserApplicantsUploadAndImport drives chromium: upload a 1 000-row
// CSV with two bad rows, see them named on the mapping page, start the
// import and watch the progress bar (htmx polling) reach the end.
func TestBrowserApplicantsUploadAndImport(t *testing.T) {
	ctx := newChrome(t)
	h := newHarness(t)
	wctx, stop := context.WithCancel(context.Background())
	defer stop()
	go h.app.applicants.RunWorker(wctx, 100*time.Millisecond)
	signIn(t, ctx, h, staff.RoleIssuer)

	var csv strings.Builder
	csv.WriteString("Employee number,First name,Last name,Date of birth,Email,Street,City\n")
	for i := range 1000 {
		birth := fmt.Sprintf("19%02d-%02d-%02d", 50+i%40, 1+i%12, 1+i%28)
		email := fmt.Sprintf("person%d@example.org", i)
		switch i {
		case 99: // file row 101
			birth = "1970-13-01"
		case 499: // file row 501
			email = "not an address"
		}
		fmt.Fprintf(&csv, "E%04d,Person,Number %04d,%s,%s,%d Main Street,Springfield\n", i, i, birth, email, i+1)
	}
	file := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(h.url+"/console/applicants/imports/new"),
		chromedp.WaitVisible(chromedp.CSS(`input[type=file]`)),
		chromedp.SetValue(chromedp.CSS(`select[name=configuration_id]`), "staff_badge"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{file}),
	)
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "applicants-upload")
	if err := chromedp.Do(ctx, chromedp.Submit(chromedp.CSS(`input[type=file]`)), chromedp.WaitVisible(chromedp.CSS(`form#mapping`))); err != nil {
		t.Fatalf("upload: %v", err)
	}
	summary, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.preview .summary`)))
	if err != nil {
		t.Fatal(err)
	}
	if squash(summary) != "1000 rows: 998 can be imported, 2 have errors." {
		t.Errorf("summary: %q", summary)
	}
	bad, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.preview ul.row-errors`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bad, "Row 101: birthdate") || !strings.Contains(bad, "Row 501: email") {
		t.Errorf("bad rows on the mapping page: %q", bad)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form#mapping .form-actions button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#import-progress`)),
		// The page polls the progress and reloads itself when the job has
		// ended; the list of skipped rows appears then.
		chromedp.WaitVisible(chromedp.CSS(`ul.row-errors`)),
	)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	counts, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#import-progress .counts`)))
	if err != nil {
		t.Fatal(err)
	}
	if squash(counts) != "1000 of 1000 rows done: 998 imported, 2 skipped." {
		t.Errorf("counts: %q", counts)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(h.url+"/console/applicants"), chromedp.WaitVisible(chromedp.CSS(`table.applicants`))); err != nil {
		t.Fatal(err)
	}
}
