package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"credmint/app/staff"
	"credmint/config"
)

// TestBrowserConsoleWalkthrough is issue 3's "Done when" walk through the
// console in chromium, as a person at the issuer would do it: sign in, create
// a credential configuration, upload 1 000 applicants (two of them bad) and
// see the bad rows named, import, make offers for the import with printed
// letters and PIN slips, open an offer and see its QR code, download the
// batch PDF, sign out. The background workers run as `credmint serve` runs
// them. With CREDMINT_SCREENSHOTS set it saves the screenshots the README
// shows.

// walkthroughWait bounds each long step (import, batch, PDF download). Under
// the race detector, with other packages' tests on the same two cores, the
// 998-page PDF alone took over 30 s.
const walkthroughWait = 3 * time.Minute

func TestBrowserConsoleWalkthrough(t *testing.T) {
	ctx := newChrome(t)
	h := newHarness(t, func(c *config.Config, _ *harnessSettings) {
		c.Issuer.Name = "Springfield Public Library"
		c.Issuer.Contact = "cards@library.example.org"
	})
	startWorkers(t, h)
	w := walk{t: t, ctx: ctx, h: h}
	file := writeLibraryCSV(t)

	signIn(t, ctx, h, staff.RoleAdmin)
	w.expectHeading("after signing in", "Dashboard")

	w.step("open the configurations", chromedp.Click(chromedp.CSS(`header nav a[href="/console/configurations"]`)), chromedp.WaitVisible(chromedp.CSS(`#config-staff_badge`)))
	w.createConfiguration()

	w.step("open the upload form",
		chromedp.Click(chromedp.CSS(`header nav a[href="/console/applicants"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/console/applicants/imports/new"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[type=file]`)),
		chromedp.SetValue(chromedp.CSS(`select[name=configuration_id]`), "library_card"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{file}),
		chromedp.Submit(chromedp.CSS(`input[type=file]`)),
		chromedp.WaitVisible(chromedp.CSS(`form#mapping .preview`)),
	)
	w.expectText("the preview's summary", `.preview .summary`, "1000 rows: 998 can be imported, 2 have errors.")
	bad := w.text("the preview's bad rows", `.preview ul.row-errors`)
	for _, want := range []string{"Row 237: card_number", "Row 714: valid_until"} {
		if !strings.Contains(bad, want) {
			t.Errorf("the preview does not name %q among the bad rows:\n%s", want, bad)
		}
	}
	if n := strings.Count(bad, "Row "); n != 2 {
		t.Errorf("the preview names %d bad rows, want 2:\n%s", n, bad)
	}
	screenshot(t, ctx, "applicants-preview")

	w.step("start the import", chromedp.Click(chromedp.CSS(`form#mapping .form-actions button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#import-progress`)))
	w.poll("the import's progress", `(document.querySelector('#import-progress .counts') || {}).textContent`, "998 imported, 2 skipped", walkthroughWait)
	// The page reloads itself when the import has ended; then it lists the
	// skipped rows and offers the batch.
	w.step("wait for the finished import page", chromedp.WaitVisible(chromedp.CSS(`a.new-batch`)))
	w.expectText("the import's counts", `#import-progress .counts`, "1000 of 1000 rows done: 998 imported, 2 skipped.")
	skipped := w.text("the skipped rows", `ul.row-errors`)
	if !strings.Contains(skipped, "Row 237") || !strings.Contains(skipped, "Row 714") || strings.Count(skipped, "Row ") != 2 {
		t.Errorf("the import does not list rows 237 and 714 as skipped:\n%s", skipped)
	}
	screenshot(t, ctx, "applicants-import")

	importPage := w.location()
	w.step("list the import's applicants", chromedp.Click(chromedp.CSS(`a[href^="/console/applicants?import="]`)), chromedp.WaitVisible(chromedp.CSS(`table.applicants tbody tr`)))
	screenshot(t, ctx, "applicants")
	w.step("back to the import", chromedp.Navigate(importPage), chromedp.WaitVisible(chromedp.CSS(`a.new-batch`)))

	w.createBatch()
	w.step("list the batch's offers", chromedp.Click(chromedp.CSS(`a[href^="/console/offers?batch="]`)), chromedp.WaitVisible(chromedp.CSS(`table.offers tbody tr`)))
	screenshot(t, ctx, "offers")
	w.step("open an offer", chromedp.Click(chromedp.CSS(`table.offers tbody tr:first-child a[href^="/console/offers/off_"]`)), chromedp.WaitVisible(chromedp.CSS(`.qr img`)))
	w.poll("the offer's QR image (its naturalWidth)", naturalWidth(`.qr img`), "", 30*time.Second)
	screenshot(t, ctx, "offer")
	landing, offerPage := w.value("the landing link", `input.landing-link`), w.location()
	w.printLetter()

	w.step("open the landing page", chromedp.Navigate(landing), chromedp.WaitVisible(chromedp.CSS(`img.qr`)))
	w.expectHeading("on the landing page", "Your Library card")
	w.poll("the landing page's QR image (its naturalWidth)", naturalWidth(`img.qr`), "", 30*time.Second)
	screenshot(t, ctx, "landing")

	w.step("back to the offer and on to its batch", chromedp.Navigate(offerPage), chromedp.WaitVisible(chromedp.CSS(`.qr img`)),
		chromedp.Click(chromedp.CSS(`a[href^="/console/offers/batches/bat_"]`)), chromedp.WaitVisible(chromedp.CSS(`form[action="/console/offers/letters.pdf"]`)))
	pdf := w.downloadPDF()
	if !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("the downloaded batch PDF is not a PDF: it starts with %q", pdf[:min(len(pdf), 32)])
	}
	if got := pdfPages(t, pdf); got != 998 {
		t.Errorf("the batch PDF has %d pages, want 998 (one per applicant)", got)
	}

	// The audit log of the offer that was opened: made by the batch, its
	// letter printed alone, then with the batch.
	offerID := offerPage[strings.LastIndex(offerPage, "/")+1:]
	w.step("open the offer's audit log",
		chromedp.Click(chromedp.CSS(`header nav a[href="/console/audit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.audit tbody tr`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=subject_id]`), offerID),
		chromedp.Submit(chromedp.CSS(`input[name=subject_id]`)),
	)
	w.poll("the filtered audit log's address", `location.search`, "subject_id="+offerID, 30*time.Second)
	w.step("read the filtered audit log", chromedp.WaitVisible(chromedp.CSS(`table.audit tbody tr`)))
	if got := w.text("the offer's audit events", `table.audit tbody`); strings.Count(got, "offer.created") != 1 || strings.Count(got, "offer.printed") != 2 {
		t.Errorf("the offer's audit log: want offer.created once and offer.printed twice (letter, PDF), got %s", got)
	}
	screenshot(t, ctx, "audit")
	w.step("open the dashboard", chromedp.Click(chromedp.CSS(`header nav a[href="/console/"]`)), chromedp.WaitVisible(chromedp.CSS(`svg.chart polyline`)))
	w.expectText("the offers-created tile", `.tile.s-created .tile-value`, "998")
	screenshot(t, ctx, "dashboard")

	w.step("sign out", chromedp.Click(chromedp.CSS(`form.logout button`)), chromedp.WaitVisible(chromedp.CSS(`input[name=email]`)))
	if loc := w.location(); loc != h.url+"/console/login" {
		t.Errorf("after signing out: at %s, want the sign-in page", loc)
	}
	w.step("come back signed out", chromedp.Navigate(h.url+"/console/offers"), chromedp.WaitVisible(chromedp.CSS(`input[name=email]`)))
	if loc := w.location(); !strings.HasPrefix(loc, h.url+"/console/login") {
		t.Errorf("signed out, the offers page: at %s, want the sign-in page", loc)
	}
}

// walk drives one tab through the console and fails the test with the step
// that went wrong.
type walk struct {
	t   *testing.T
	ctx context.Context
	h   *harness
}

func (w *walk) step(what string, actions ...chromedp.Action[chromedp.Void]) {
	w.t.Helper()
	if err := chromedp.Do(w.ctx, actions...); err != nil {
		loc, _ := chromedp.Run(w.ctx, chromedp.Location())
		w.t.Fatalf("%s: %v (the browser is at %s)", what, err, loc)
	}
}

func (w *walk) location() string {
	w.t.Helper()
	loc, err := chromedp.Run(w.ctx, chromedp.Location())
	if err != nil {
		w.t.Fatal(err)
	}
	return loc
}

func (w *walk) text(what, sel string) string {
	w.t.Helper()
	s, err := chromedp.Run(w.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		w.t.Fatalf("%s (%s): %v", what, sel, err)
	}
	return squash(s)
}

func (w *walk) value(what, sel string) string {
	w.t.Helper()
	s, err := chromedp.Run(w.ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil || s == "" {
		w.t.Fatalf("%s (%s): %q, %v", what, sel, s, err)
	}
	return s
}

func (w *walk) expectText(what, sel, want string) {
	w.t.Helper()
	if got := w.text(what, sel); got != want {
		w.t.Errorf("%s: got %q, want %q", what, got, want)
	}
}

func (w *walk) expectHeading(where, want string) {
	w.t.Helper()
	if got := w.text("the heading "+where, `h1`); got != want {
		w.t.Errorf("the heading %s: got %q, want %q", where, got, want)
	}
}

// eval returns the value of a JavaScript expression as a string.
func (w *walk) eval(expr string) string {
	w.t.Helper()
	v, err := chromedp.Run(w.ctx, chromedp.Evaluate[any](expr))
	if err != nil {
		w.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return fmt.Sprint(v)
}

// poll evaluates expr (a string, or null) every 200 ms until it contains
// want, or, when want is "", until it is neither empty nor "0"; it fails
// after timeout with the last value seen. A page that reloads in between
// is polled again.
func (w *walk) poll(what, expr, want string, timeout time.Duration) {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		v, err := chromedp.Run(w.ctx, chromedp.Evaluate[*string](expr))
		if err == nil && v != nil {
			last = *v
			if want == "" && last != "" && last != "0" || want != "" && strings.Contains(last, want) {
				return
			}
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("%s: still %q after %s, want %q", what, squash(last), timeout, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// naturalWidth is an expression for the natural width of the image sel
// selects, "0" while it has not loaded or could not be decoded.
func naturalWidth(sel string) string {
	return fmt.Sprintf(`(() => { const i = document.querySelector(%q); return i && i.complete ? String(i.naturalWidth) : '0' })()`, sel)
}

// createConfiguration fills the configurations editor as a person does: a
// library card with two claims, the card number mandatory.
func (w *walk) createConfiguration() {
	w.t.Helper()
	row := func(n int, field string) chromedp.CSS {
		return chromedp.CSS(fmt.Sprintf(`table.claims tbody tr:nth-child(%d) %s`, n, field))
	}
	w.step("fill the new configuration",
		chromedp.Click(chromedp.CSS(`a[href="/console/configurations/new"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-id`)),
		chromedp.SendKeys(chromedp.CSS(`#f-id`), "library_card"),
		// Choosing the format swaps the format's own fields in (htmx): mark
		// the old ones and wait for their replacement, or the typing below
		// races the swap and lands in a node that is gone.
		chromedp.Evaluate[chromedp.Void](`document.getElementById('format-fields').dataset.stale = 'yes'`),
		chromedp.SetValue(chromedp.CSS(`#f-format`), "dc+sd-jwt"),
		chromedp.WaitReady(chromedp.CSS(`#format-fields:not([data-stale])`)),
		chromedp.SendKeys(chromedp.CSS(`#f-vct`), "https://library.example.org/credentials/library-card/1"),
		chromedp.SendKeys(chromedp.CSS(`input[name=display_name]`), "Library card"),
		chromedp.SendKeys(chromedp.CSS(`input[name=display_description]`), "Borrow books, e-books and films at every branch of the Springfield Public Library."),
		chromedp.SendKeys(chromedp.CSS(`input[name=display_background_color]`), "#1f4e5f"),
		chromedp.SendKeys(chromedp.CSS(`input[name=display_text_color]`), "#ffffff"),
		chromedp.SendKeys(row(1, `input[name=claim_path]`), "card_number"),
		chromedp.SetValue(row(1, `select[name=claim_type]`), "string"),
		chromedp.Click(row(1, `input[name=claim_mandatory]`)),
		chromedp.SendKeys(row(1, `input[name=claim_name]`), "Card number"),
		chromedp.Click(chromedp.CSS(`button[value=add_claim]`)),
		chromedp.WaitVisible(row(2, `input[name=claim_path]`)),
		chromedp.SendKeys(row(2, `input[name=claim_path]`), "valid_until"),
		chromedp.SetValue(row(2, `select[name=claim_type]`), "date"),
		chromedp.SendKeys(row(2, `input[name=claim_name]`), "Valid until"),
	)
	live := `(document.querySelector('#preview pre.metadata') || {}).textContent`
	w.poll("the live metadata preview", live, `"Valid until"`, 30*time.Second)
	screenshot(w.t, w.ctx, "configuration-edit")
	w.step("save the configuration", chromedp.Click(chromedp.CSS(`.form-actions button[value=save]`)), chromedp.WaitVisible(chromedp.CSS(`main .flash`)))
	if loc := w.location(); loc != w.h.url+"/console/configurations/library_card" {
		w.t.Fatalf("after saving the configuration: at %s\n%s", loc, w.text("the page", "main"))
	}
	w.expectHeading("of the saved configuration", "Library card library_card")
	claims := w.text("the saved claims", `table.claims tbody`)
	for _, want := range []string{"card_number string yes", "valid_until date no"} {
		if !strings.Contains(claims, want) {
			w.t.Errorf("the saved configuration lacks the claim %q: %s", want, claims)
		}
	}
	w.step("back to the list", chromedp.Click(chromedp.CSS(`header nav a[href="/console/configurations"]`)), chromedp.WaitVisible(chromedp.CSS(`#config-library_card`)))
	screenshot(w.t, w.ctx, "configurations")
}

// createBatch follows "Create offers for this import": letters by post,
// the PIN on a slip, and waits for the batch to finish.
func (w *walk) createBatch() {
	w.t.Helper()
	w.step("open the batch form", chromedp.Click(chromedp.CSS(`a.new-batch`)), chromedp.WaitVisible(chromedp.CSS(`select[name=import_job_id]`)))
	if sel := w.eval(`document.querySelector('select[name=import_job_id]').value`); !strings.HasPrefix(sel, "imp_") {
		w.t.Fatalf("the batch form does not preselect the import: %q", sel)
	}
	w.step("create the offers",
		chromedp.SetValue(chromedp.CSS(`select[name=delivery_channel]`), "print"),
		chromedp.SetValue(chromedp.CSS(`select[name=tx_code_channel]`), "print"),
		chromedp.Click(chromedp.CSS(`form[action="/console/offers/batches"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#batch-progress`)),
	)
	w.poll("the batch's state", `(document.querySelector('#batch-progress .badge') || {}).textContent`, "done", walkthroughWait)
	w.expectText("the batch's counts", `#batch-progress .batch-counts`, "998 offers created, 0 applicants skipped")
}

// printLetter presses "Print the letter" on the offer page: the printable
// letter opens in a new tab, which is checked and closed.
func (w *walk) printLetter() {
	w.t.Helper()
	opened := chromedp.WaitNewTarget(w.ctx, func(i *target.Info) bool { return strings.HasSuffix(i.URL, "/console/offers/letters") })
	w.step("print the letter", chromedp.Click(chromedp.CSS(`form[action="/console/offers/letters"] button`)))
	var id target.ID
	select {
	case id = <-opened:
	case <-time.After(30 * time.Second):
		w.t.Fatal("print the letter: no tab opened")
	}
	tab, closeTab := chromedp.NewContext(w.ctx, chromedp.WithTargetID(id))
	defer closeTab()
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS(`article.letter .slip .pin`))); err != nil {
		w.t.Fatalf("the printable letter: %v", err)
	}
	text, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS(`article.letter`)))
	if err != nil {
		w.t.Fatal(err)
	}
	if !strings.Contains(text, "Your Library card: add it to your wallet") || !strings.Contains(text, "Tear off here") {
		w.t.Errorf("the printable letter: %s", squash(text))
	}
	if n, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelector('article.letter img.qr').naturalWidth`)); err != nil || n == 0 {
		w.t.Errorf("the letter's QR image did not load: %d, %v", n, err)
	}
	screenshot(w.t, tab, "letter")
}

// downloadPDF presses "Download PDF" (tear-off PIN slips) on the batch page
// and returns the file the browser saved.
func (w *walk) downloadPDF() []byte {
	w.t.Helper()
	dir := w.t.TempDir()
	dctx, cancel := context.WithTimeout(w.ctx, walkthroughWait)
	defer cancel()
	progress := chromedp.BrowserEvents(dctx, cdpbrowser.DownloadProgress)
	if _, err := chromedp.CallBrowser(w.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: ptrTo(true),
	}); err != nil {
		w.t.Fatalf("allowing downloads: %v", err)
	}
	w.step("download the batch PDF",
		chromedp.SetValue(chromedp.CSS(`form[action="/console/offers/letters.pdf"] select[name=layout]`), "slip"),
		chromedp.Click(chromedp.CSS(`form[action="/console/offers/letters.pdf"] button:not([formaction])`)),
	)
	for ev, err := range progress {
		if err != nil {
			w.t.Fatalf("download the batch PDF: %v (none completed in %s?)", err, walkthroughWait)
		}
		if ev.State == cdpbrowser.DownloadProgressStateCanceled {
			w.t.Fatal("download the batch PDF: the browser cancelled it")
		}
		if ev.State != cdpbrowser.DownloadProgressStateCompleted {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, ev.GUID))
		if err != nil {
			w.t.Fatal(err)
		}
		return b
	}
	w.t.Fatal("download the batch PDF: no download completed")
	return nil
}

func ptrTo[T any](v T) *T { return &v }

// startWorkers runs the import worker and the delivery workers (outbox and
// offer batches) as `credmint serve` does, until the test ends.
func startWorkers(t *testing.T, h *harness) {
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { h.app.applicants.RunWorker(ctx, 100*time.Millisecond) })
	wg.Go(func() { h.app.runDelivery(ctx) })
	t.Cleanup(func() { stop(); wg.Wait() })
}

// writeLibraryCSV writes 1 000 library members as a CSV file, as a library
// system would export them. Two rows are bad: row 237 lacks the mandatory
// card number, row 714 has a date that does not exist.
func writeLibraryCSV(t *testing.T) string {
	t.Helper()
	given := []string{"Olivia", "Noah", "Amelia", "Liam", "Sofia", "Mateo", "Hannah", "Yusuf", "Chloé", "Arjun", "Mia", "Lucas",
		"Freya", "Kwame", "Isla", "Tomás", "Aisha", "Elias", "Nora", "Hiroshi", "Zara", "Jonas", "Leila", "Oscar", "Priya", "Finn", "Ingrid"}
	family := []string{"Bennett", "Okafor", "Lindqvist", "Moreau", "Nakamura", "García", "O'Brien", "Schneider", "Kowalski", "Haddad",
		"Fitzgerald", "Rossi", "Petrov", "Andersen", "Mensah", "Dubois", "Castillo", "Novak", "Sullivan", "Chen", "Ibrahim", "Walsh", "Keller"}
	streets := []string{"Elm Street", "Maple Avenue", "Harbour Road", "Quarry Lane", "Station Road", "Orchard Close", "Mill Street",
		"Chestnut Grove", "Riverside Drive", "King's Parade", "Linden Way", "Church Lane"}
	var b strings.Builder
	b.WriteString("Card number,First name,Last name,Email,Street,Postcode,City,Valid until\n")
	for i := range 1000 {
		g, f := given[(i*7)%len(given)], family[(i*11+i/len(given))%len(family)]
		card := fmt.Sprintf("SPL-%06d", 204800+i)
		validUntil := fmt.Sprintf("2028-%02d-%02d", 1+(i*5)%12, 1+(i*11)%28)
		switch i + 2 { // the row in the file, after the header
		case 237:
			card = ""
		case 714:
			validUntil = "2028-02-30"
		}
		email := strings.ToLower(strings.NewReplacer("é", "e", "á", "a", "í", "i", "'", "").Replace(g + "." + f))
		fmt.Fprintf(&b, "%s,%s,%s,%s@example.org,%d %s,SP%d %d%c%c,Springfield,%s\n", card, g, f, email,
			1+(i*37)%180, streets[i%len(streets)], 1+i%9, 1+i%9, 'A'+i%26, 'B'+(i*3)%24, validUntil)
	}
	file := filepath.Join(t.TempDir(), "library-members.csv")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}
