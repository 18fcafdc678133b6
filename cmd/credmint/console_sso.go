package main

import (
	"context"
	"errors"
	"fmt"

	"credmint/app/authz"
	"credmint/app/keys"
	"credmint/app/staff"
)

// devIdPConsoleClientID is the console's client id at the development
// identity provider. Console single sign-on is never switched on by itself:
// a development configuration that names the development provider
// (console_sso.issuer {public_url}/dev-idp, client_id credmint-console) and
// no secret gets the secret drawn at start.
const devIdPConsoleClientID = "credmint-console"

// wireConsoleSSO builds single sign-on for console staff when console_sso
// is configured: a relying party of its own (redirect URI
// {public_url}/console/sso/callback), discovered lazily with backoff like
// the wallet-facing upstream login.
func (a *app) wireConsoleSSO(sealer *keys.Sealer) error {
	sc := a.cfg.ConsoleSSO
	if !sc.Enabled() {
		return nil
	}
	upc := authz.UpstreamConfig{Issuer: sc.Issuer, ClientID: sc.ClientID, ClientSecret: sc.ClientSecret, Scopes: sc.Scopes,
		RedirectURL: a.cfg.PublicURL + "/console/sso/callback"}
	if a.devIdP != nil && sc.Issuer == a.cfg.PublicURL+"/dev-idp" {
		upc.HTTPClient = a.devIdP.HTTPClient()
		if sc.ClientID == devIdPConsoleClientID && sc.ClientSecret == "" {
			upc.ClientSecret = a.devIdPConsoleSecret
		}
	}
	up, err := authz.NewUpstream(upc, a.log, a.now)
	if err != nil {
		return fmt.Errorf("config: console_sso: %w", err)
	}
	a.staffSSO, err = staff.NewSSO(staff.SSODeps{Staff: a.staff, Store: a.store, Provider: ssoProvider{up}, Sealer: sealer, Log: a.log,
		Config: staff.SSOConfig{Issuer: sc.Issuer, RoleClaim: sc.RoleClaim, RoleMap: sc.RoleMap, DefaultRole: sc.DefaultRole,
			EmailClaim: sc.EmailClaim, AllowCreate: sc.CreateAllowed()}})
	return err
}

// ssoProvider adapts authz.Upstream (discovery with backoff, the code flow
// with PKCE, ID token verification by go-oidc) to staff.SSOProvider.
type ssoProvider struct{ up *authz.Upstream }

func (p ssoProvider) AuthURL(ctx context.Context, state, nonce, verifier string) (string, error) {
	prov, err := p.up.Provider(ctx)
	if errors.Is(err, authz.ErrUnavailable) {
		return "", fmt.Errorf("%w: %v", staff.ErrSSOUnavailable, err)
	} else if err != nil {
		return "", err
	}
	return p.up.AuthURL(prov, state, nonce, verifier), nil
}

func (p ssoProvider) Exchange(ctx context.Context, code, verifier string, checkNonce func(string) bool) (string, map[string]any, error) {
	prov, err := p.up.Provider(ctx)
	if err != nil {
		return "", nil, err
	}
	id, err := p.up.Exchange(ctx, prov, code, verifier, checkNonce)
	if err != nil {
		return "", nil, err
	}
	return id.Subject, id.Claims, nil
}
