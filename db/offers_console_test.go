package db_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"credmint/app/applicants"
	"credmint/app/audit"
	"credmint/app/delivery"
	"credmint/app/issuance"
	"credmint/db"
	"credmint/db/dbtest"
)

func TestOfferDeliveryFieldsRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		delivered := t0.Add(time.Minute)
		want := createOffer(t, s, "off-d", func(o *issuance.Offer) {
			o.ApplicantID, o.BatchID = "app-1", "bat-1"
			o.DeliveryChannel, o.TxCodeChannel = issuance.DeliveryPrint, issuance.DeliverySMS
			o.TxCodeSealed = []byte("sealed tx_code")
			o.DeliveredAt = &delivered
		})
		got := mustOffer(t, s, "off-d")
		if diff := cmp.Diff(normalized(want), got); diff != "" {
			t.Errorf("offer round trip (-want +got):\n%s", diff)
		}
	})
}

// normalized is o as the store returns it (UTC).
func normalized(o *issuance.Offer) *issuance.Offer {
	c := *o
	c.CreatedAt, c.ExpiresAt = o.CreatedAt.UTC(), o.ExpiresAt.UTC()
	if o.DeliveredAt != nil {
		d := o.DeliveredAt.UTC()
		c.DeliveredAt = &d
	}
	return &c
}

func TestListOffersFiltersAndPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		now := t0.Add(2 * time.Hour)
		// Ten open offers a minute apart, and one of each other state.
		for i := range 10 {
			createOffer(t, s, fmt.Sprintf("off-%02d", i), func(o *issuance.Offer) {
				o.CreatedAt = t0.Add(time.Duration(i) * time.Minute)
				o.ExpiresAt = now.Add(time.Hour)
				o.BatchID = "bat-a"
			})
		}
		createOffer(t, s, "off-expired", nil) // expires t0+1h < now
		createOffer(t, s, "off-fetched", func(o *issuance.Offer) { o.State, o.ExpiresAt = issuance.OfferFetched, now.Add(time.Hour) })
		createOffer(t, s, "off-locked", func(o *issuance.Offer) { o.State = issuance.OfferLocked })
		createOffer(t, s, "off-spent", func(o *issuance.Offer) {
			o.TxCodeAttempts, o.ExpiresAt = 5, now.Add(time.Hour) // locked by attempts
		})
		createOffer(t, s, "off-revoked", func(o *issuance.Offer) { o.State = issuance.OfferRevoked; o.ApplicantID = "app-9" })
		createOffer(t, s, "off-accepted", func(o *issuance.Offer) { o.State = issuance.OfferAccepted })

		ids := func(f issuance.OfferFilter) []string {
			t.Helper()
			f.Now = now
			if f.Limit == 0 {
				f.Limit = 100
			}
			got, err := s.ListOffers(t.Context(), f)
			if err != nil {
				t.Fatal(err)
			}
			out := make([]string, len(got))
			for i, o := range got {
				out[i] = o.ID
			}
			return out
		}
		for _, tc := range []struct {
			state issuance.OfferState
			want  []string
		}{
			{issuance.OfferExpired, []string{"off-expired"}},
			{issuance.OfferFetched, []string{"off-fetched"}},
			{issuance.OfferLocked, []string{"off-spent", "off-locked"}},
			{issuance.OfferRevoked, []string{"off-revoked"}},
			{issuance.OfferAccepted, []string{"off-accepted"}},
		} {
			if diff := cmp.Diff(tc.want, ids(issuance.OfferFilter{State: tc.state}), sortStrings); diff != "" {
				t.Errorf("state %s (-want +got):\n%s", tc.state, diff)
			}
		}
		if got := ids(issuance.OfferFilter{State: issuance.StateOpen}); len(got) != 11 {
			t.Errorf("open offers: got %d %v, want the 10 of the batch and off-fetched", len(got), got)
		}
		if got := ids(issuance.OfferFilter{ApplicantID: "app-9"}); !cmp.Equal(got, []string{"off-revoked"}) {
			t.Errorf("applicant filter: got %v", got)
		}

		// Keyset pages of 4 over the batch: newest first, no gaps, no repeats.
		var pages [][]string
		f := issuance.OfferFilter{BatchID: "bat-a", Limit: 4, Now: now}
		for {
			got, err := s.ListOffers(t.Context(), f)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				break
			}
			var page []string
			for _, o := range got {
				page = append(page, o.ID)
			}
			pages = append(pages, page)
			last := got[len(got)-1]
			f.After = &issuance.OfferCursor{CreatedAt: last.CreatedAt, ID: last.ID}
		}
		want := [][]string{{"off-09", "off-08", "off-07", "off-06"}, {"off-05", "off-04", "off-03", "off-02"}, {"off-01", "off-00"}}
		if diff := cmp.Diff(want, pages); diff != "" {
			t.Errorf("pages (-want +got):\n%s", diff)
		}
	})
}

var sortStrings = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

func TestExtendOffer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		createOffer(t, s, "off-1", nil)
		createOffer(t, s, "off-2", inState(issuance.OfferRedeemed))
		until := t0.Add(48 * time.Hour)
		if err := s.ExtendOffer(t.Context(), "off-1", until, event("offer.extended", "off-1")); err != nil {
			t.Fatal(err)
		}
		if got := mustOffer(t, s, "off-1").ExpiresAt; !got.Equal(until) {
			t.Errorf("expires_at: got %v, want %v", got, until)
		}
		if err := s.ExtendOffer(t.Context(), "off-2", until, event("offer.extended", "off-2")); !errors.Is(err, issuance.ErrConflict) {
			t.Errorf("extend a redeemed offer: got %v, want ErrConflict", err)
		}
		if err := s.ExtendOffer(t.Context(), "nope", until, event("offer.extended", "nope")); !errors.Is(err, issuance.ErrNotFound) {
			t.Errorf("extend a missing offer: got %v, want ErrNotFound", err)
		}
		evs, _ := s.AuditEvents(t.Context(), "offer", "off-2")
		if len(evs) != 1 {
			t.Errorf("a refused extension must write no event: %d events", len(evs))
		}
	})
}

// message is a pending outbox message for offer.
func message(id, offer, purpose string) delivery.Message {
	return delivery.Message{ID: id, Kind: delivery.KindEmail, Purpose: purpose, OfferID: offer, PayloadSealed: []byte("sealed " + id),
		State: delivery.StatePending, NextAttemptAt: t0, CreatedAt: t0}
}

func TestCreateOffersWithMessages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		var batch []delivery.NewOffer
		for i := range 450 { // more than one multi-row statement of each kind
			id := fmt.Sprintf("off-%03d", i)
			batch = append(batch, delivery.NewOffer{Offer: newOffer(id), Event: event("offer.created", id),
				Messages: []delivery.Message{message("msg-o-"+id, id, delivery.PurposeOffer), message("msg-t-"+id, id, delivery.PurposeTxCode)}})
		}
		if err := s.CreateOffers(t.Context(), batch); err != nil {
			t.Fatal(err)
		}
		msgs, err := s.OfferMessages(t.Context(), "off-449")
		if err != nil || len(msgs) != 2 {
			t.Fatalf("messages of off-449: %v %v", msgs, err)
		}
		want := message("msg-t-off-449", "off-449", delivery.PurposeTxCode)
		want.NextAttemptAt, want.CreatedAt = want.NextAttemptAt.UTC(), want.CreatedAt.UTC()
		if diff := cmp.Diff(want, msgs[1]); diff != "" {
			t.Errorf("message round trip (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(normalized(batch[300].Offer), mustOffer(t, s, "off-300")); diff != "" {
			t.Errorf("offer round trip (-want +got):\n%s", diff)
		}
		if evs, _ := s.AuditEvents(t.Context(), "offer", "off-300"); len(evs) != 1 || evs[0].Action != "offer.created" {
			t.Errorf("events of off-300: %+v", evs)
		}
		// A taken id rolls back the whole set.
		dup := []delivery.NewOffer{{Offer: newOffer("off-new"), Event: event("offer.created", "off-new")}, batch[0]}
		if err := s.CreateOffers(t.Context(), dup); !errors.Is(err, issuance.ErrConflict) {
			t.Fatalf("duplicate: got %v, want ErrConflict", err)
		}
		if _, err := s.Offer(t.Context(), "off-new"); !errors.Is(err, issuance.ErrNotFound) {
			t.Errorf("off-new must have been rolled back: %v", err)
		}
	})
}

func TestOutboxClaimSendRetryFail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		createOffer(t, s, "off-1", nil)
		msgs := []delivery.Message{message("m1", "off-1", delivery.PurposeOffer), message("m2", "off-1", delivery.PurposeTxCode), message("m3", "off-1", delivery.PurposeTxCode)}
		msgs[2].NextAttemptAt = t0.Add(time.Hour) // not due yet
		if err := s.CreateOffers(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RequeueMessages(ctx, "off-1", t0, msgs, event("offer.resent", "off-1")); err != nil {
			t.Fatal(err)
		}
		got, err := s.ClaimMessages(ctx, "w1", t0, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].State != delivery.StateSending || got[0].Attempts != 1 || got[0].LeaseOwner != "w1" {
			t.Fatalf("claim: %+v", got)
		}
		// While leased, nobody else gets them.
		if again, _ := s.ClaimMessages(ctx, "w2", t0.Add(30*time.Second), time.Minute, 10); len(again) != 0 {
			t.Fatalf("claimed twice: %+v", again)
		}
		if err := s.MarkMessageSent(ctx, "m1", "w2", t0, event("offer.delivered", "off-1")); !errors.Is(err, issuance.ErrConflict) {
			t.Errorf("mark by a worker without the lease: got %v", err)
		}
		if err := s.MarkMessageSent(ctx, "m1", "w1", t0.Add(time.Second), event("offer.delivered", "off-1")); err != nil {
			t.Fatal(err)
		}
		if o := mustOffer(t, s, "off-1"); o.DeliveredAt == nil {
			t.Error("an offer message sent must set delivered_at")
		}
		if err := s.RetryMessage(ctx, "m2", "w1", t0.Add(10*time.Minute), "smtp: timed out"); err != nil {
			t.Fatal(err)
		}
		all, _ := s.OfferMessages(ctx, "off-1")
		byID := map[string]delivery.Message{}
		for _, m := range all {
			byID[m.ID] = m
		}
		if m := byID["m1"]; m.State != delivery.StateSent || m.PayloadSealed != nil || m.SentAt == nil {
			t.Errorf("sent message keeps no payload: %+v", m)
		}
		if m := byID["m2"]; m.State != delivery.StatePending || m.LastError != "smtp: timed out" || m.LeaseOwner != "" {
			t.Errorf("retried message: %+v", m)
		}
		// A worker that dies while sending: the lease runs out and the
		// message is claimed again, with one more attempt.
		got, _ = s.ClaimMessages(ctx, "w1", t0.Add(11*time.Minute), time.Minute, 10)
		if len(got) != 1 || got[0].ID != "m2" {
			t.Fatalf("due again: %+v", got)
		}
		got, _ = s.ClaimMessages(ctx, "w2", t0.Add(61*time.Minute), time.Minute, 10)
		if len(got) != 2 || (got[0].ID != "m3" && got[1].ID != "m3") {
			t.Fatalf("expired lease and due message: %+v", got)
		}
		if err := s.RetryMessage(ctx, "m2", "w1", t0, "late"); !errors.Is(err, issuance.ErrConflict) {
			t.Errorf("retry after losing the lease: got %v", err)
		}
		if err := s.EndMessage(ctx, "m2", "w2", delivery.StateFailed, t0.Add(14*time.Minute), "smtp: refused", event("offer.delivery_failed", "off-1")); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CountFailedMessages(ctx); n != 1 {
			t.Errorf("failed messages: got %d, want 1", n)
		}
		if got, _ := s.OffersWithFailedMessages(ctx, []string{"off-1", "off-x"}); !cmp.Equal(got, map[string]bool{"off-1": true}) {
			t.Errorf("offers with failed messages: %v", got)
		}
		if err := s.EndMessage(ctx, "m3", "w2", delivery.StateCancelled, t0.Add(14*time.Minute), "offer revoked", event("offer.delivery_cancelled", "off-1")); err != nil {
			t.Fatal(err)
		}
		// Resend: the failed message (payload kept) is due again.
		n, err := s.RequeueMessages(ctx, "off-1", t0.Add(20*time.Minute), nil, event("offer.resent", "off-1"))
		if err != nil || n != 1 {
			t.Fatalf("requeue: %d %v", n, err)
		}
		all, _ = s.OfferMessages(ctx, "off-1")
		for _, m := range all {
			if m.ID == "m2" && (m.State != delivery.StatePending || m.Attempts != 0) {
				t.Errorf("requeued: %+v", m)
			}
			if m.ID == "m3" && m.PayloadSealed != nil {
				t.Errorf("a cancelled message keeps no payload")
			}
		}
	})
}

func TestOutboxConcurrentClaimers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		createOffer(t, s, "off-1", nil)
		var msgs []delivery.Message
		for i := range 60 {
			msgs = append(msgs, message(fmt.Sprintf("m%02d", i), "off-1", delivery.PurposeOffer))
		}
		if _, err := s.RequeueMessages(ctx, "off-1", t0, msgs, event("offer.resent", "off-1")); err != nil {
			t.Fatal(err)
		}
		results := make(chan []delivery.Message, 6)
		for w := range 6 {
			go func() {
				var mine []delivery.Message
				for {
					got, err := s.ClaimMessages(ctx, fmt.Sprintf("w%d", w), t0, time.Minute, 3)
					if err != nil {
						t.Error(err)
						break
					}
					if len(got) == 0 {
						break
					}
					mine = append(mine, got...)
				}
				results <- mine
			}()
		}
		seen := map[string]bool{}
		for range 6 {
			for _, m := range <-results {
				if seen[m.ID] {
					t.Errorf("message %s claimed twice", m.ID)
				}
				seen[m.ID] = true
			}
		}
		if len(seen) != 60 {
			t.Errorf("claimed %d of 60", len(seen))
		}
	})
}

func TestReplaceTxCode(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		fetched := t0.Add(time.Minute)
		createOffer(t, s, "off-1", func(o *issuance.Offer) {
			o.State, o.TxCodeAttempts, o.FetchedAt, o.LockedAt = issuance.OfferLocked, 5, &fetched, &fetched
		})
		createOffer(t, s, "off-2", inState(issuance.OfferRedeemed))
		old := message("m-old", "off-1", delivery.PurposeTxCode)
		if _, err := s.RequeueMessages(ctx, "off-1", t0, []delivery.Message{old}, event("offer.resent", "off-1")); err != nil {
			t.Fatal(err)
		}
		r := delivery.TxCodeReplacement{OfferID: "off-1", Hash: hash("new code"), Sealed: []byte("sealed new"), Now: t0.Add(time.Minute)}
		if err := s.ReplaceTxCode(ctx, r, []delivery.Message{message("m-new", "off-1", delivery.PurposeTxCode)}, event("offer.tx_code_regenerated", "off-1")); err != nil {
			t.Fatal(err)
		}
		o := mustOffer(t, s, "off-1")
		if o.State != issuance.OfferFetched || o.TxCodeAttempts != 0 || o.LockedAt != nil || o.TxCodeHash != hash("new code") || string(o.TxCodeSealed) != "sealed new" {
			t.Errorf("after replace: state %s attempts %d locked %v sealed %q", o.State, o.TxCodeAttempts, o.LockedAt, o.TxCodeSealed)
		}
		msgs, _ := s.OfferMessages(ctx, "off-1")
		states := map[string]string{}
		for _, m := range msgs {
			states[m.ID] = m.State
		}
		if states["m-old"] != delivery.StateCancelled || states["m-new"] != delivery.StatePending {
			t.Errorf("messages after replace: %v", states)
		}
		r.OfferID = "off-2"
		if err := s.ReplaceTxCode(ctx, r, nil, event("offer.tx_code_regenerated", "off-2")); !errors.Is(err, issuance.ErrConflict) {
			t.Errorf("replace on a redeemed offer: got %v", err)
		}
		r.OfferID, r.Now = "off-1", t0.Add(2*time.Hour) // expired
		if err := s.ReplaceTxCode(ctx, r, nil, event("offer.tx_code_regenerated", "off-1")); !errors.Is(err, issuance.ErrConflict) {
			t.Errorf("replace on an expired offer: got %v", err)
		}
	})
}

func TestSealedTxCodeIsWipedWhenSpent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		seal := func(o *issuance.Offer) { o.TxCodeSealed = []byte("sealed") }
		createOffer(t, s, "off-revoke", seal)
		createOffer(t, s, "off-lock", seal)
		createOffer(t, s, "off-expire", seal)
		createOffer(t, s, "off-keep", func(o *issuance.Offer) { seal(o); o.ExpiresAt = t0.Add(5 * time.Hour) })
		if err := s.RevokeOffer(ctx, "off-revoke", t0, event("offer.revoked", "off-revoke")); err != nil {
			t.Fatal(err)
		}
		if err := s.LockOffer(ctx, "off-lock", t0, event("offer.locked", "off-lock")); err != nil {
			t.Fatal(err)
		}
		n, err := s.WipeSpentTxCodes(ctx, t0.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("wiped %d expired offers, want 1", n)
		}
		for id, want := range map[string]bool{"off-revoke": false, "off-lock": false, "off-expire": false, "off-keep": true} {
			if got := mustOffer(t, s, id).TxCodeSealed != nil; got != want {
				t.Errorf("%s keeps its sealed tx_code: %v, want %v", id, got, want)
			}
		}
	})
}

func TestMarkPrinted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		early := t0.Add(-time.Hour)
		createOffer(t, s, "off-1", nil)
		createOffer(t, s, "off-2", func(o *issuance.Offer) { o.DeliveredAt = &early })
		evs := []audit.Event{event("offer.printed", "off-1"), event("offer.printed", "off-2")}
		if err := s.MarkPrinted(t.Context(), []string{"off-1", "off-2"}, t0, evs); err != nil {
			t.Fatal(err)
		}
		if got := mustOffer(t, s, "off-1").DeliveredAt; got == nil || !got.Equal(t0) {
			t.Errorf("off-1 delivered_at: %v", got)
		}
		if got := mustOffer(t, s, "off-2").DeliveredAt; !got.Equal(early) {
			t.Errorf("a reprint must keep the first delivery time: %v", got)
		}
		if evs, _ := s.AuditEvents(t.Context(), "offer", "off-2"); len(evs) != 2 || evs[1].Action != "offer.printed" {
			t.Errorf("events: %+v", evs)
		}
	})
}

// TestOfferBatchGrant: a batch of offers with the login keeps its grant
// (stored with the selection) and its selection.
func TestOfferBatchGrant(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		login := &delivery.Batch{ID: "bat-login", Selection: applicants.Filter{ConfigurationID: "cfg", Query: "an"}, State: delivery.BatchDone,
			Order:     delivery.Order{DeliveryChannel: "print", TxCodeChannel: "none", Grant: issuance.GrantAuthorizationCode},
			CreatedBy: "staff-1", CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateBatch(ctx, login, batchEvent("offer_batch.started")); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Batch(ctx, "bat-login"); err != nil || got.Order.Grant != issuance.GrantAuthorizationCode || got.Selection != login.Selection {
			t.Errorf("batch with login round trip: %+v, %v", got, err)
		}
	})
}

func TestOfferBatches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		b := &delivery.Batch{ID: "bat-1", Selection: applicants.Filter{ImportJobID: "imp-1"}, State: delivery.BatchRunning,
			Order:     delivery.Order{DeliveryChannel: "email", TxCodeChannel: "sms", ExpiresIn: 48 * time.Hour},
			CreatedBy: "staff-1", CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateBatch(ctx, b, batchEvent("offer_batch.started")); err != nil {
			t.Fatal(err)
		}
		got, err := s.ClaimBatch(ctx, "p1", t0, t0.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if got.Selection.ImportJobID != "imp-1" || got.Order.ExpiresIn != 48*time.Hour || got.Order.TxCodeChannel != "sms" || got.Order.Grant != "" {
			t.Errorf("batch round trip: %+v", got)
		}
		if _, err := s.ClaimBatch(ctx, "p2", t0.Add(time.Second), t0.Add(time.Minute)); !errors.Is(err, issuance.ErrNotFound) {
			t.Errorf("a held batch must not be claimed: %v", err)
		}
		offer := func(id string) delivery.NewOffer {
			o := newOffer(id)
			o.BatchID, o.ApplicantID = "bat-1", "app-"+id
			return delivery.NewOffer{Offer: o, Event: event("offer.created", id)}
		}
		step := delivery.BatchStep{BatchID: "bat-1", Owner: "p1", After: "", Next: "app-b", Offers: []delivery.NewOffer{offer("a"), offer("b")},
			Skipped: 1, Total: 10, At: t0, LeaseUntil: t0.Add(time.Minute)}
		if err := s.StoreBatchStep(ctx, step); err != nil {
			t.Fatal(err)
		}
		// The same chunk again (a second process, or a replay) is refused
		// whole: the resume point moved.
		if err := s.StoreBatchStep(ctx, step); !errors.Is(err, issuance.ErrConflict) {
			t.Fatalf("replayed step: got %v", err)
		}
		step2 := delivery.BatchStep{BatchID: "bat-1", Owner: "p2", After: "app-b", Next: "app-c", Offers: []delivery.NewOffer{offer("c")}, At: t0, LeaseUntil: t0.Add(time.Minute)}
		if err := s.StoreBatchStep(ctx, step2); !errors.Is(err, issuance.ErrConflict) {
			t.Fatalf("step by a process without the lease: got %v", err)
		}
		if _, err := s.Offer(ctx, "c"); !errors.Is(err, issuance.ErrNotFound) {
			t.Fatalf("a refused step must write nothing: %v", err)
		}
		done, _ := s.BatchApplicants(ctx, "bat-1")
		if !cmp.Equal(done, map[string]bool{"app-a": true, "app-b": true}) {
			t.Errorf("batch applicants: %v", done)
		}
		if offers, _ := s.BatchOffers(ctx, "bat-1"); len(offers) != 2 {
			t.Errorf("batch offers: %d", len(offers))
		}
		if err := s.FinishBatch(ctx, "bat-1", "p1", delivery.BatchDone, "", t0.Add(time.Minute), batchEvent("offer_batch.done")); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Batch(ctx, "bat-1")
		if got.State != delivery.BatchDone || got.Created != 2 || got.Skipped != 1 || got.Total != 10 || got.After != "app-b" || got.FinishedAt == nil {
			t.Errorf("finished batch: %+v", got)
		}
		if recent, _ := s.RecentBatches(ctx, 5); len(recent) != 1 {
			t.Errorf("recent batches: %d", len(recent))
		}
	})
}

func batchEvent(action string) audit.Event {
	ev := event(action, "bat-1")
	ev.SubjectType = "offer_batch"
	return ev
}
