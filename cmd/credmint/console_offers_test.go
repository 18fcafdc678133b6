package main

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"credmint/app/applicants"
	"credmint/app/audit"
	"credmint/app/credential"
	"credmint/app/delivery"
	"credmint/app/issuance"
	"credmint/app/staff"
	"credmint/config"
)

var offerPath = regexp.MustCompile(`^/console/offers/(off_[A-Za-z0-9_-]+)$`)

// createConsoleOffer posts the new-offer form and returns the offer id.
func createConsoleOffer(t *testing.T, b *browser, form url.Values) string {
	t.Helper()
	res := b.postForm("/console/offers", form)
	m := offerPath.FindStringSubmatch(res.Header.Get("Location"))
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("create offer: got %d %q\n%s", res.Status, res.Header.Get("Location"), res.Body)
	}
	return m[1]
}

func TestConsoleOfferCreateAndShow(t *testing.T) {
	h := newHarness(t)
	issuer := h.newBrowser(t, staff.RoleIssuer)
	a := h.newApplicant(t, "Ada Lovelace", "", "", "12 St James's Square\nLondon SW1Y 4JH")

	res := issuer.get("/console/offers/new?applicant=" + a.ID)
	d := res.doc(t)
	if res.Status != http.StatusOK || !strings.Contains(d.Find("form").Text(), "Ada Lovelace") || d.Find(`select[name=delivery_channel]`).Length() != 1 {
		t.Fatalf("new offer form: %d\n%s", res.Status, res.Body)
	}
	// Email is not configured: the form does not offer it.
	if d.Find(`select[name=delivery_channel] option[value=email]`).Length() != 0 {
		t.Error("email offered without smtp")
	}

	t.Run("invalid", func(t *testing.T) {
		for name, tc := range map[string]struct {
			form  url.Values
			field string
		}{
			"unknown channel":  {url.Values{"applicant_id": {a.ID}, "delivery_channel": {"pigeon"}, "tx_code_channel": {"print"}}, "delivery_channel"},
			"email not set up": {url.Values{"applicant_id": {a.ID}, "delivery_channel": {"email"}, "tx_code_channel": {"print"}}, "delivery_channel"},
			"bad days":         {url.Values{"applicant_id": {a.ID}, "delivery_channel": {"print"}, "tx_code_channel": {"print"}, "expires_in_days": {"400"}}, "expires_in_days"},
			"no applicant":     {url.Values{"applicant_id": {"app_nope"}, "delivery_channel": {"print"}, "tx_code_channel": {"print"}}, "applicant_id"},
		} {
			res := issuer.postForm("/console/offers", tc.form)
			if res.Status != http.StatusBadRequest {
				t.Errorf("%s: got %d, want 400", name, res.Status)
				continue
			}
			d := res.doc(t)
			msg := d.Find("#e-" + tc.field).Text()
			if msg == "" {
				msg = d.Find(".error").Text()
			}
			if msg == "" {
				t.Errorf("%s: no message for %s:\n%s", name, tc.field, res.Body)
			}
		}
		noPhone := h.newApplicant(t, "No Phone", "", "", "Street 1")
		res := issuer.postForm("/console/offers", url.Values{"applicant_id": {noPhone.ID}, "delivery_channel": {"none"}, "tx_code_channel": {"email"}})
		if res.Status != http.StatusBadRequest || res.doc(t).Find("#e-tx_code_channel").Text() == "" {
			t.Errorf("email PIN without smtp: %d", res.Status)
		}
	})

	id := createConsoleOffer(t, issuer, url.Values{"applicant_id": {a.ID}, "delivery_channel": {"print"}, "tx_code_channel": {"print"}, "expires_in_days": {"14"}})
	res = issuer.get("/console/offers/" + id)
	d = res.doc(t)
	if res.Status != http.StatusOK {
		t.Fatalf("offer page: %d", res.Status)
	}
	if got := d.Find(".flash").Text(); got != "Offer created." {
		t.Errorf("flash %q", got)
	}
	o, _ := h.app.issuance.Offer(context.Background(), id)
	links, _ := h.app.issuance.Links(o)
	if got, _ := d.Find("input.deep-link").Attr("value"); got != links.OfferURI {
		t.Errorf("deep link %q, want %q", got, links.OfferURI)
	}
	if got, _ := d.Find("input.landing-link").Attr("value"); got != links.LandingURL || !strings.Contains(got, "/c/") {
		t.Errorf("landing link %q", got)
	}
	if src, _ := d.Find(".qr img").Attr("src"); src != "/console/offers/"+id+"/qr.svg" {
		t.Errorf("QR img src %q", src)
	}
	for sel, want := range map[string]string{".delivery-channel": "letter", ".tx-code-channel": "printed slip", "dd.tx-code-policy": "6 numeric"} {
		if got := d.Find(sel).Text(); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", sel, got, want)
		}
	}
	if got := d.Find(".applicant, dd a[href='/console/applicants/" + a.ID + "']").Text(); got != "Ada Lovelace" {
		t.Errorf("applicant link: %q", got)
	}
	if !o.ExpiresAt.After(h.app.now().Add(13*24*time.Hour)) || o.ExpiresAt.After(h.app.now().Add(15*24*time.Hour)) {
		t.Errorf("expiry %v, want 14 days", o.ExpiresAt)
	}
	steps := d.Find("ol.timeline li")
	if steps.Length() != 6 || !steps.First().HasClass("reached") || steps.Eq(1).HasClass("reached") {
		t.Errorf("timeline: %d steps, created reached %v", steps.Length(), steps.First().HasClass("reached"))
	}
	if o.ApplicantID != a.ID || o.TxCodeSealed == nil {
		t.Errorf("stored offer: applicant %q, sealed PIN %v", o.ApplicantID, o.TxCodeSealed != nil)
	}

	t.Run("QR downloads", func(t *testing.T) {
		res := issuer.get("/console/offers/" + id + "/qr.png?download=1")
		if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "image/png" || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("png: %d %v", res.Status, res.Header)
		}
		if got := decodeQR(t, res.Body); got != links.OfferURI {
			t.Errorf("PNG QR decodes to %q", got)
		}
		res = issuer.get("/console/offers/" + id + "/qr.svg")
		if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(string(res.Body), "<svg") {
			t.Errorf("svg: %d %s", res.Status, res.Header.Get("Content-Type"))
		}
	})

	t.Run("list", func(t *testing.T) {
		res := issuer.get("/console/offers")
		d := res.doc(t)
		row := d.Find("tr#offer-" + id)
		if res.Status != http.StatusOK || row.Length() != 1 || !strings.Contains(row.Text(), "Ada Lovelace") || !strings.Contains(row.Text(), "letter") {
			t.Fatalf("list: %d, row %q", res.Status, row.Text())
		}
		if res := issuer.get("/console/offers?state=revoked"); res.doc(t).Find("tr#offer-"+id).Length() != 0 {
			t.Error("the open offer is listed as revoked")
		}
		if res := issuer.get("/console/offers?state=open"); res.doc(t).Find("tr#offer-"+id).Length() != 1 {
			t.Error("the open offer is not listed as open")
		}
	})

	t.Run("auditor reads without secrets and changes nothing", func(t *testing.T) {
		auditor := h.newBrowser(t, staff.RoleAuditor)
		res := auditor.get("/console/offers/" + id)
		d := res.doc(t)
		if res.Status != http.StatusOK || d.Find(".qr").Length() != 0 || d.Find("input.deep-link").Length() != 0 || d.Find(".actions").Length() != 0 {
			t.Fatalf("auditor sees secrets or actions: %d", res.Status)
		}
		if strings.Contains(string(res.Body), links.OfferURI) || strings.Contains(string(res.Body), "/c/") {
			t.Error("the offer page shows an auditor the offer link")
		}
		for _, path := range []string{"/console/offers/" + id + "/qr.png", "/console/offers/" + id + "/qr.svg", "/console/offers/new", "/console/offers/batches/new"} {
			if res := auditor.get(path); res.Status != http.StatusForbidden {
				t.Errorf("GET %s as auditor: %d, want 403", path, res.Status)
			}
		}
		for _, path := range []string{"/console/offers", "/console/offers/" + id + "/revoke", "/console/offers/" + id + "/resend",
			"/console/offers/" + id + "/tx-code", "/console/offers/" + id + "/extend", "/console/offers/letters", "/console/offers/letters.pdf", "/console/offers/batches"} {
			if res := auditor.postForm(path, url.Values{"offer": {id}, "applicant_id": {a.ID}}); res.Status != http.StatusForbidden {
				t.Errorf("POST %s as auditor: %d, want 403", path, res.Status)
			}
		}
		reviewer := h.newBrowser(t, staff.RoleReviewer)
		if res := reviewer.postForm("/console/offers/"+id+"/revoke", nil); res.Status != http.StatusForbidden {
			t.Errorf("revoke as reviewer: %d", res.Status)
		}
		if o, _ := h.app.issuance.Offer(context.Background(), id); o.State != issuance.OfferCreated {
			t.Errorf("refused posts changed the offer: %s", o.State)
		}
	})

	t.Run("forged cross-site post", func(t *testing.T) {
		res := issuer.do(http.MethodPost, "/console/offers/"+id+"/revoke", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"},
			"Content-Type": {"application/x-www-form-urlencoded"}}, "")
		if res.Status != http.StatusForbidden {
			t.Fatalf("forged revoke: %d", res.Status)
		}
		if o, _ := h.app.issuance.Offer(context.Background(), id); o.State == issuance.OfferRevoked {
			t.Error("the forged post revoked the offer")
		}
	})
}

// TestConsoleApplicantPagesLinkToOffers checks the ways from the applicants
// pages to the offers pages: "Create offer" and the applicant's offers on an
// applicant's page, "Create offers for this import" on a finished import,
// each leading to a form or list that has the applicant or import chosen.
func TestConsoleApplicantPagesLinkToOffers(t *testing.T) {
	h := newHarness(t)
	j := h.importFile(t, "staff_badge", "first.json", readTestdata(t, "staff_badge.json"))
	list, _, err := h.app.applicants.List(context.Background(), applicants.Filter{ImportJobID: j.ID}, applicants.Page{})
	if err != nil || len(list) == 0 {
		t.Fatalf("imported applicants: %d, %v", len(list), err)
	}
	a := list[0]
	applicantPage, importPage := "/console/applicants/"+a.ID, "/console/applicants/imports/"+j.ID
	newOffer, offersOf, newBatch := "/console/offers/new?applicant="+a.ID, "/console/offers?applicant="+a.ID, "/console/offers/batches/new?import="+j.ID

	issuer := h.newBrowser(t, staff.RoleIssuer)
	d := issuer.get(applicantPage).doc(t)
	if got := d.Find("a.new-offer").AttrOr("href", ""); got != newOffer || squash(d.Find("a.new-offer").Text()) != "Create offer" {
		t.Errorf("issuer, applicant page: Create offer links to %q, want %q", got, newOffer)
	}
	if got := d.Find("a.applicant-offers").AttrOr("href", ""); got != offersOf {
		t.Errorf("issuer, applicant page: offers link %q, want %q", got, offersOf)
	}
	credsOf := "/console/credentials?applicant_id=" + a.ID
	if got := d.Find("a.applicant-credentials").AttrOr("href", ""); got != credsOf {
		t.Errorf("issuer, applicant page: credentials link %q, want %q", got, credsOf)
	} else if res := issuer.get(credsOf); res.Status != http.StatusOK || res.doc(t).Find(`input[name=applicant_id]`).AttrOr("value", "") != a.ID {
		t.Errorf("the Credentials link leads to %d, a page not filtered by the applicant", res.Status)
	}
	if res := issuer.get(newOffer); res.Status != http.StatusOK || res.doc(t).Find(`input[name=applicant_id]`).AttrOr("value", "") != a.ID {
		t.Errorf("the Create offer link leads to a form without the applicant: %d", res.Status)
	}
	if res := issuer.get(offersOf); res.Status != http.StatusOK || res.doc(t).Find(`input[name=applicant]`).AttrOr("value", "") != a.ID {
		t.Errorf("the offers link does not filter by the applicant: %d", res.Status)
	}
	d = issuer.get(importPage).doc(t)
	if got := d.Find("a.new-batch").AttrOr("href", ""); got != newBatch || squash(d.Find("a.new-batch").Text()) != "Create offers for this import" {
		t.Errorf("issuer, finished import: batch link %q, want %q", got, newBatch)
	}
	if res := issuer.get(newBatch); res.Status != http.StatusOK || res.doc(t).Find(`select[name=import_job_id] option[value="`+j.ID+`"][selected]`).Length() != 1 {
		t.Errorf("the batch form does not preselect the import: %d", res.Status)
	}

	// An import that has not run yet offers no batch.
	pending, err := h.app.applicants.Upload(context.Background(), applicants.UploadRequest{ConfigurationID: "staff_badge", FileName: "second.json",
		Data: []byte(`[{"employee_id": "E-300", "given_name": "Barbara", "family_name": "Liskov", "birthdate": "1939-11-07"}]`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.app.applicants.Start(context.Background(), pending.ID, applicants.StartRequest{Mapping: pending.Mapping}); err != nil {
		t.Fatal(err)
	}
	if n := issuer.get("/console/applicants/imports/" + pending.ID).doc(t).Find("a.new-batch").Length(); n != 0 {
		t.Error("a pending import links to the batch form")
	}

	// Staff who may not make offers see no way to make them; the list of
	// the applicant's offers is theirs to read.
	auditor := h.newBrowser(t, staff.RoleAuditor)
	d = auditor.get(applicantPage).doc(t)
	if n := d.Find("a.new-offer").Length(); n != 0 {
		t.Error("auditor, applicant page: Create offer shown")
	}
	if got := d.Find("a.applicant-offers").AttrOr("href", ""); got != offersOf {
		t.Errorf("auditor, applicant page: offers link %q, want %q", got, offersOf)
	}
	if n := auditor.get(importPage).doc(t).Find("a.new-batch").Length(); n != 0 {
		t.Error("auditor, finished import: Create offers for this import shown")
	}
}

func TestConsoleOfferActions(t *testing.T) {
	h := newHarness(t)
	issuer := h.newBrowser(t, staff.RoleIssuer)
	a := h.newApplicant(t, "Grace Hopper", "", "", "1 Navy Yard\nArlington")
	id := createConsoleOffer(t, issuer, url.Values{"applicant_id": {a.ID}, "delivery_channel": {"print"}, "tx_code_channel": {"print"}})
	ctx := context.Background()

	t.Run("extend", func(t *testing.T) {
		until := h.app.now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Minute)
		res := issuer.postForm("/console/offers/"+id+"/extend", url.Values{"expires_at": {until.Format("2006-01-02T15:04")}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("extend: %d\n%s", res.Status, res.Body)
		}
		if o, _ := h.app.issuance.Offer(ctx, id); !o.ExpiresAt.Equal(until) {
			t.Errorf("expires %v, want %v", o.ExpiresAt, until)
		}
		for _, bad := range []string{"tomorrow", h.app.now().Add(-time.Hour).UTC().Format("2006-01-02T15:04"), h.app.now().Add(200 * 24 * time.Hour).UTC().Format("2006-01-02T15:04")} {
			res := issuer.postForm("/console/offers/"+id+"/extend", url.Values{"expires_at": {bad}})
			if res.Status != http.StatusBadRequest || res.doc(t).Find("#e-expires_at").Text() == "" {
				t.Errorf("extend to %q: %d, want 400 with a field message", bad, res.Status)
			}
		}
		evs, _ := h.app.store.AuditEvents(ctx, "offer", id)
		last := evs[len(evs)-1]
		if last.Action != "offer.extended" || last.Actor.Kind != "staff" {
			t.Errorf("audit: %+v", last)
		}
	})

	t.Run("resend a printed offer explains itself", func(t *testing.T) {
		res := issuer.postForm("/console/offers/"+id+"/resend", nil)
		if res.Status != http.StatusConflict || !strings.Contains(res.doc(t).Find(".flash.error").Text(), "print the letter again") {
			t.Errorf("resend: %d\n%s", res.Status, res.Body)
		}
	})

	t.Run("print the letter", func(t *testing.T) {
		o, _ := h.app.issuance.Offer(ctx, id)
		pin, _ := h.app.issuance.PrintableTxCode(o)
		res := issuer.postForm("/console/offers/letters", url.Values{"offer": {id}, "layout": {"slip"}})
		d := res.doc(t)
		letter := d.Find("article.letter#letter-" + id)
		if res.Status != http.StatusOK || letter.Length() != 1 {
			t.Fatalf("letter: %d\n%s", res.Status, res.Body)
		}
		if got := letter.Find(".recipient").Text(); !strings.Contains(got, "Grace Hopper") || !strings.Contains(got, "1 Navy Yard") || !strings.Contains(got, "Arlington") {
			t.Errorf("address block %q", got)
		}
		if got := strings.ReplaceAll(letter.Find(".slip .pin").Text(), " ", ""); got != pin || len(pin) != 6 {
			t.Errorf("slip PIN %q, want %q", got, pin)
		}
		src, _ := letter.Find("img.qr").Attr("src")
		raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(src, "data:image/png;base64,"))
		if err != nil {
			t.Fatal(err)
		}
		links, _ := h.app.issuance.Links(o)
		if got := decodeQR(t, raw); got != links.OfferURI {
			t.Errorf("letter QR decodes to %q", got)
		}
		if letter.Find(".body").Text() == "" || strings.Contains(letter.Find(".body").Text(), pin) {
			t.Error("the PIN must be only on the slip")
		}
		res = issuer.postForm("/console/offers/letters", url.Values{"offer": {id}, "layout": {"letters"}})
		if res.doc(t).Find(".slip").Length() != 0 {
			t.Error("layout letters printed a slip")
		}
		if o, _ := h.app.issuance.Offer(ctx, id); o.DeliveredAt == nil {
			t.Error("printing did not mark the offer delivered")
		}
		res = issuer.postForm("/console/offers/letters.pdf", url.Values{"offer": {id}, "layout": {"pins"}})
		if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" || pdfPages(t, res.Body) != 1 {
			t.Errorf("pdf: %d %s", res.Status, res.Header.Get("Content-Type"))
		}
		res = issuer.postForm("/console/offers/letters.pdf", url.Values{"layout": {"slip"}})
		if res.Status != http.StatusSeeOther {
			t.Errorf("pdf of nothing: %d", res.Status)
		}
	})

	t.Run("new PIN for a locked offer", func(t *testing.T) {
		o, _ := h.app.issuance.Offer(ctx, id)
		old, _ := h.app.issuance.PrintableTxCode(o)
		if err := h.app.store.LockOffer(ctx, id, h.app.now(), lockEvent(id)); err != nil {
			t.Fatal(err)
		}
		res := issuer.get("/console/offers/" + id)
		if res.doc(t).Find(`form[action$="/tx-code"]`).Length() != 1 {
			t.Fatal("no new-PIN action on a locked offer")
		}
		res = issuer.postForm("/console/offers/"+id+"/tx-code", nil)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("regenerate: %d\n%s", res.Status, res.Body)
		}
		o, _ = h.app.issuance.Offer(ctx, id)
		pin, _ := h.app.issuance.PrintableTxCode(o)
		if o.State != issuance.OfferCreated || o.TxCodeAttempts != 0 || pin == "" || pin == old {
			t.Errorf("after regenerate: %s, %d attempts, new PIN sealed %v", o.State, o.TxCodeAttempts, pin != "" && pin != old)
		}
		res = issuer.postForm("/console/offers/letters", url.Values{"offer": {id}})
		if got := strings.ReplaceAll(res.doc(t).Find(".slip .pin").Text(), " ", ""); got != pin {
			t.Errorf("reprint carries %q, want the new PIN", got)
		}
	})

	t.Run("revoke", func(t *testing.T) {
		res := issuer.postForm("/console/offers/"+id+"/revoke", nil)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", res.Status)
		}
		res = issuer.get("/console/offers/" + id)
		d := res.doc(t)
		if d.Find(".page-head .badge").Text() != "revoked" || d.Find(".qr").Length() != 0 {
			t.Errorf("revoked offer page: state %q, QR shown %v", d.Find(".page-head .badge").Text(), d.Find(".qr").Length() != 0)
		}
		last := d.Find("ol.timeline li").Last()
		if !last.HasClass("end") || !strings.Contains(last.Text(), "Revoked") {
			t.Errorf("timeline end: %q", last.Text())
		}
		if o, _ := h.app.issuance.Offer(ctx, id); o.TxCodeSealed != nil {
			t.Error("revoking must wipe the sealed PIN")
		}
		res = issuer.postForm("/console/offers/"+id+"/revoke", nil)
		if res.Status != http.StatusSeeOther || !strings.Contains(issuer.get("/console/offers/"+id).doc(t).Find(".flash.error").Text(), "not possible") {
			t.Errorf("second revoke: %d", res.Status)
		}
		if res := issuer.get("/console/offers/" + id + "/qr.png"); res.Status != http.StatusNotFound {
			t.Errorf("QR of a revoked offer: %d", res.Status)
		}
		if res := issuer.get("/console/offers/off_nope"); res.Status != http.StatusNotFound {
			t.Errorf("missing offer: %d", res.Status)
		}
	})
}

func lockEvent(id string) audit.Event {
	return audit.Event{At: time.Now(), Action: "offer.locked", SubjectType: "offer", SubjectID: id}
}

func TestConsoleOfferBatch(t *testing.T) {
	h := newHarness(t)
	issuer := h.newBrowser(t, staff.RoleIssuer)
	// The PDF's font has no Chinese: the batch page says so before the PDF
	// is made.
	for _, name := range []string{"Ann One", "王秀英 Wang", "Cat Three"} {
		h.newApplicant(t, name, "", "", "Main St 1\nTown")
	}
	res := issuer.get("/console/offers/batches/new?configuration=staff_badge")
	if res.Status != http.StatusOK || res.doc(t).Find(`select[name=configuration_id] option[value=staff_badge][selected]`).Length() != 1 {
		t.Fatalf("batch form: %d\n%s", res.Status, res.Body)
	}
	res = issuer.postForm("/console/offers/batches", url.Values{"delivery_channel": {"print"}, "tx_code_channel": {"print"}})
	if res.Status != http.StatusBadRequest || res.doc(t).Find("#e-selection").Text() == "" {
		t.Fatalf("batch without a selection: %d", res.Status)
	}
	res = issuer.postForm("/console/offers/batches", url.Values{"configuration_id": {"staff_badge"}, "delivery_channel": {"print"}, "tx_code_channel": {"print"}})
	loc := res.Header.Get("Location")
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/offers/batches/bat_") {
		t.Fatalf("start batch: %d %q", res.Status, loc)
	}
	batchID := strings.TrimPrefix(loc, "/console/offers/batches/")
	d := issuer.get(loc).doc(t)
	if hx, _ := d.Find("#batch-progress").Attr("hx-get"); hx != loc+"/progress" {
		t.Errorf("a running batch polls its progress: hx-get %q", hx)
	}
	if err := h.app.delivery.RunBatches(context.Background(), "test"); err != nil {
		t.Fatal(err)
	}
	res = issuer.get(loc + "/progress")
	d = res.doc(t)
	if _, polls := d.Find("#batch-progress").Attr("hx-get"); polls || !strings.Contains(d.Find(".batch-counts").Text(), "3 offers created") {
		t.Errorf("finished batch progress: %s", res.Body)
	}
	if v, _ := d.Find("progress").Attr("value"); v != "3" {
		t.Errorf("progress value %q", v)
	}
	d = issuer.get("/console/offers?batch=" + batchID).doc(t)
	if n := d.Find("table.offers tbody tr").Length(); n != 3 {
		t.Errorf("offers of the batch: %d", n)
	}
	d = issuer.get(loc).doc(t)
	warning := d.Find(".unprintable")
	links := warning.Find("li a")
	if !strings.Contains(warning.Text(), "1 letter has characters the PDF's font cannot print") || links.Length() != 1 || links.Text() != "王秀英 Wang" {
		t.Errorf("the finished batch's page does not name the one letter the PDF cannot print: %q", squash(warning.Text()))
	}
	href, _ := links.Attr("href")
	if !strings.HasPrefix(href, "/console/offers/off_") {
		t.Errorf("the unprintable letter's link: %q, want its offer's page", href)
	}
	evs, err := h.app.store.AuditEvents(context.Background(), "offer", strings.TrimPrefix(href, "/console/offers/"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Action == "offer.printed" {
			t.Errorf("looking for unprintable letters recorded a print: %+v", ev)
		}
	}
	res = issuer.postForm("/console/offers/letters.pdf", url.Values{"batch": {batchID}, "layout": {"slip"}})
	if res.Status != http.StatusOK || pdfPages(t, res.Body) != 3 {
		t.Errorf("batch pdf: %d", res.Status)
	}
	auditor := h.newBrowser(t, staff.RoleAuditor)
	if res := auditor.get(loc); res.Status != http.StatusOK || res.doc(t).Find("form[action$='letters.pdf']").Length() != 0 {
		t.Errorf("auditor batch page: %d", res.Status)
	}
}

func TestLandingPage(t *testing.T) {
	h := newHarness(t, func(c *config.Config, _ *harnessSettings) { c.Issuer.Contact = "help@example.org" })
	ctx := staffCtx()
	// A configuration with English and German displays.
	cfg := credential.Configuration{ID: "library_card", Format: "dc+sd-jwt", VCT: "urn:credmint:test:library:1",
		Display: []credential.Display{{Name: "Library card", Locale: "en", Description: "Borrow books"}, {Name: "Bibliotheksausweis", Locale: "de", Description: "Bücher ausleihen"}},
		Claims:  []credential.Claim{{Path: []any{"given_name"}, Type: credential.TypeString}, {Path: []any{"family_name"}, Type: credential.TypeString}}}
	cfg.Normalize()
	if err := h.app.store.UpsertCredentialConfiguration(context.Background(), &cfg); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(3 * time.Second) // past the catalog cache
	a := h.newApplicantIn(t, "library_card", "Lena Leser", "", "", "Weg 1\nBerlin")
	created, err := h.app.delivery.CreateOffer(ctx, a.ID, delivery.Order{DeliveryChannel: "print", TxCodeChannel: "print"})
	if err != nil {
		t.Fatal(err)
	}
	page := strings.TrimPrefix(created.Links.LandingURL, h.url)
	anon := h.anonymousBrowser(t)

	res := anon.get(page)
	d := res.doc(t)
	if res.Status != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("landing: %d, Cache-Control %q, Referrer-Policy %q", res.Status, res.Header.Get("Cache-Control"), res.Header.Get("Referrer-Policy"))
	}
	if lang, _ := d.Find("html").Attr("lang"); lang != "en" || d.Find("h1").Text() != "Your Library card" || d.Find(".description").Text() != "Borrow books" {
		t.Errorf("english page: lang %q, h1 %q", lang, d.Find("h1").Text())
	}
	if href, _ := d.Find("a.wallet-button").Attr("href"); href != created.Links.OfferURI {
		t.Errorf("Open in wallet: %q", href)
	}
	src, _ := d.Find("img.qr").Attr("src")
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(src, "data:image/png;base64,"))
	if got := decodeQR(t, raw); got != created.Links.OfferURI {
		t.Errorf("landing QR decodes to %q", got)
	}
	if alt, _ := d.Find("img.qr").Attr("alt"); alt == "" {
		t.Error("the QR code needs an alt text")
	}
	if got := d.Find(".pin-source").Text(); !strings.Contains(got, "slip of your letter") {
		t.Errorf("PIN source %q", got)
	}
	if strings.Contains(string(res.Body), created.TxCode) {
		t.Error("the landing page shows the PIN")
	}
	if o, _ := h.app.issuance.Offer(context.Background(), created.Offer.ID); o.State != issuance.OfferCreated {
		t.Errorf("viewing the page changed the offer to %s", o.State)
	}

	de := anon.do(http.MethodGet, page, http.Header{"Accept-Language": {"de-CH, de;q=0.9, en;q=0.5"}}, "")
	dd := de.doc(t)
	if lang, _ := dd.Find("html").Attr("lang"); lang != "de" || dd.Find("h1").Text() != "Ihr Bibliotheksausweis" || dd.Find("a.wallet-button").Text() != "In Wallet öffnen" {
		t.Errorf("german page: lang %q h1 %q button %q", lang, dd.Find("h1").Text(), dd.Find("a.wallet-button").Text())
	}
	if fr := anon.do(http.MethodGet, page, http.Header{"Accept-Language": {"fr"}}, ""); fr.doc(t).Find("h1").Text() != "Your Library card" {
		t.Errorf("a language the configuration lacks falls back: %q", fr.doc(t).Find("h1").Text())
	}

	if res := anon.get("/c/not-a-handle"); res.Status != http.StatusNotFound || res.doc(t).Find(".state-unavailable").Length() != 1 {
		t.Errorf("unknown handle: %d", res.Status)
	}

	h.clock.Advance(8 * 24 * time.Hour)
	d = anon.get(page).doc(t)
	if got := d.Find(".state-unavailable").Text(); !strings.Contains(got, "expired") || !strings.Contains(got, "help@example.org") || d.Find("a.wallet-button").Length() != 0 {
		t.Errorf("expired page: %q", got)
	}
	h.clock.Advance(-8 * 24 * time.Hour)

	if _, err := h.app.issuance.RevokeOffer(ctx, created.Offer.ID); err != nil {
		t.Fatal(err)
	}
	if got := anon.get(page).doc(t).Find(".state-unavailable").Text(); !strings.Contains(got, "withdrawn") {
		t.Errorf("revoked page: %q", got)
	}

	// A collected offer.
	created2, err := h.app.delivery.CreateOffer(ctx, a.ID, delivery.Order{DeliveryChannel: "none", TxCodeChannel: "none"})
	if err != nil {
		t.Fatal(err)
	}
	handle := created2.Links.CredentialOfferURI[strings.LastIndex(created2.Links.CredentialOfferURI, "/")+1:]
	var offer struct {
		Grants map[string]struct {
			Code string `json:"pre-authorized_code"`
		} `json:"grants"`
	}
	h.getJSON(created2.Links.CredentialOfferURI).JSON(t, &offer)
	if res := h.postForm(h.url+"/token", map[string]string{"grant_type": issuance.GrantPreAuthorizedCode, "pre-authorized_code": offer.Grants[issuance.GrantPreAuthorizedCode].Code}); res.Status != http.StatusOK {
		t.Fatalf("token: %d %s", res.Status, res.Body)
	}
	d = anon.get("/c/" + handle).doc(t)
	if got := d.Find(".state-collected").Text(); !strings.Contains(got, "already collected") {
		t.Errorf("collected page: %q", got)
	}
}
