package main

import (
	"context"
	"mime"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"credmint/app/credential"
	"credmint/app/delivery"
)

// reviewOffer makes an offer (no emails, no PIN) for a staff_badge applicant
// with an email address, runs the pre-authorized flow to the 202 and returns
// the flow, the transaction id and the landing URL.
func reviewOffer(t *testing.T, h *harness) (*flow, string, string) {
	t.Helper()
	a := h.newApplicantIn(t, "staff_badge", "Ada Lovelace", "ada@example.org", "", "")
	created, err := h.app.delivery.CreateOffer(staffCtx(), a.ID, delivery.Order{DeliveryChannel: "none", TxCodeChannel: "none"})
	if err != nil {
		t.Fatal(err)
	}
	f := startFlow(t, h, newWallet(t, h), &createdOffer{ID: created.Offer.ID, OfferURI: created.Links.OfferURI}, nil)
	res := f.request(t, h, map[string]any{"credential_configuration_id": "staff_badge"})
	if res.Status != http.StatusAccepted {
		t.Fatalf("credential: got %d, want 202\n%s", res.Status, res.Body)
	}
	var p pendingJSON
	res.JSON(t, &p)
	return f, p.TransactionID, created.Links.LandingURL
}

// landingState returns the class naming the state shown on a landing page.
func landingState(t *testing.T, h *harness, landingURL string) string {
	t.Helper()
	res := h.do(http.MethodGet, landingURL, map[string]string{"Accept-Language": "en"}, nil)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(res.Body)))
	if err != nil {
		t.Fatal(err)
	}
	cls, _ := doc.Find(".state").First().Attr("class")
	return cls + " | " + strings.TrimSpace(doc.Find(".state").First().Text())
}

func TestDeferredApprovalEmailsTheApplicant(t *testing.T) {
	srv := startSMTP(t)
	h := newHarness(t, withSMTP(srv), withReview(credential.ReviewManual, false))
	h.trustSMTP(t, srv)
	_, txID, landingURL := reviewOffer(t, h)
	if got := landingState(t, h, landingURL); !strings.Contains(got, "state-review-pending") || !strings.Contains(got, "pending review") {
		t.Fatalf("landing before review: %q", got)
	}
	if res := h.admin("/deferred/"+txID+"/approve", map[string]any{}); res.Status != http.StatusOK {
		t.Fatalf("approve: got %d\n%s", res.Status, res.Body)
	}
	if err := h.app.deliveryWorkers.outbox.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := srv.received()
	if len(got) != 1 || got[0].To[0] != "ada@example.org" {
		t.Fatalf("received %d messages, want the one ready email to ada@example.org", len(got))
	}
	body := mailText(t, got[0].Data)
	if !strings.Contains(body, "is ready") || !strings.Contains(body, "open your wallet") || !strings.Contains(body, landingURL) {
		t.Fatalf("ready email lacks its words or the landing link:\n%.3000s", body)
	}
	if got := landingState(t, h, landingURL); !strings.Contains(got, "state-review-ready") || !strings.Contains(got, "open your wallet") {
		t.Fatalf("landing after approval: %q", got)
	}
}

func TestDeferredRejectionEmailsTheApplicantWithoutTheReason(t *testing.T) {
	srv := startSMTP(t)
	h := newHarness(t, withSMTP(srv), withReview(credential.ReviewManual, false))
	h.trustSMTP(t, srv)
	_, txID, landingURL := reviewOffer(t, h)
	if res := h.admin("/deferred/"+txID+"/reject", map[string]any{"reason": "secret staff note"}); res.Status != http.StatusOK {
		t.Fatalf("reject: got %d\n%s", res.Status, res.Body)
	}
	if err := h.app.deliveryWorkers.outbox.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := srv.received()
	if len(got) != 1 {
		t.Fatalf("received %d messages, want the one rejection email", len(got))
	}
	body := mailText(t, got[0].Data)
	if !strings.Contains(body, "was not approved") || strings.Contains(body, "secret staff note") {
		t.Fatalf("rejection email: want the generic text without the reviewer's reason:\n%.3000s", body)
	}
	if got := landingState(t, h, landingURL); !strings.Contains(got, "state-review-rejected") || !strings.Contains(got, "not approved") {
		t.Fatalf("landing after rejection: %q", got)
	}
}

// mailText is the decoded subject and text parts of a raw email.
func mailText(t *testing.T, raw []byte) string {
	t.Helper()
	m, parts := parseMail(t, raw)
	var b strings.Builder
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString(subject + "\n")
	for _, p := range parts {
		if strings.HasPrefix(p.Type, "text/") {
			b.Write(p.Body)
		}
	}
	return b.String()
}
