package main

import (
	"credmint/app/keys"
	"credmint/app/webhooks"
)

// wireWebhooks builds the webhook service, the event relay (issuance's
// Events, with the webhooks as its first sink) and the sender the outbox
// worker uses, from the webhooks settings. It runs before issuance is
// built; relayed events wake the outbox worker once it exists.
func (a *app) wireWebhooks(sealer *keys.Sealer) error {
	eps := make([]webhooks.Endpoint, len(a.cfg.Webhooks))
	for i, w := range a.cfg.Webhooks {
		eps[i] = webhooks.Endpoint{URL: w.URL, Secret: w.Secret, Events: w.Events}
	}
	var err error
	if a.webhookSender, err = webhooks.NewSender(eps, nil, a.now); err != nil {
		return err
	}
	wake := func() {
		if a.deliveryWorkers != nil {
			a.deliveryWorkers.wake()
		}
	}
	if a.webhooks, err = webhooks.New(webhooks.Deps{Store: a.store, Sealer: sealer, Endpoints: eps, Wake: wake, Now: a.now}); err != nil {
		return err
	}
	a.eventRelay, err = webhooks.NewRelay(webhooks.RelayDeps{Store: a.store, Wake: wake, Log: a.log, Now: a.now}, a.webhooks)
	return err
}
