package main

import (
	"credmint/app/delivery"
)

// wireNotifier adds the applicant notifier (review outcome emails, SPEC
// §10) to the event relay, and the relay to the outbox worker; it needs
// the delivery service, built after issuance.
func (a *app) wireNotifier() error {
	n, err := delivery.NewNotifier(a.delivery, a.cfg.Issuer.NotifyRejectReason)
	if err != nil {
		return err
	}
	a.eventRelay.Add(n)
	a.deliveryWorkers.outbox.Events = a.eventRelay
	return nil
}
