package delivery

import (
	"context"
	"errors"

	"credmint/app/applicants"
	"credmint/app/credential"
	"credmint/app/issuance"
)

// Detail is everything the console's offer page shows.
type Detail struct {
	Offer *issuance.Offer
	State issuance.OfferState
	// Links are set only when asked for and the offer can be redeemed.
	Links     issuance.OfferLinks
	Timeline  *Timeline
	Messages  []Message
	Applicant *applicants.Applicant // nil when none or deleted
}

// OfferDetail gathers the offer page of id. withLinks opens the offer's
// handle (the QR code and links are secrets: only staff who manage offers
// see them).
func (s *Service) OfferDetail(ctx context.Context, id string, withLinks bool) (*Detail, error) {
	o, err := s.Issuance.Offer(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &Detail{Offer: o, State: o.EffectiveState(s.now())}
	if withLinks && o.Redeemable(s.now()) {
		if d.Links, err = s.Issuance.Links(o); err != nil {
			return nil, err
		}
	}
	if d.Timeline, err = s.Timeline(ctx, o); err != nil {
		return nil, err
	}
	if d.Messages, err = s.Store.OfferMessages(ctx, id); err != nil {
		return nil, err
	}
	if o.ApplicantID != "" {
		a, err := s.Applicants.Get(ctx, o.ApplicantID)
		if err != nil && !errors.Is(err, applicants.ErrNotFound) {
			return nil, err
		}
		d.Applicant = a
	}
	return d, nil
}

// Landing is what the applicant's landing page shows.
type Landing struct {
	Offer *issuance.Offer
	State issuance.OfferState
	Links issuance.OfferLinks
	// Configuration is the first offered configuration; nil when it is
	// disabled or gone.
	Configuration *credential.Configuration
	IssuerName    string
	Contact       string
	// Review is the state of the offer's latest deferred request as the
	// outside world sees it now ("" when the offer has none, SPEC §10).
	Review issuance.DeferredState
}

// Landing looks up the offer behind a landing-page handle. Nothing changes:
// viewing the page is not fetching the offer. issuance.ErrNotFound for an
// unknown handle.
func (s *Service) Landing(ctx context.Context, handle string) (*Landing, error) {
	o, links, err := s.Issuance.LandingOffer(ctx, handle)
	if err != nil {
		return nil, err
	}
	l := &Landing{Offer: o, State: o.EffectiveState(s.now()), Links: links, IssuerName: s.IssuerName, Contact: s.Contact}
	if len(o.ConfigurationIDs) > 0 {
		if c, err := s.Catalog.Configuration(ctx, o.ConfigurationIDs[0]); err == nil {
			l.Configuration = c
		}
	}
	if s.Issuance.Deferred != nil {
		ds, err := s.Issuance.ListDeferred(ctx, issuance.DeferredFilter{OfferID: o.ID})
		if err != nil {
			return nil, err
		}
		if len(ds) > 0 {
			l.Review = ds[len(ds)-1].EffectiveState(s.now())
		}
	}
	return l, nil
}
