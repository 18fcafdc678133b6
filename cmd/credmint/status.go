package main

import (
	"context"

	"credmint/app/issuance"
	"credmint/app/status"
)

// wireStatus builds the status list service (docs/revocation.md). It is
// built even with status_list.enabled false, so that lists already
// published stay served and their credentials can still be revoked.
func (a *app) wireStatus() error {
	sl := a.cfg.StatusList
	var err error
	a.status, err = status.New(status.Deps{Store: a.store, Signers: a.ring, PublicURL: a.cfg.PublicURL,
		Size: sl.Size, Bits: sl.Bits, TTL: sl.TTL, Validity: sl.Validity, Now: a.now})
	return err
}

// statusLists is issuance's source of status entries: nil (no status on new
// credentials) when status_list.enabled is false.
func (a *app) statusLists() issuance.StatusLists {
	if !a.cfg.StatusListEnabled() {
		return nil
	}
	return a.status
}

// refreshStatusLists re-signs the tokens of lists that changed or are past
// half their life, so that verifiers' GETs seldom wait for a signature.
func (a *app) refreshStatusLists(ctx context.Context) {
	if n, err := a.status.Refresh(ctx); err != nil {
		a.log.Error("re-signing status list tokens failed", "lists", n, "error", err.Error())
	}
}
