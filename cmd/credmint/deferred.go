package main

import (
	"context"
	"errors"

	"credmint/app/applicants"
	"credmint/app/issuance"
	"credmint/config"
)

// applicantFacts feeds the review rules of deferred issuance from the
// applicants service (created after the issuance service, hence the app).
type applicantFacts struct{ a *app }

// ApplicantFacts returns the applicant's flags and current claims.
func (f applicantFacts) ApplicantFacts(ctx context.Context, id string) ([]string, map[string]any, error) {
	if f.a.applicants == nil {
		return nil, nil, issuance.ErrNotFound
	}
	ap, err := f.a.applicants.Get(ctx, id)
	if errors.Is(err, applicants.ErrNotFound) {
		return nil, nil, issuance.ErrNotFound
	} else if err != nil {
		return nil, nil, err
	}
	return ap.Flags, ap.Claims, nil
}

// preDraftClients are the wallet clients configured as pre-1.0.
func preDraftClients(cfg *config.Config) map[string]bool {
	m := map[string]bool{}
	for _, w := range cfg.WalletClients {
		if w.Pre10 {
			m[w.ClientID] = true
		}
	}
	return m
}

// expireDeferred is housekeeping: pending deferred requests past their
// lifetime expire.
func (a *app) expireDeferred(ctx context.Context) {
	if n, err := a.issuance.ExpireDeferred(ctx); err != nil {
		a.log.Warn("expiring deferred requests failed", "error", err.Error())
	} else if n > 0 {
		a.log.Info("expired deferred requests", "count", n)
	}
}
