package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"credmint/app/credential"
	"credmint/app/delivery"
	"credmint/app/keys"
	"credmint/views/mail"
)

// deliveryWorkers are the background parts of delivery: the outbox worker
// and the batch runner, and the channels that wake them.
type deliveryWorkers struct {
	outbox     *delivery.Worker
	owner      string
	outboxWake chan struct{}
	batchWake  chan struct{}
}

// wake signals both workers without blocking.
func (w *deliveryWorkers) wake() {
	for _, ch := range []chan struct{}{w.outboxWake, w.batchWake} {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// wireDelivery builds the delivery service and its outbox worker from the
// smtp and sms_webhook settings.
func (a *app) wireDelivery(catalog *credential.Catalog, sealer *keys.Sealer) error {
	cfg := a.cfg
	host, _ := os.Hostname()
	w := &deliveryWorkers{owner: fmt.Sprintf("%s:%d", host, os.Getpid()), outboxWake: make(chan struct{}, 1), batchWake: make(chan struct{}, 1)}
	templates, err := mail.New(cfg.SMTP.TemplatesDir)
	if err != nil {
		return fmt.Errorf("config: smtp.templates_dir: %w", err)
	}
	texts := delivery.Texts{IssuerName: cfg.Issuer.Name, Contact: cfg.Issuer.Contact, MessageIDHost: cfg.Host()}
	wd := delivery.WorkerDeps{Store: a.store, Sealer: sealer, Owner: w.owner, Log: a.log, Now: a.now, Webhook: a.webhookSender}
	if cfg.SMTP.Host != "" {
		m, err := delivery.NewMailer(delivery.SMTPConfig{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Username: cfg.SMTP.Username,
			Password: cfg.SMTP.Password, From: cfg.SMTP.From, StartTLS: cfg.SMTP.StartTLS}, texts, templates, catalog)
		if err != nil {
			return err
		}
		wd.Email = m
	}
	if cfg.SMSWebhook.URL != "" {
		s, err := delivery.NewSMSWebhook(cfg.SMSWebhook.URL, cfg.SMSWebhook.Secret, nil, templates, catalog, texts, a.now)
		if err != nil {
			return err
		}
		wd.SMS = s
	}
	if w.outbox, err = delivery.NewWorker(wd); err != nil {
		return err
	}
	a.delivery, err = delivery.New(delivery.Deps{Store: a.store, Issuance: a.issuance, Applicants: a.applicants, Catalog: catalog,
		Sealer: sealer, EmailEnabled: wd.Email != nil, SMSEnabled: wd.SMS != nil, IssuerName: cfg.Issuer.Name,
		Contact: cfg.Issuer.Contact, Locale: cfg.Issuer.Locale, Wake: w.wake, Log: a.log, Now: a.now})
	a.deliveryWorkers = w
	return err
}

// runDelivery works the outbox and the offer batches until ctx ends, and
// wipes the sealed tx_codes and message payloads of spent offers every ten
// minutes.
func (a *app) runDelivery(ctx context.Context) {
	w := a.deliveryWorkers
	go w.outbox.Run(ctx, 5*time.Second, w.outboxWake)
	wipe := time.NewTicker(10 * time.Minute)
	defer wipe.Stop()
	for ctx.Err() == nil {
		if err := a.delivery.RunBatches(ctx, w.owner); err != nil && ctx.Err() == nil {
			a.log.Error("offer batches failed", "error", err.Error())
		}
		select {
		case <-ctx.Done():
		case <-w.batchWake:
		case <-time.After(2 * time.Second):
		case <-wipe.C:
			if n, err := a.store.WipeSpentTxCodes(ctx, a.now()); err != nil {
				a.log.Warn("wiping spent tx_codes failed", "error", err.Error())
			} else if n > 0 {
				a.log.Debug("wiped spent tx_codes", "count", n)
			}
		}
	}
}
