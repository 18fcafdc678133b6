package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"credmint/app/audit"
	"credmint/app/credential"
	"credmint/app/issuance"
	"credmint/app/staff"
	"credmint/config"
	"credmint/db/dbtest"
)

// requestID returns the deferred request id behind a transaction_id.
func requestID(t *testing.T, h *harness, txID string) string {
	t.Helper()
	d, err := h.app.issuance.GetDeferred(context.Background(), txID)
	if err != nil {
		t.Fatal(err)
	}
	return d.ID
}

// flash follows a 303 and returns the flash message shown on the next page.
func flash(t *testing.T, b *browser, res *response) string {
	t.Helper()
	if res.Status != http.StatusSeeOther {
		t.Fatalf("got %d, want 303\n%s", res.Status, res.Body)
	}
	loc := strings.TrimPrefix(res.Header.Get("Location"), b.h.url)
	return strings.TrimSpace(b.get(loc).doc(t).Find(".flash").Text())
}

// reviewBackends runs fn on SQLite and PostgreSQL with a manual review
// policy on staff_badge.
func reviewBackends(t *testing.T, fourEyes bool, fn func(t *testing.T, h *harness)) {
	opt := withReview(credential.ReviewManual, fourEyes)
	t.Run("sqlite", func(t *testing.T) { fn(t, newHarness(t, opt)) })
	t.Run("postgres", func(t *testing.T) { fn(t, newHarnessWithDB(t, dbtest.PostgresURL(t), opt)) })
}

func TestConsoleReviewApproveWithEdit(t *testing.T) {
	reviewBackends(t, false, testConsoleReviewApproveWithEdit)
}

func testConsoleReviewApproveWithEdit(t *testing.T, h *harness) {
	f, p := deferredStart(t, h, newWallet(t, h), nil)
	id := requestID(t, h, p.TransactionID)
	b := h.newBrowser(t, staff.RoleReviewer)

	list := b.get("/console/reviews")
	if list.Status != http.StatusOK {
		t.Fatalf("queue: got %d\n%s", list.Status, list.Body)
	}
	row := list.doc(t).Find("#review-" + id)
	if row.Length() != 1 || !strings.Contains(row.Text(), "staff_badge") || !strings.Contains(row.Find(".sla").Text(), "within SLA") {
		t.Fatalf("queue row: %q", row.Text())
	}
	if n := b.get("/console/reviews?configuration=other").doc(t).Find("#review-" + id).Length(); n != 0 {
		t.Errorf("filter by another configuration still lists the request")
	}

	detail := b.get("/console/reviews/" + id)
	if detail.Status != http.StatusOK {
		t.Fatalf("detail: got %d\n%s", detail.Status, detail.Body)
	}
	doc := detail.doc(t)
	if v, _ := doc.Find(`input[name="claim.family_name"]`).Attr("value"); v != "Lovelace" {
		t.Fatalf("claim family_name in the form: got %q", v)
	}
	if !strings.Contains(doc.Find(".reasons").Text(), "every request") {
		t.Errorf("reasons: got %q", doc.Find(".reasons").Text())
	}
	wantPending(t, poll(h, f, p.TransactionID), p.TransactionID)
	if n := b.get("/console/").doc(t).Find(".tile.pending-reviews .tile-value").Text(); n != "1" {
		t.Errorf("dashboard pending reviews: got %q, want 1", n)
	}

	form := url.Values{}
	doc.Find(`form.approve input[name^="claim."]`).Each(func(_ int, s *goquery.Selection) {
		n, _ := s.Attr("name")
		v, _ := s.Attr("value")
		form.Set(n, v)
	})
	form.Set("claim.family_name", "King")
	if msg := flash(t, b, b.postForm("/console/reviews/"+id+"/approve", form)); !strings.Contains(msg, "approved") {
		t.Fatalf("flash after approval: %q", msg)
	}
	evs, err := h.app.store.AuditEvents(context.Background(), "deferred_request", id)
	if err != nil {
		t.Fatal(err)
	}
	var edited string
	for _, ev := range evs {
		if ev.Action == "deferred.approved" {
			edited = ev.Details["edited_claims"]
		}
	}
	if edited != "family_name" {
		t.Errorf("audited edits: got %q, want family_name", edited)
	}
	if b.get("/console/reviews").doc(t).Find("#review-"+id).Length() != 0 {
		t.Error("the approved request is still in the queue")
	}
	collectAndCheck(t, h, f, p.TransactionID)
}

func TestConsoleReviewReject(t *testing.T) {
	h := newHarness(t, withReview(credential.ReviewManual, false))
	f, p := deferredStart(t, h, newWallet(t, h), nil)
	id := requestID(t, h, p.TransactionID)
	b := h.newBrowser(t, staff.RoleReviewer)

	res := b.postForm("/console/reviews/"+id+"/reject", url.Values{"reason": {"  "}})
	if res.Status != http.StatusBadRequest {
		t.Fatalf("reject without reason: got %d, want 400\n%s", res.Status, res.Body)
	}
	if msg := res.doc(t).Find("#e-reason").Text(); !strings.Contains(msg, "reason is required") {
		t.Fatalf("field message: got %q", msg)
	}
	wantPending(t, poll(h, f, p.TransactionID), p.TransactionID)
	if msg := flash(t, b, b.postForm("/console/reviews/"+id+"/reject", url.Values{"reason": {"not an employee"}})); msg != "Request rejected." {
		t.Fatalf("flash: %q", msg)
	}
	wantError(t, poll(h, f, p.TransactionID), http.StatusBadRequest, issuance.CodeCredentialRequestDenied)
	if res := b.postForm("/console/reviews/"+id+"/approve", url.Values{}); !strings.Contains(flash(t, b, res), "no longer pending") {
		t.Error("approving a rejected request was not refused")
	}
}

func TestConsoleReviewAccess(t *testing.T) {
	h := newHarness(t, withReview(credential.ReviewManual, false))
	f, p := deferredStart(t, h, newWallet(t, h), nil)
	id := requestID(t, h, p.TransactionID)
	for _, role := range []string{staff.RoleIssuer, staff.RoleAuditor} {
		b := h.newBrowser(t, role)
		for _, res := range []*response{
			b.get("/console/reviews"), b.get("/console/reviews/" + id),
			b.postForm("/console/reviews/"+id+"/approve", url.Values{}),
			b.postForm("/console/reviews/approve", url.Values{"id": {id}}),
		} {
			if res.Status != http.StatusForbidden {
				t.Errorf("%s: got %d, want 403", role, res.Status)
			}
		}
	}
	rev := h.newBrowser(t, staff.RoleReviewer)
	res := rev.do(http.MethodPost, "/console/reviews/"+id+"/approve", http.Header{
		"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"},
	}, "")
	if res.Status != http.StatusForbidden {
		t.Fatalf("cross-site approve: got %d, want 403", res.Status)
	}
	wantPending(t, poll(h, f, p.TransactionID), p.TransactionID)
	if admin := h.newBrowser(t, staff.RoleAdmin); admin.get("/console/reviews").doc(t).Find("#review-"+id).Length() != 1 {
		t.Error("an admin does not see the queue")
	}
}

// TestConsoleReviewFourEyes: the admin who created the offer is refused,
// alone and in bulk; a second reviewer's bulk approval goes through.
func TestConsoleReviewFourEyes(t *testing.T) { reviewBackends(t, true, testConsoleReviewFourEyes) }

func testConsoleReviewFourEyes(t *testing.T, h *harness) {
	creatorB, creator := h.signedIn(t, "creator@example.org", staff.RoleAdmin)
	ctx := audit.WithActor(context.Background(), audit.Actor{Kind: audit.ActorStaff, ID: creator.ID})
	co, err := h.app.issuance.CreateOffer(ctx, issuance.CreateOfferRequest{ConfigurationIDs: []string{"staff_badge"},
		Claims: staffBadgeOffer()["claims"].(map[string]any)})
	if err != nil {
		t.Fatal(err)
	}
	f := startFlow(t, h, newWallet(t, h), &createdOffer{ID: co.Offer.ID, OfferURI: co.Links.OfferURI, TxCode: co.TxCode}, nil)
	res := f.request(t, h, map[string]any{"credential_configuration_id": "staff_badge"})
	if res.Status != http.StatusAccepted {
		t.Fatalf("credential: got %d, want 202\n%s", res.Status, res.Body)
	}
	var p pendingJSON
	res.JSON(t, &p)
	id := requestID(t, h, p.TransactionID)

	res = creatorB.postForm("/console/reviews/"+id+"/approve", url.Values{})
	if res.Status != http.StatusConflict || !strings.Contains(res.doc(t).Find(".flash.error").Text(), "Four-eyes") {
		t.Fatalf("creator approves: got %d\n%s", res.Status, res.Body)
	}
	if msg := flash(t, creatorB, creatorB.postForm("/console/reviews/approve", url.Values{"id": {id}})); !strings.Contains(msg, "need another reviewer") {
		t.Fatalf("creator bulk-approves: flash %q", msg)
	}
	wantPending(t, poll(h, f, p.TransactionID), p.TransactionID)

	second, _ := h.signedIn(t, "second@example.org", staff.RoleReviewer)
	if msg := flash(t, second, second.postForm("/console/reviews/approve", url.Values{"id": {id}})); msg != "1 approved." {
		t.Fatalf("second reviewer bulk-approves: flash %q", msg)
	}
	collectAndCheck(t, h, f, p.TransactionID)
}

// TestConsoleReviewSLA: a request older than the SLA is marked overdue.
func TestConsoleReviewSLA(t *testing.T) {
	h := newHarness(t, withReview(credential.ReviewManual, false))
	_, p := deferredStart(t, h, newWallet(t, h), nil)
	id := requestID(t, h, p.TransactionID)
	h.clock.Advance(49 * time.Hour)
	b := h.newBrowser(t, staff.RoleReviewer)
	row := b.get("/console/reviews").doc(t).Find("#review-" + id)
	if !strings.Contains(row.Find(".sla").Text(), "overdue") || !strings.Contains(row.Find(".age").Text(), "2d 1h") {
		t.Fatalf("overdue row: %q", row.Text())
	}
	if !strings.Contains(b.get("/console/reviews/"+id).doc(t).Find(".sla").Text(), "overdue") {
		t.Error("the detail page does not mark the request overdue")
	}

	// issuer.deferred_review_sla sets the SLA.
	h = newHarness(t, withReview(credential.ReviewManual, false), func(c *config.Config, _ *harnessSettings) {
		c.Issuer.DeferredReviewSLA = 2 * time.Hour
	})
	_, p = deferredStart(t, h, newWallet(t, h), nil)
	id = requestID(t, h, p.TransactionID)
	h.clock.Advance(90 * time.Minute)
	b, _ = h.signedIn(t, "sla-1@example.org", staff.RoleReviewer) // a fresh session: the idle timeout runs with the clock
	if sla := b.get("/console/reviews").doc(t).Find("#review-" + id).Find(".sla").Text(); !strings.Contains(sla, "within SLA") {
		t.Errorf("1h30 with a 2h SLA: got %q, want within SLA", sla)
	}
	h.clock.Advance(time.Hour)
	b, _ = h.signedIn(t, "sla-2@example.org", staff.RoleReviewer)
	if sla := b.get("/console/reviews").doc(t).Find("#review-" + id).Find(".sla").Text(); !strings.Contains(sla, "overdue") {
		t.Errorf("2h30 with a 2h SLA: got %q, want overdue", sla)
	}
	// The dashboard counts pending, unexpired requests (one aggregate query).
	if n := b.get("/console/").doc(t).Find(".pending-reviews .tile-value").Text(); n != "1" {
		t.Errorf("dashboard pending reviews: got %q, want 1", n)
	}
	h.clock.Advance(15 * 24 * time.Hour) // past issuer.deferred_lifetime
	b, _ = h.signedIn(t, "sla-3@example.org", staff.RoleReviewer)
	if n := b.get("/console/").doc(t).Find(".pending-reviews .tile-value").Text(); n != "0" {
		t.Errorf("dashboard pending reviews after expiry: got %q, want 0", n)
	}
}

// TestBrowserReviewerApproves: a reviewer opens the queue from the menu,
// opens the request and approves it in a real browser; the wallet's next
// poll returns the credential bound to the key of the original proof.
func TestBrowserReviewerApproves(t *testing.T) {
	ctx := newChrome(t)
	h := newHarness(t, withReview(credential.ReviewManual, false))
	f, p := deferredStart(t, h, newWallet(t, h), nil)
	id := requestID(t, h, p.TransactionID)
	signIn(t, ctx, h, staff.RoleReviewer)
	err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`header nav a[href$="/console/reviews"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#review-`+id+` a`)),
		chromedp.Click(chromedp.CSS(`#review-`+id+` a`)),
		chromedp.WaitVisible(chromedp.CSS(`form.approve button`)),
	)
	if err != nil {
		t.Fatalf("opening the request: %v", err)
	}
	screenshot(t, ctx, "review-detail")
	wantPending(t, poll(h, f, p.TransactionID), p.TransactionID)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form.approve button`)), chromedp.WaitVisible(chromedp.CSS(`p.flash`))); err != nil {
		t.Fatalf("approving: %v", err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`p.flash`)))
	if err != nil || !strings.Contains(msg, "approved") {
		t.Fatalf("flash after approval: %q, %v", msg, err)
	}
	collectAndCheck(t, h, f, p.TransactionID)
}
