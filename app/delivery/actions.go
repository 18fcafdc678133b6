package delivery

import (
	"context"
	"errors"
	"fmt"

	"credmint/app/applicants"
	"credmint/app/issuance"
)

// Resend queues the offer's delivery again: failed messages are retried
// (their sealed payload is kept until sent), and the offer message is sent
// anew unless one is still on its way. A tx_code that was already sent is
// not known any more (only its hash is kept): to send it again, regenerate
// it. Printed offers are printed again from their letter instead.
func (s *Service) Resend(ctx context.Context, offerID string) (int, error) {
	o, err := s.Issuance.Offer(ctx, offerID)
	if err != nil {
		return 0, err
	}
	if !o.Redeemable(s.now()) {
		return 0, conflict("the offer is %s; there is nothing to deliver", o.EffectiveState(s.now()))
	}
	msgs, err := s.Store.OfferMessages(ctx, offerID)
	if err != nil {
		return 0, err
	}
	var add []Message
	if o.DeliveryChannel == issuance.DeliveryEmail && !offerMessageQueued(msgs) {
		m, err := s.offerMessage(ctx, o)
		if err != nil {
			return 0, err
		}
		add = append(add, *m)
	}
	failed := 0
	for _, m := range msgs {
		if m.State == StateFailed && len(m.PayloadSealed) > 0 {
			failed++
		}
	}
	if len(add) == 0 && failed == 0 {
		if o.DeliveryChannel == issuance.DeliveryPrint {
			return 0, conflict("the offer is delivered by letter: print the letter again")
		}
		return 0, conflict("there is nothing to resend: the delivery is already queued, or the offer has no delivery channel")
	}
	ev := s.event(ctx, "offer.resent", offerID, map[string]string{"delivery_channel": o.DeliveryChannel})
	n, err := s.Store.RequeueMessages(ctx, offerID, s.now(), add, ev)
	if err != nil {
		return 0, err
	}
	s.Wake()
	return n + len(add), nil
}

// offerMessageQueued reports whether an offer message is pending or being
// sent, or failed with its payload (which a resend retries).
func offerMessageQueued(msgs []Message) bool {
	for _, m := range msgs {
		if m.Purpose != PurposeOffer {
			continue
		}
		switch {
		case m.State == StatePending, m.State == StateSending:
			return true
		case m.State == StateFailed && len(m.PayloadSealed) > 0:
			return true
		}
	}
	return false
}

// offerMessage builds a new offer email for o from its applicant and its
// sealed handle.
func (s *Service) offerMessage(ctx context.Context, o *issuance.Offer) (*Message, error) {
	a, err := s.applicant(ctx, o)
	if err != nil {
		return nil, err
	}
	if a.Email == "" {
		return nil, &issuance.ValidationError{Fields: map[string]string{"delivery_channel": "the applicant has no email address"}}
	}
	links, err := s.Issuance.Links(o)
	if err != nil {
		return nil, err
	}
	return s.newMessage(KindEmail, PurposeOffer, o.ID, Payload{To: a.Email, Name: a.Name, Locale: s.locale(ctx, a.ConfigurationID),
		ConfigurationID: a.ConfigurationID, OfferURI: links.OfferURI, LandingURL: links.LandingURL, ExpiresAt: o.ExpiresAt, TxCodeChannel: o.TxCodeChannel})
}

func (s *Service) applicant(ctx context.Context, o *issuance.Offer) (*applicants.Applicant, error) {
	if o.ApplicantID == "" {
		return nil, conflict("the offer was not made for an applicant")
	}
	a, err := s.Applicants.Get(ctx, o.ApplicantID)
	if errors.Is(err, applicants.ErrNotFound) {
		return nil, conflict("the offer's applicant was deleted")
	}
	return a, err
}

// RegenerateTxCode draws a new tx_code for an offer (typically one locked by
// wrong codes): attempts start again, a locked offer goes back to created
// or fetched, unsent messages with the old code are cancelled, and the new
// code is delivered by the offer's tx_code channel (sent again, or sealed
// for the next print). It returns the new code only when the channel is
// none of those (staff hand it over themselves).
func (s *Service) RegenerateTxCode(ctx context.Context, offerID string) (string, error) {
	o, err := s.Issuance.Offer(ctx, offerID)
	if err != nil {
		return "", err
	}
	now := s.now()
	st := o.EffectiveState(now)
	if o.TxCode == nil {
		return "", conflict("the offer has no tx_code")
	}
	if st != issuance.OfferLocked && st != issuance.OfferCreated && st != issuance.OfferFetched {
		return "", conflict("the offer is %s; a new tx_code would not help", st)
	}
	code, hash, err := s.Issuance.DrawTxCode(o)
	if err != nil {
		return "", err
	}
	r := TxCodeReplacement{OfferID: o.ID, Hash: hash, Now: now}
	var add []Message
	shown := ""
	switch o.TxCodeChannel {
	case issuance.DeliveryPrint:
		if r.Sealed, err = s.Issuance.SealTxCode(o, code); err != nil {
			return "", err
		}
	case issuance.DeliveryEmail, issuance.DeliverySMS:
		a, err := s.applicant(ctx, o)
		if err != nil {
			return "", err
		}
		kind, to := KindEmail, a.Email
		if o.TxCodeChannel == issuance.DeliverySMS {
			kind, to = KindSMS, a.Phone
		}
		m, err := s.newMessage(kind, PurposeTxCode, o.ID, Payload{To: to, Name: a.Name, Locale: s.locale(ctx, a.ConfigurationID),
			ConfigurationID: a.ConfigurationID, TxCode: code, TxCodeChannel: o.TxCodeChannel, ExpiresAt: o.ExpiresAt})
		if err != nil {
			return "", err
		}
		add = append(add, *m)
	default:
		shown = code
	}
	ev := s.event(ctx, "offer.tx_code_regenerated", o.ID, map[string]string{"tx_code_channel": o.TxCodeChannel, "previous_state": string(st)})
	if err := s.Store.ReplaceTxCode(ctx, r, add, ev); err != nil {
		return "", err
	}
	if len(add) > 0 {
		s.Wake()
	}
	return shown, nil
}

// Messages returns the outbox messages of an offer, oldest first.
func (s *Service) Messages(ctx context.Context, offerID string) ([]Message, error) {
	return s.Store.OfferMessages(ctx, offerID)
}

// ConflictError explains why an action is not possible in the offer's
// current state. It wraps issuance.ErrConflict.
type ConflictError struct{ Reason string }

func (e *ConflictError) Error() string { return e.Reason }

// Unwrap makes errors.Is(err, issuance.ErrConflict) true.
func (e *ConflictError) Unwrap() error { return issuance.ErrConflict }

func conflict(format string, args ...any) error {
	return &ConflictError{Reason: fmt.Sprintf(format, args...)}
}
