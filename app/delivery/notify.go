package delivery

import (
	"context"
	"errors"
	"strings"

	"credmint/app/applicants"
	"credmint/app/issuance"
)

// Applicant notification of deferred issuance (SPEC §10, issue 5): when a
// reviewer approves or rejects a deferred request, the offer's applicant
// gets an email through the outbox — "ready, open your wallet" with the
// landing link, or "not approved". The reviewer's reason is written for
// staff; it goes into the email only when the operator says so.

// Queue inserts outbox messages. db.Store implements it.
type Queue interface {
	QueueMessages(ctx context.Context, msgs []Message) error
}

// Notifier is an issuance.Events sink that queues the applicant's email on
// issuance.approved and issuance.rejected; other events are ignored.
type Notifier struct {
	svc   *Service
	queue Queue
	// revealReason puts the rejection reason into the email.
	revealReason bool
}

// NewNotifier returns a Notifier queueing through q. It sends nothing when
// email is not configured.
func NewNotifier(s *Service, q Queue, revealReason bool) (*Notifier, error) {
	if s == nil || q == nil {
		return nil, errors.New("delivery: the notifier needs the delivery service and a queue")
	}
	return &Notifier{svc: s, queue: q, revealReason: revealReason}, nil
}

// isReviewPurpose says whether purpose is a review outcome message.
func isReviewPurpose(purpose string) bool {
	return purpose == PurposeReviewReady || purpose == PurposeReviewRejected
}

// Emit implements issuance.Events. The decision is already stored when
// events are emitted, so a failure to queue the email is logged (ids only)
// and not returned: it must not make a committed approval look failed.
func (n *Notifier) Emit(ctx context.Context, ev issuance.WebhookEvent) error {
	purpose := ""
	switch ev.Type {
	case issuance.WebhookIssuanceApproved:
		purpose = PurposeReviewReady
	case issuance.WebhookIssuanceRejected:
		purpose = PurposeReviewRejected
	}
	if purpose == "" || ev.OfferID == "" || !n.svc.EmailEnabled {
		return nil
	}
	if err := n.queueFor(ctx, ev, purpose); err != nil {
		n.svc.Log.Error("could not queue the applicant's review email", "offer_id", ev.OfferID, "event", ev.Type, "error", err)
	}
	return nil
}

// queueFor queues the email of purpose for the applicant of ev's offer,
// when the offer has an applicant with an email address.
func (n *Notifier) queueFor(ctx context.Context, ev issuance.WebhookEvent, purpose string) error {
	s := n.svc
	offers, err := s.Store.Offers(ctx, []string{ev.OfferID})
	if err != nil || len(offers) == 0 || offers[0].ApplicantID == "" {
		return err
	}
	o := &offers[0]
	a, err := s.Applicants.Get(ctx, o.ApplicantID)
	if errors.Is(err, applicants.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if strings.TrimSpace(a.Email) == "" {
		return nil
	}
	configurationID := ev.ConfigurationID
	if configurationID == "" && len(o.ConfigurationIDs) > 0 {
		configurationID = o.ConfigurationIDs[0]
	}
	p := Payload{To: a.Email, Name: a.Name, Locale: s.locale(ctx, configurationID), ConfigurationID: configurationID, ExpiresAt: o.ExpiresAt}
	if links, err := s.Issuance.Links(o); err == nil {
		p.LandingURL = links.LandingURL
	} else {
		return err
	}
	if purpose == PurposeReviewRejected && n.revealReason {
		p.Reason = ev.Reason
	}
	m, err := s.newMessage(KindEmail, purpose, o.ID, p)
	if err != nil {
		return err
	}
	if err := n.queue.QueueMessages(ctx, []Message{*m}); err != nil {
		return err
	}
	s.Wake()
	return nil
}
