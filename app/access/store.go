package access

import (
	"context"
	"errors"
	"time"

	"credmint/app/audit"
)

// ErrNotFound is returned by a Store for an unknown key.
var ErrNotFound = errors.New("not found")

// APIKey is an admin API key as stored.
type APIKey struct {
	ID   string
	Name string
	// Prefix is the first characters of the key, shown to tell keys apart.
	Prefix     string
	Hash       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Store persists API keys.
type Store interface {
	// CreateAPIKey inserts k and ev in one transaction.
	CreateAPIKey(ctx context.Context, k *APIKey, ev audit.Event) error
	// APIKeyByHash returns the key with hash, or ErrNotFound.
	APIKeyByHash(ctx context.Context, hash string) (*APIKey, error)
	// APIKeys lists all keys, newest first.
	APIKeys(ctx context.Context) ([]APIKey, error)
	// RevokeAPIKey revokes the key whose id or name is idOrName and writes
	// ev (its SubjectID set to the key's id when empty), in one
	// transaction. ErrNotFound when there is no such unrevoked key.
	RevokeAPIKey(ctx context.Context, idOrName string, at time.Time, ev audit.Event) (*APIKey, error)
	// TouchAPIKey sets LastUsedAt.
	TouchAPIKey(ctx context.Context, id string, at time.Time) error
}
