package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"credmint/app/devidp"
	"credmint/config"
)

// devIdPClientID is credmint's client id at the development identity provider.
const devIdPClientID = "credmint"

// wireDevIdP decides which OpenID provider people log in at: the configured
// upstream_oidc, or, when config.DevIdPEnabled (no upstream provider and not
// production), the development identity provider that credmint serves itself
// at {public_url}/dev-idp with a client secret drawn at start. It sets
// a.upstream and, for the development provider, a.devIdP.
func (a *app) wireDevIdP() error {
	cfg := a.cfg
	a.upstream = cfg.UpstreamOIDC
	if !cfg.DevIdPEnabled() {
		return nil
	}
	if cfg.Environment == config.Production { // DevIdPEnabled says no; never rely on one check
		return errors.New("config: dev_idp: the development identity provider never runs in production")
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	secret := base64.RawURLEncoding.EncodeToString(b)
	// The console's own client, for console_sso pointed here deliberately
	// (see console_sso.go).
	cb := make([]byte, 32)
	if _, err := rand.Read(cb); err != nil {
		return err
	}
	a.devIdPConsoleSecret = base64.RawURLEncoding.EncodeToString(cb)
	people := devidp.DefaultPeople()
	for _, p := range cfg.DevIdP.People {
		people = append(people, devidp.Person{Subject: p.Subject, Claims: yamlClaims(p.Claims)})
	}
	issuer := cfg.PublicURL + "/dev-idp"
	p, err := devidp.New(devidp.Deps{Issuer: issuer, People: people, Now: a.now,
		Clients: []devidp.Client{{ID: devIdPClientID, Secret: secret, RedirectURIs: []string{cfg.PublicURL + "/authorize/callback"}},
			{ID: devIdPConsoleClientID, Secret: a.devIdPConsoleSecret, RedirectURIs: []string{cfg.PublicURL + "/console/sso/callback"}}}})
	if err != nil {
		return fmt.Errorf("config: dev_idp.people: %w", err)
	}
	a.devIdP = p
	a.upstream = config.UpstreamOIDCConfig{Issuer: issuer, ClientID: devIdPClientID, ClientSecret: secret, Scopes: []string{"openid", "profile", "email"}}
	a.log.Warn("DEVELOPMENT IDENTITY PROVIDER ENABLED: anyone can sign in as a demo person, without a password. "+
		"Configure upstream_oidc (and environment: production) for real use", "issuer", issuer)
	return nil
}

// devIdPHandler is the handler to mount at {public_url}/dev-idp, nil when the
// development identity provider is off.
func (a *app) devIdPHandler() http.Handler {
	if a.devIdP == nil {
		return nil
	}
	return a.devIdP.Handler()
}

// yamlClaims turns what YAML decoded into JSON-ready claims: an unquoted date
// such as 1990-01-02 becomes the string "1990-01-02" (OpenID Connect Core
// §5.1 birthdate), other timestamps RFC 3339.
func yamlClaims(in map[string]any) map[string]any {
	out := make(map[string]any, len(in))
	for k, v := range in {
		out[k] = yamlValue(v)
	}
	return out
}

func yamlValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		if x.Equal(x.Truncate(24*time.Hour)) && x.Location() == time.UTC {
			return x.Format(time.DateOnly)
		}
		return x.Format(time.RFC3339)
	case map[string]any:
		return yamlClaims(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = yamlValue(e)
		}
		return out
	}
	return v
}
