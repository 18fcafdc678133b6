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

// Notifier turns issuance.approved and issuance.rejected events into the
// applicant's email (a webhooks.Sink: the event relay queues the message in
// the transaction that takes the event off the event outbox, so the email
// goes out once the decision committed, at least once).
type Notifier struct {
	svc *Service
	// revealReason puts the rejection reason into the email.
	revealReason bool
}

// NewNotifier returns a Notifier for s. It sends nothing when email is not
// configured.
func NewNotifier(s *Service, revealReason bool) (*Notifier, error) {
	if s == nil {
		return nil, errors.New("delivery: the notifier needs the delivery service")
	}
	return &Notifier{svc: s, revealReason: revealReason}, nil
}

// isReviewPurpose says whether purpose is a review outcome message.
func isReviewPurpose(purpose string) bool {
	return purpose == PurposeReviewReady || purpose == PurposeReviewRejected
}

// reviewPurpose is the email purpose of a webhook event type, "" for none.
func reviewPurpose(eventType string) string {
	switch eventType {
	case issuance.WebhookIssuanceApproved:
		return PurposeReviewReady
	case issuance.WebhookIssuanceRejected:
		return PurposeReviewRejected
	}
	return ""
}

// Wants reports whether events of type t may send an email.
func (n *Notifier) Wants(t string) bool { return n.svc.EmailEnabled && reviewPurpose(t) != "" }

// Messages returns the email for the applicant of ev's offer, none when
// the offer has no applicant with an email address. An error (a failed
// read) makes the relay try again later.
func (n *Notifier) Messages(ctx context.Context, ev issuance.WebhookEvent) ([]Message, error) {
	purpose := reviewPurpose(ev.Type)
	if purpose == "" || ev.OfferID == "" || !n.svc.EmailEnabled {
		return nil, nil
	}
	s := n.svc
	offers, err := s.Store.Offers(ctx, []string{ev.OfferID})
	if err != nil || len(offers) == 0 || offers[0].ApplicantID == "" {
		return nil, err
	}
	o := &offers[0]
	a, err := s.Applicants.Get(ctx, o.ApplicantID)
	if errors.Is(err, applicants.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if strings.TrimSpace(a.Email) == "" {
		return nil, nil
	}
	configurationID := ev.ConfigurationID
	if configurationID == "" && len(o.ConfigurationIDs) > 0 {
		configurationID = o.ConfigurationIDs[0]
	}
	p := Payload{To: a.Email, Name: a.Name, Locale: s.locale(ctx, configurationID), ConfigurationID: configurationID, ExpiresAt: o.ExpiresAt}
	links, err := s.Issuance.Links(o)
	if err != nil {
		return nil, err
	}
	p.LandingURL = links.LandingURL
	if purpose == PurposeReviewRejected && n.revealReason {
		p.Reason = ev.Reason
	}
	m, err := s.newMessage(KindEmail, purpose, o.ID, p)
	if err != nil {
		return nil, err
	}
	return []Message{*m}, nil
}
