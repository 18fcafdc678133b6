package main

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"credmint/app/staff"
)

// layoutReport is what layoutProbe measures on a page.
type layoutReport struct {
	// Overflowing are the containers (main, its cards, the editor's
	// sections) whose content is wider than they are, with both widths.
	Overflowing []string `json:"overflowing"`
	// Wrapped are the date cells whose text takes more than one line.
	Wrapped []string `json:"wrapped"`
	// Dates is how many date cells were measured.
	Dates int `json:"dates"`
}

// layoutProbe measures the page in the browser: every container of main
// whose scrollWidth exceeds its clientWidth (a horizontal scrollbar, or
// content cut off), and the number of lines of the cells of every table
// column headed by one of dateHeads. A range over a cell's contents has
// one client rectangle per line box, so distinct tops count the lines
// whatever the markup inside the cell.
const layoutProbe = `(() => {
	const dateHeads = %s;
	const out = {overflowing: [], wrapped: [], dates: 0};
	const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + String(el.className).trim().split(/\s+/).join('.') : '');
	const boxes = [document.documentElement, document.querySelector('main'), ...document.querySelectorAll('main .card, main section, main form')];
	for (const el of boxes) {
		if (el && el.scrollWidth > el.clientWidth + 1) {
			out.overflowing.push(name(el) + ': scrollWidth ' + el.scrollWidth + ' > clientWidth ' + el.clientWidth);
		}
	}
	for (const table of document.querySelectorAll('main table')) {
		const heads = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
		heads.forEach((h, i) => {
			if (!dateHeads.includes(h)) return;
			for (const row of table.querySelectorAll('tbody tr')) {
				const td = row.children[i];
				if (!td || td.textContent.trim() === '') continue;
				out.dates++;
				const r = document.createRange();
				r.selectNodeContents(td);
				const tops = new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top)));
				if (tops.size > 1) out.wrapped.push(h + ' "' + td.textContent.trim() + '" takes ' + tops.size + ' lines');
			}
		});
	}
	return JSON.stringify(out);
})()`

// measureLayout runs layoutProbe on the current page.
func measureLayout(t *testing.T, w *walk, dateHeads ...string) layoutReport {
	t.Helper()
	heads, _ := json.Marshal(append([]string{}, dateHeads...))
	raw := w.eval(strings.Replace(layoutProbe, "%s", string(heads), 1))
	var r layoutReport
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		t.Fatalf("layout probe: %v (%s)", err, raw)
	}
	return r
}

// TestBrowserConsoleFits1280 checks, in chromium at 1280×800 (a common
// laptop), that the offers list shows each date on one line and that
// neither the list nor the configuration editor scrolls sideways.
func TestBrowserConsoleFits1280(t *testing.T) {
	ctx := newChrome(t)
	h := newHarness(t)
	issuer := h.newBrowser(t, staff.RoleIssuer)
	for _, name := range []string{"Maximiliane Oberhuber-Wittgenstein", "Ada Lovelace", "Jean-Baptiste Poquelin de La Fontaine"} {
		a := h.newApplicant(t, name, "", "", "1 Main Street\nSpringfield")
		createConsoleOffer(t, issuer, url.Values{"applicant_id": {a.ID}, "delivery_channel": {"print"}, "tx_code_channel": {"print"}})
	}
	h.createOffer(staffBadgeOffer())

	w := &walk{t: t, ctx: ctx, h: h}
	signIn(t, ctx, h, staff.RoleAdmin)
	w.step("use a 1280×800 window", chromedp.EmulateViewport(1280, 800))

	w.step("open the offers", chromedp.Navigate(h.url+"/console/offers"), chromedp.WaitVisible(chromedp.CSS(`table.offers tbody tr`)))
	r := measureLayout(t, w, "Created", "Expires", "Started")
	if r.Dates < 8 {
		t.Fatalf("the offers list: measured %d date cells, want at least 8 (4 offers, created and expires)", r.Dates)
	}
	for _, p := range r.Wrapped {
		t.Errorf("the offers list at 1280 px: a date wraps: %s", p)
	}
	for _, p := range r.Overflowing {
		t.Errorf("the offers list at 1280 px overflows: %s", p)
	}
	if title := w.eval(`(document.querySelector('table.offers tbody td.date time') || {}).title || ''`); !strings.HasSuffix(title, " UTC") {
		t.Errorf("the offers list: a date's title is %q, want the full timestamp in UTC", title)
	}

	w.step("open the configuration editor", chromedp.Navigate(h.url+"/console/configurations/new"), chromedp.WaitVisible(chromedp.CSS(`table.displays`)))
	// Colours make the row show its swatch, the widest the table gets.
	w.step("fill a display and add a second locale",
		chromedp.SendKeys(chromedp.CSS(`input[name=display_locale]`), "en-GB"),
		chromedp.SendKeys(chromedp.CSS(`input[name=display_name]`), "Springfield Public Library card"),
		chromedp.SendKeys(chromedp.CSS(`input[name=display_description]`), "Borrow books, e-books and films at every branch."),
		chromedp.SendKeys(chromedp.CSS(`input[name=display_logo_uri]`), "https://library.example.org/logo.png"),
		chromedp.SendKeys(chromedp.CSS(`input[name=display_background_color]`), "#1f4e5f"),
		chromedp.SendKeys(chromedp.CSS(`input[name=display_text_color]`), "#ffffff"),
		chromedp.Click(chromedp.CSS(`button[value=add_locale]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.displays tbody tr:nth-child(2)`)),
		chromedp.WaitVisible(chromedp.CSS(`table.displays svg.swatch`)),
	)
	for _, p := range measureLayout(t, w).Overflowing {
		t.Errorf("the configuration editor at 1280 px overflows: %s", p)
	}
	if got := w.eval(`(() => { const t = document.querySelector('table.displays'); return String(t.getBoundingClientRect().right <= t.closest('.card').getBoundingClientRect().right) })()`); got != "true" {
		t.Error("the configuration editor at 1280 px: the display table sticks out of its card")
	}
}
