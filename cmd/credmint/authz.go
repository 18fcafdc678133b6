package main

import (
	"context"
	"time"

	"credmint/app/authz"
	"credmint/app/credential"
	"credmint/app/keys"
)

// wireAuthz builds credmint's authorization server when people have a
// provider to log in at (upstream_oidc, or the development identity
// provider, see devidp.go) and hands the authorization_code grant to the
// issuance core. Without a provider a.authz stays nil: no /authorize, and
// the metadata offers the pre-authorized code grant only.
func (a *app) wireAuthz(catalog *credential.Catalog, sealer *keys.Sealer) error {
	if a.upstream.Issuer == "" {
		return nil
	}
	cfg := a.cfg
	var registered []authz.Client
	for _, w := range cfg.WalletClients {
		registered = append(registered, authz.Client{ID: w.ClientID, Name: w.Name, RedirectURIs: w.RedirectURIs, Pre10: w.Pre10})
	}
	u := cfg.Authorization.UnregisteredClients
	clients, err := authz.NewClients(registered, authz.UnregisteredPolicy{Allowed: u.Allowed, Schemes: u.RedirectURISchemes})
	if err != nil {
		return err
	}
	clients.UseStore(a.store, a.now) // wallet clients registered in the console
	upc := authz.UpstreamConfig{Issuer: a.upstream.Issuer, ClientID: a.upstream.ClientID, ClientSecret: a.upstream.ClientSecret,
		Scopes: a.upstream.Scopes, UserInfo: a.upstream.UserInfo, RedirectURL: cfg.PublicURL + "/authorize/callback"}
	if a.devIdP != nil {
		// The development provider is answered in process: discovery works
		// before the listener is up, and behind a proxy.
		upc.HTTPClient = a.devIdP.HTTPClient()
	}
	up, err := authz.NewUpstream(upc, a.log, a.now)
	if err != nil {
		return err
	}
	a.authz, err = authz.New(authz.Deps{Store: a.store, Catalog: catalog, Applicants: a.applicants, Sealer: sealer, Clients: clients,
		Upstream: up, Issuer: cfg.PublicURL, Locale: cfg.Issuer.Locale, Log: a.log, Now: a.now,
		Policy: authz.Policy{RequirePAR: cfg.RequirePAR(), AccessTokenLifetime: cfg.Lifetimes.AccessToken,
			RefreshTokens: cfg.Authorization.RefreshTokens, RefreshTokenLifetime: cfg.RefreshTokenLifetime()}})
	if err != nil {
		return err
	}
	a.issuance.CodeGrant = a.authz
	a.issuance.DraftClients = clients // pre_1_0 wallets of the file and the console
	return nil
}

// runAuthz discovers the upstream provider in the background (retrying
// with backoff while it is down) and purges finished authorization requests
// and codes. It returns when ctx ends.
func (a *app) runAuthz(ctx context.Context) {
	if a.authz == nil {
		return
	}
	go a.authz.Upstream.Run(ctx)
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			// An hour of margin: a code used twice still finds its first
			// token to revoke while that token lives.
			if n, err := a.store.PurgeAuthz(ctx, a.now().Add(-time.Hour)); err != nil {
				a.log.Warn("purging authorization requests failed", "error", err.Error())
			} else if n > 0 {
				a.log.Debug("purged authorization requests", "count", n)
			}
			// Expired refresh tokens can no longer be used; keeping them a
			// day longer still lets a late reuse be recognised.
			if n, err := a.store.PurgeRefreshTokens(ctx, a.now().Add(-24*time.Hour)); err != nil {
				a.log.Warn("purging refresh tokens failed", "error", err.Error())
			} else if n > 0 {
				a.log.Debug("purged refresh tokens", "count", n)
			}
		}
	}
}
