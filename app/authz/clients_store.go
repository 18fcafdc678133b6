package authz

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"credmint/app/audit"
	"credmint/app/issuance"
)

// StoredClient is a wallet client registered in the console. Clients from
// the configuration file are never stored.
type StoredClient struct {
	ID           string
	Name         string
	RedirectURIs []string
	// Disabled clients are refused like unknown ones.
	Disabled bool
	// Pre10 marks a wallet that speaks a pre-1.0 draft (see Client.Pre10).
	Pre10     bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ClientStore keeps the wallet clients registered in the console. Missing
// clients are issuance.ErrNotFound; an existing client_id on create is
// issuance.ErrConflict. Every change writes its audit event in the same
// transaction.
type ClientStore interface {
	WalletClient(ctx context.Context, id string) (*StoredClient, error)
	WalletClients(ctx context.Context) ([]StoredClient, error)
	CreateWalletClient(ctx context.Context, c *StoredClient, ev audit.Event) error
	// UpdateWalletClient replaces the name, redirect URIs, disabled and
	// pre_1_0 flags of client c.ID.
	UpdateWalletClient(ctx context.Context, c *StoredClient, ev audit.Event) error
	DeleteWalletClient(ctx context.Context, id string, ev audit.Event) error
}

// clientsCacheTTL is how long a stored client is remembered: another
// credmint process sees a console change within this time.
const clientsCacheTTL = 5 * time.Second

// clientStore is the database side of Clients, with its cache.
type clientStore struct {
	store ClientStore
	now   func() time.Time
	mu    sync.Mutex
	cache map[string]cachedClient
}

type cachedClient struct {
	client *Client // nil: not registered in the console, or disabled
	at     time.Time
}

// UseStore makes c look clients up in st after the configuration file's
// (console-registered clients), and lets the console manage them.
func (c *Clients) UseStore(st ClientStore, now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	c.db = &clientStore{store: st, now: now, cache: map[string]cachedClient{}}
}

// find returns the registered client id: from the configuration file,
// else from the database (enabled only); nil when there is none.
func (c *Clients) find(ctx context.Context, id string) (*Client, error) {
	if cl, ok := c.registered[id]; ok {
		return &cl, nil
	}
	if c.db == nil {
		return nil, nil
	}
	return c.db.find(ctx, id)
}

func (d *clientStore) find(ctx context.Context, id string) (*Client, error) {
	now := d.now()
	d.mu.Lock()
	hit, ok := d.cache[id]
	d.mu.Unlock()
	if ok && now.Sub(hit.at) < clientsCacheTTL && now.Sub(hit.at) >= 0 {
		return hit.client, nil
	}
	sc, err := d.store.WalletClient(ctx, id)
	var cl *Client
	switch {
	case errors.Is(err, issuance.ErrNotFound):
	case err != nil:
		return nil, err
	case !sc.Disabled:
		cl = &Client{ID: sc.ID, Name: sc.Name, RedirectURIs: sc.RedirectURIs, Registered: true, Pre10: sc.Pre10}
	}
	d.mu.Lock()
	if len(d.cache) > 10000 {
		clear(d.cache)
	}
	d.cache[id] = cachedClient{client: cl, at: now}
	d.mu.Unlock()
	return cl, nil
}

// forget drops id from the cache of this process.
func (d *clientStore) forget(id string) {
	d.mu.Lock()
	delete(d.cache, id)
	d.mu.Unlock()
}

// ClientInput is a wallet client as the console's form gives it.
type ClientInput struct {
	ID   string
	Name string
	// RedirectURIs is one URI a line.
	RedirectURIs string
	// Pre10 is the "speaks a pre-1.0 draft" checkbox.
	Pre10 bool
}

// clientIDPattern is a client_id the console accepts: printable, no spaces.
var clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:/~@+-]{1,200}$`)

// ErrClientsReadOnly is returned when the console has no client store.
var ErrClientsReadOnly = errors.New("authz: wallet clients are read-only")

// check validates in as a console client; fields name the form's fields.
func (c *Clients) check(in ClientInput, creating bool) (*StoredClient, error) {
	fields := map[string]string{}
	sc := &StoredClient{ID: strings.TrimSpace(in.ID), Name: strings.TrimSpace(in.Name), Pre10: in.Pre10}
	if creating {
		switch {
		case sc.ID == "":
			fields["client_id"] = "Enter the client_id the wallet sends."
		case !clientIDPattern.MatchString(sc.ID):
			fields["client_id"] = "Use up to 200 letters, digits and . _ : / ~ @ + - (no spaces)."
		case c.Configured(sc.ID):
			fields["client_id"] = "This client_id is declared in the configuration file."
		}
	}
	if sc.Name == "" || len(sc.Name) > 100 {
		fields["name"] = "Enter a name of 1 to 100 characters; people see it on the consent page."
	}
	for line := range strings.Lines(in.RedirectURIs) {
		if u := strings.TrimSpace(line); u != "" && !slices.Contains(sc.RedirectURIs, u) {
			sc.RedirectURIs = append(sc.RedirectURIs, u)
		}
	}
	if len(sc.RedirectURIs) == 0 {
		fields["redirect_uris"] = "Enter at least one redirect URI, one a line."
	}
	for _, u := range sc.RedirectURIs {
		if msg := consoleRedirectURIProblem(u); msg != "" {
			fields["redirect_uris"] = msg
			break
		}
	}
	if len(fields) > 0 {
		return nil, &issuance.ValidationError{Fields: fields}
	}
	return sc, nil
}

// consoleRedirectURIProblem says what is wrong with a redirect URI given in
// the console: it must be absolute, without fragment (RFC 6749 §3.1.2), and
// https or a wallet's custom scheme (RFC 8252 §7.1, RFC 9700 §2.1).
func consoleRedirectURIProblem(raw string) string {
	if err := CheckRedirectURI(raw); err != nil {
		return strings.TrimPrefix(err.Error(), "redirect ") + "."
	}
	u, _ := url.Parse(raw)
	if strings.EqualFold(u.Scheme, "http") {
		return fmt.Sprintf("Redirect URI %q: use https or the wallet's own scheme, not http.", raw)
	}
	return ""
}
