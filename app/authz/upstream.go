package authz

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// UpstreamConfig is the OpenID provider people log in at.
type UpstreamConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// Scopes are requested besides openid.
	Scopes []string
	// UserInfo merges the UserInfo response into the ID token's claims.
	UserInfo bool
	// RedirectURL is credmint's callback, {public_url}/authorize/callback.
	RedirectURL string
	// HTTPClient talks to the provider; nil means a client with a 10 s
	// timeout.
	HTTPClient *http.Client
}

// Identity is the verified result of a login at the upstream provider.
type Identity struct {
	Subject string
	// Claims are the ID token's claims, merged over UserInfo's when
	// configured.
	Claims map[string]any
}

// Upstream is the upstream OpenID provider, discovered lazily: credmint
// starts (and serves pre-authorized issuance) while the provider is down,
// and the authorization endpoint answers temporarily_unavailable until
// discovery succeeds.
type Upstream struct {
	cfg UpstreamConfig
	log *slog.Logger
	now func() time.Time

	mu       sync.Mutex
	provider *oidc.Provider
	nextTry  time.Time
	backoff  time.Duration
}

// Backoff between discovery attempts.
const (
	minDiscoveryBackoff = time.Second
	maxDiscoveryBackoff = time.Minute
)

// NewUpstream checks cfg; it does not contact the provider. (The client_id
// is checked by the configuration's validation; without one every login
// fails its ID token check.)
func NewUpstream(cfg UpstreamConfig, log *slog.Logger, now func() time.Time) (*Upstream, error) {
	if cfg.Issuer == "" || cfg.RedirectURL == "" {
		return nil, errors.New("authz: the upstream provider needs an issuer and the redirect URL")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Upstream{cfg: cfg, log: log, now: now}, nil
}

// Issuer is the provider's issuer identifier.
func (u *Upstream) Issuer() string { return u.cfg.Issuer }

func (u *Upstream) context(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, u.cfg.HTTPClient)
}

// Run discovers the provider in the background, retrying with exponential
// backoff until it answers or ctx ends.
func (u *Upstream) Run(ctx context.Context) {
	for {
		if _, err := u.Provider(ctx); err == nil {
			return
		}
		u.mu.Lock()
		wait := u.nextTry.Sub(u.now()) // the backoff the failed attempt set
		u.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(max(wait, minDiscoveryBackoff)):
		}
	}
}

// ErrUnavailable is returned while the provider has not been discovered.
var ErrUnavailable = errors.New("authz: the upstream identity provider is not available")

// Provider returns the discovered provider. Until discovery succeeded it
// tries again when the backoff allows, else returns ErrUnavailable at once.
func (u *Upstream) Provider(ctx context.Context) (*oidc.Provider, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.provider != nil {
		return u.provider, nil
	}
	if u.now().Before(u.nextTry) {
		return nil, ErrUnavailable
	}
	dctx, cancel := context.WithTimeout(u.context(ctx), 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(dctx, u.cfg.Issuer)
	if err != nil {
		u.backoff = min(max(2*u.backoff, minDiscoveryBackoff), maxDiscoveryBackoff)
		u.nextTry = u.now().Add(u.backoff)
		u.log.Warn("upstream identity provider discovery failed; retrying", "issuer", u.cfg.Issuer, "retry_in", u.backoff.String(), "error", err.Error())
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	u.log.Info("upstream identity provider discovered", "issuer", u.cfg.Issuer)
	u.provider = p
	return p, nil
}

func (u *Upstream) oauth2(p *oidc.Provider) *oauth2.Config {
	scopes := []string{oidc.ScopeOpenID}
	for _, s := range u.cfg.Scopes {
		if s != oidc.ScopeOpenID {
			scopes = append(scopes, s)
		}
	}
	return &oauth2.Config{ClientID: u.cfg.ClientID, ClientSecret: u.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: u.cfg.RedirectURL, Scopes: scopes}
}

// AuthURL is where the browser goes to log in: the code flow with state,
// nonce and PKCE S256 (OpenID Connect Core §3.1.2.1, RFC 7636).
func (u *Upstream) AuthURL(p *oidc.Provider, state, nonce, verifier string) string {
	return u.oauth2(p).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
}

// Exchange redeems the provider's code with the PKCE verifier, verifies the
// ID token (signature, issuer, audience, expiry: OpenID Connect Core
// §3.1.3.7) and checks its nonce with checkNonce. With UserInfo configured
// it merges the UserInfo claims under the ID token's, after checking they
// are about the same subject (Core §5.3.2): UserInfo is never trusted alone.
func (u *Upstream) Exchange(ctx context.Context, p *oidc.Provider, code, verifier string, checkNonce func(string) bool) (*Identity, error) {
	ctx = u.context(ctx)
	tok, err := u.oauth2(p).Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, fmt.Errorf("authz: upstream token request: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, errors.New("authz: the upstream token response has no id_token")
	}
	idt, err := p.VerifierContext(ctx, &oidc.Config{ClientID: u.cfg.ClientID, Now: u.now}).Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("authz: upstream ID token: %w", err)
	}
	if !checkNonce(idt.Nonce) {
		return nil, errors.New("authz: upstream ID token: nonce does not match the request")
	}
	id := &Identity{Subject: idt.Subject, Claims: map[string]any{}}
	if err := idt.Claims(&id.Claims); err != nil {
		return nil, fmt.Errorf("authz: upstream ID token claims: %w", err)
	}
	if u.cfg.UserInfo {
		info, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return nil, fmt.Errorf("authz: upstream UserInfo: %w", err)
		}
		if info.Subject != idt.Subject {
			return nil, errors.New("authz: upstream UserInfo is about another subject than the ID token")
		}
		merged := map[string]any{}
		if err := info.Claims(&merged); err != nil {
			return nil, fmt.Errorf("authz: upstream UserInfo claims: %w", err)
		}
		maps.Copy(merged, id.Claims) // the signed ID token wins
		id.Claims = merged
	}
	return id, nil
}
