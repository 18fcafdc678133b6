package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"credmint/app/audit"
)

// KeyPrefix starts every API key, so secret scanners and people recognise it.
const KeyPrefix = "cmk_"

// Errors of Authenticate.
var (
	ErrUnknownKey = errors.New("unknown API key")
	ErrRevokedKey = errors.New("revoked API key")
)

// touchEvery throttles last-used updates: one write per key per minute.
const touchEvery = time.Minute

// Deps are what a Service needs.
type Deps struct {
	Store Store
	Now   func() time.Time
	Rand  io.Reader
}

// Service creates, checks and revokes API keys.
type Service struct {
	Deps
}

// New returns a Service.
func New(d Deps) (*Service, error) {
	if d.Store == nil {
		return nil, errors.New("access: Store is required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	return &Service{Deps: d}, nil
}

func hash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// ErrBadName is returned by Create for an empty or too long name.
var ErrBadName = errors.New("access: a key needs a name of 1 to 100 characters")

// Create makes a new key named name, with an "api_key.created" audit event.
// The returned string is the only copy of the key.
func (s *Service) Create(ctx context.Context, name string) (string, *APIKey, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", nil, ErrBadName
	}
	secret := make([]byte, 32)
	idb := make([]byte, 9)
	for _, b := range [][]byte{secret, idb} {
		if _, err := io.ReadFull(s.Rand, b); err != nil {
			return "", nil, fmt.Errorf("access: reading randomness: %w", err)
		}
	}
	key := KeyPrefix + base64.RawURLEncoding.EncodeToString(secret)
	k := &APIKey{
		ID:        "key_" + base64.RawURLEncoding.EncodeToString(idb),
		Name:      name,
		Prefix:    key[:len(KeyPrefix)+6],
		Hash:      hash(key),
		CreatedAt: s.Now().UTC(),
	}
	ev := audit.New(ctx, k.CreatedAt, "api_key.created", "api_key", k.ID, map[string]string{"name": k.Name, "prefix": k.Prefix})
	if err := s.Store.CreateAPIKey(ctx, k, ev); err != nil {
		return "", nil, fmt.Errorf("access: storing key: %w", err)
	}
	return key, k, nil
}

// Authenticate returns the key record for key: ErrUnknownKey or
// ErrRevokedKey otherwise. It records when the key was last used.
func (s *Service) Authenticate(ctx context.Context, key string) (*APIKey, error) {
	if !strings.HasPrefix(key, KeyPrefix) {
		return nil, ErrUnknownKey
	}
	k, err := s.Store.APIKeyByHash(ctx, hash(key))
	if errors.Is(err, ErrNotFound) {
		return nil, ErrUnknownKey
	} else if err != nil {
		return nil, err
	}
	if k.RevokedAt != nil {
		return nil, ErrRevokedKey
	}
	now := s.Now().UTC()
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= touchEvery {
		if err := s.Store.TouchAPIKey(ctx, k.ID, now); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// List returns every key, newest first.
func (s *Service) List(ctx context.Context) ([]APIKey, error) {
	return s.Store.APIKeys(ctx)
}

// Revoke revokes the key with the given id or name, with an
// "api_key.revoked" audit event.
func (s *Service) Revoke(ctx context.Context, idOrName string) (*APIKey, error) {
	now := s.Now().UTC()
	return s.Store.RevokeAPIKey(ctx, idOrName, now, audit.New(ctx, now, "api_key.revoked", "api_key", "", nil))
}
