package main

import (
	"context"
	"errors"

	"credmint/app/delivery"
	"credmint/app/issuance"
)

// eventSinks fans issuance events out to several sinks (the webhooks and
// the applicant notifier). Sinks are added while the app is wired, before
// it serves; every sink gets every event, errors are joined.
type eventSinks struct {
	sinks []issuance.Events
}

// Emit implements issuance.Events.
func (f *eventSinks) Emit(ctx context.Context, ev issuance.WebhookEvent) error {
	var errs []error
	for _, s := range f.sinks {
		if err := s.Emit(ctx, ev); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// wireNotifier adds the applicant notifier (review outcome emails, SPEC
// §10) to the issuance events; it needs the delivery service, built after
// issuance.
func (a *app) wireNotifier(events *eventSinks) error {
	n, err := delivery.NewNotifier(a.delivery, a.store, a.cfg.Issuer.NotifyRejectReason)
	if err != nil {
		return err
	}
	events.sinks = append(events.sinks, n)
	return nil
}
