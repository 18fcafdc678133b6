package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"credmint/app/audit"
	"credmint/app/authz"
	"credmint/app/issuance"
)

var _ authz.ClientStore = (*Store)(nil)

// walletClientRow is a row of wallet_clients; RedirectURIs is a JSON array.
type walletClientRow struct {
	ClientID     string    `gorm:"column:client_id;primaryKey"`
	Name         string    `gorm:"column:name"`
	RedirectURIs string    `gorm:"column:redirect_uris"`
	Disabled     bool      `gorm:"column:disabled"`
	Pre10        bool      `gorm:"column:pre_1_0"`
	CreatedAt    time.Time `gorm:"column:created_at;autoCreateTime:false"`
	UpdatedAt    time.Time `gorm:"column:updated_at;autoUpdateTime:false"`
}

func (walletClientRow) TableName() string { return "wallet_clients" }

func toWalletClientRow(c *authz.StoredClient) (walletClientRow, error) {
	uris, err := encodeJSON("wallet_clients.redirect_uris", c.RedirectURIs)
	if err != nil {
		return walletClientRow{}, err
	}
	return walletClientRow{ClientID: c.ID, Name: c.Name, RedirectURIs: uris, Disabled: c.Disabled, Pre10: c.Pre10,
		CreatedAt: utc(c.CreatedAt), UpdatedAt: utc(c.UpdatedAt)}, nil
}

func (r *walletClientRow) client() (*authz.StoredClient, error) {
	uris, err := decodeStrings("wallet_clients.redirect_uris", r.RedirectURIs)
	if err != nil {
		return nil, err
	}
	return &authz.StoredClient{ID: r.ClientID, Name: r.Name, RedirectURIs: uris, Disabled: r.Disabled, Pre10: r.Pre10,
		CreatedAt: fromDB(r.CreatedAt), UpdatedAt: fromDB(r.UpdatedAt)}, nil
}

// WalletClient returns the console-registered client id, or
// issuance.ErrNotFound.
func (s *Store) WalletClient(ctx context.Context, id string) (*authz.StoredClient, error) {
	var row walletClientRow
	err := s.read(ctx).Where("client_id = ?", id).Take(&row).Error
	switch {
	case isNotFound(err):
		return nil, issuance.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("db: read wallet client: %w", err)
	}
	return row.client()
}

// WalletClients lists the console-registered clients by client_id.
func (s *Store) WalletClients(ctx context.Context) ([]authz.StoredClient, error) {
	var rows []walletClientRow
	if err := s.read(ctx).Order("client_id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: list wallet clients: %w", err)
	}
	out := make([]authz.StoredClient, 0, len(rows))
	for _, r := range rows {
		c, err := r.client()
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, nil
}

// CreateWalletClient inserts c and ev in one transaction;
// issuance.ErrConflict when the client_id exists.
func (s *Store) CreateWalletClient(ctx context.Context, c *authz.StoredClient, ev audit.Event) error {
	row, err := toWalletClientRow(c)
	if err != nil {
		return err
	}
	err = s.insertAudited(ctx, &row, ev)
	switch {
	case isDuplicate(err):
		return fmt.Errorf("db: create wallet client: %w", issuance.ErrConflict)
	case err != nil:
		return fmt.Errorf("db: create wallet client: %w", err)
	}
	return nil
}

// UpdateWalletClient replaces the name, redirect URIs, disabled and
// pre_1_0 flags and update time of client c.ID and writes ev, in one transaction;
// issuance.ErrNotFound when there is no such client.
func (s *Store) UpdateWalletClient(ctx context.Context, c *authz.StoredClient, ev audit.Event) error {
	row, err := toWalletClientRow(c)
	if err != nil {
		return err
	}
	err = s.transition(ctx, ev, nil, "UPDATE wallet_clients SET name = ?, redirect_uris = ?, disabled = ?, pre_1_0 = ?, updated_at = ? WHERE client_id = ?",
		row.Name, row.RedirectURIs, row.Disabled, row.Pre10, row.UpdatedAt, row.ClientID)
	switch {
	case errors.Is(err, errUnchanged):
		return fmt.Errorf("db: update wallet client: %w", issuance.ErrNotFound)
	case err != nil:
		return fmt.Errorf("db: update wallet client: %w", err)
	}
	return nil
}

// DeleteWalletClient deletes client id and writes ev, in one transaction;
// issuance.ErrNotFound when there is no such client.
func (s *Store) DeleteWalletClient(ctx context.Context, id string, ev audit.Event) error {
	err := s.transition(ctx, ev, nil, "DELETE FROM wallet_clients WHERE client_id = ?", id)
	switch {
	case errors.Is(err, errUnchanged):
		return fmt.Errorf("db: delete wallet client: %w", issuance.ErrNotFound)
	case err != nil:
		return fmt.Errorf("db: delete wallet client: %w", err)
	}
	return nil
}
