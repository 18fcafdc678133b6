package authz

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"credmint/app/audit"
	"credmint/app/issuance"
)

// Configured reports whether id is declared in the configuration file.
func (c *Clients) Configured(id string) bool {
	_, ok := c.registered[id]
	return ok
}

// ConfiguredClients are the clients of the configuration file, by id.
func (c *Clients) ConfiguredClients() []Client {
	out := make([]Client, 0, len(c.registered))
	for _, cl := range c.registered {
		out = append(out, cl)
	}
	slices.SortFunc(out, func(a, b Client) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Editable reports whether the console can manage clients.
func (c *Clients) Editable() bool { return c.db != nil }

// StoredClients are the clients registered in the console.
func (c *Clients) StoredClients(ctx context.Context) ([]StoredClient, error) {
	if c.db == nil {
		return nil, nil
	}
	return c.db.store.WalletClients(ctx)
}

// StoredClient returns the console client id; issuance.ErrNotFound when
// there is none.
func (c *Clients) StoredClient(ctx context.Context, id string) (*StoredClient, error) {
	if c.db == nil {
		return nil, issuance.ErrNotFound
	}
	return c.db.store.WalletClient(ctx, id)
}

// CreateClient registers a wallet client from the console, audited. An
// invalid input or a client_id already taken (in the configuration file or
// the database) is an *issuance.ValidationError naming the field.
func (c *Clients) CreateClient(ctx context.Context, in ClientInput) (*StoredClient, error) {
	if c.db == nil {
		return nil, ErrClientsReadOnly
	}
	sc, err := c.check(in, true)
	if err != nil {
		return nil, err
	}
	now := c.db.now().UTC()
	sc.CreatedAt, sc.UpdatedAt = now, now
	ev := audit.New(ctx, now, "wallet_client.created", "wallet_client", sc.ID, clientDetails(sc))
	err = c.db.store.CreateWalletClient(ctx, sc, ev)
	if errors.Is(err, issuance.ErrConflict) {
		return nil, &issuance.ValidationError{Fields: map[string]string{"client_id": "A wallet with this client_id is registered already."}}
	} else if err != nil {
		return nil, err
	}
	c.db.forget(sc.ID)
	return sc, nil
}

// UpdateClient changes the name, redirect URIs and pre_1_0 flag of console
// client id.
func (c *Clients) UpdateClient(ctx context.Context, id string, in ClientInput) (*StoredClient, error) {
	old, err := c.StoredClient(ctx, id)
	if err != nil {
		return nil, err
	}
	sc, err := c.check(in, false)
	if err != nil {
		return nil, err
	}
	sc.ID, sc.Disabled, sc.CreatedAt, sc.UpdatedAt = old.ID, old.Disabled, old.CreatedAt, c.db.now().UTC()
	return sc, c.save(ctx, sc, "wallet_client.updated")
}

// SetClientDisabled disables or enables console client id: a disabled
// client is refused like an unknown one.
func (c *Clients) SetClientDisabled(ctx context.Context, id string, disabled bool) (*StoredClient, error) {
	sc, err := c.StoredClient(ctx, id)
	if err != nil {
		return nil, err
	}
	sc.Disabled, sc.UpdatedAt = disabled, c.db.now().UTC()
	action := "wallet_client.enabled"
	if disabled {
		action = "wallet_client.disabled"
	}
	return sc, c.save(ctx, sc, action)
}

func (c *Clients) save(ctx context.Context, sc *StoredClient, action string) error {
	ev := audit.New(ctx, sc.UpdatedAt, action, "wallet_client", sc.ID, clientDetails(sc))
	if err := c.db.store.UpdateWalletClient(ctx, sc, ev); err != nil {
		return err
	}
	c.db.forget(sc.ID)
	return nil
}

// DeleteClient removes console client id.
func (c *Clients) DeleteClient(ctx context.Context, id string) error {
	if c.db == nil {
		return issuance.ErrNotFound
	}
	ev := audit.New(ctx, c.db.now().UTC(), "wallet_client.deleted", "wallet_client", id, nil)
	if err := c.db.store.DeleteWalletClient(ctx, id, ev); err != nil {
		return fmt.Errorf("authz: delete wallet client: %w", err)
	}
	c.db.forget(id)
	return nil
}

// clientDetails are the audit details of a change: no personal data.
func clientDetails(sc *StoredClient) map[string]string {
	return map[string]string{"name": sc.Name, "redirect_uris": strings.Join(sc.RedirectURIs, " "), "pre_1_0": strconv.FormatBool(sc.Pre10)}
}
