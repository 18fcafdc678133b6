package authz

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"credmint/app/issuance"
)

// Client is a wallet allowed to use the authorization endpoint.
type Client struct {
	ID   string
	Name string
	// RedirectURIs are compared with the request's redirect_uri exactly
	// (RFC 9700 §2.1, simple string comparison).
	RedirectURIs []string
	// Registered is false for a public client admitted by the
	// unregistered-clients policy.
	Registered bool
	// Pre10 marks a wallet that speaks a pre-1.0 draft of OpenID4VCI
	// (pre_1_0): it gets the draft shapes (issuance.DraftClients).
	Pre10 bool
}

// UnregisteredPolicy admits public wallet clients that are not registered:
// any client_id, with a redirect URI of one of the allowed schemes.
type UnregisteredPolicy struct {
	Allowed bool
	// Schemes are the redirect URI schemes accepted ("https", or a
	// wallet's custom scheme such as "eudi-openid4vci").
	Schemes []string
}

// Clients are the wallet clients credmint knows.
type Clients struct {
	registered   map[string]Client
	unregistered UnregisteredPolicy
	// db holds the clients registered in the console (clients_store.go);
	// nil when there are none.
	db *clientStore
}

// NewClients checks the registered clients and the policy.
func NewClients(registered []Client, policy UnregisteredPolicy) (*Clients, error) {
	c := &Clients{registered: map[string]Client{}, unregistered: policy}
	for i, cl := range registered {
		if cl.ID == "" {
			return nil, fmt.Errorf("authz: wallet client %d has no client_id", i)
		}
		if _, dup := c.registered[cl.ID]; dup {
			return nil, fmt.Errorf("authz: wallet client %q appears twice", cl.ID)
		}
		if len(cl.RedirectURIs) == 0 {
			return nil, fmt.Errorf("authz: wallet client %q has no redirect_uris", cl.ID)
		}
		for _, u := range cl.RedirectURIs {
			if err := CheckRedirectURI(u); err != nil {
				return nil, fmt.Errorf("authz: wallet client %q: %w", cl.ID, err)
			}
		}
		cl.Registered = true
		if cl.Name == "" {
			cl.Name = cl.ID
		}
		c.registered[cl.ID] = cl
	}
	c.unregistered.Schemes = nil
	for _, s := range policy.Schemes {
		c.unregistered.Schemes = append(c.unregistered.Schemes, strings.ToLower(s))
	}
	return c, nil
}

// CheckRedirectURI reports whether raw can be a redirect URI: absolute,
// without fragment (RFC 6749 §3.1.2), and with a host for http(s).
func CheckRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Scheme == "":
		return fmt.Errorf("redirect URI %q is not an absolute URI", raw)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return fmt.Errorf("redirect URI %q must not have a fragment", raw)
	case (u.Scheme == "http" || u.Scheme == "https") && u.Host == "":
		return fmt.Errorf("redirect URI %q has no host", raw)
	case slices.Contains([]string{"javascript", "data", "vbscript", "file"}, strings.ToLower(u.Scheme)):
		return fmt.Errorf("redirect URI %q has a scheme browsers must not be sent to", raw)
	}
	return nil
}

// Resolve returns the client clientID when redirectURI is one of its
// redirect URIs. Anything else is a page: an unknown client or an
// unregistered redirect URI must never be redirected to (RFC 6749 §4.1.2.1).
func (c *Clients) Resolve(ctx context.Context, clientID, redirectURI string) (*Client, *PageError) {
	if clientID == "" {
		return nil, NewPageError(http.StatusBadRequest, CodeInvalidRequest, ProblemNoClientID)
	}
	if redirectURI == "" {
		return nil, NewPageError(http.StatusBadRequest, CodeInvalidRequest, ProblemNoRedirectURI)
	}
	cl, err := c.find(ctx, clientID)
	if err != nil {
		return nil, NewPageError(http.StatusServiceUnavailable, CodeTemporarilyUnavailable, ProblemClientLookup)
	}
	if cl != nil {
		if !slices.Contains(cl.RedirectURIs, redirectURI) {
			return nil, NewPageError(http.StatusBadRequest, CodeInvalidRequest, ProblemRedirectNotRegistered)
		}
		return cl, nil
	}
	if !c.unregistered.Allowed {
		return nil, NewPageError(http.StatusBadRequest, CodeInvalidClient, ProblemUnknownWallet)
	}
	u, err := url.Parse(redirectURI)
	if CheckRedirectURI(redirectURI) != nil || err != nil || !slices.Contains(c.unregistered.Schemes, strings.ToLower(u.Scheme)) {
		return nil, NewPageError(http.StatusBadRequest, CodeInvalidRequest, ProblemRedirectNotAccepted)
	}
	return &Client{ID: clientID, Name: clientID, RedirectURIs: []string{redirectURI}}, nil
}

// Lookup returns the client clientID as Resolve would admit it with
// redirectURI, or nil.
func (c *Clients) Lookup(ctx context.Context, clientID, redirectURI string) *Client {
	cl, perr := c.Resolve(ctx, clientID, redirectURI)
	if perr != nil {
		return nil
	}
	return cl
}

var _ issuance.DraftClients = (*Clients)(nil)

// PreDraft reports whether clientID is a registered wallet client marked
// pre_1_0: one of the configuration file, or an enabled one registered in
// the console (through the same short cache as Resolve, so a console change
// reaches every process within clientsCacheTTL). It implements
// issuance.DraftClients.
func (c *Clients) PreDraft(ctx context.Context, clientID string) (bool, error) {
	if clientID == "" {
		return false, nil
	}
	cl, err := c.find(ctx, clientID)
	if err != nil || cl == nil {
		return false, err
	}
	return cl.Pre10, nil
}
