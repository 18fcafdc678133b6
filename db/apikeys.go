package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"credmint/app/access"
	"credmint/app/audit"
)

// ErrAmbiguous is returned by RevokeAPIKey when a name is shared by several
// unrevoked keys: they must be revoked by id.
var ErrAmbiguous = errors.New("ambiguous")

// apiKeyRow is a row of api_keys.
type apiKeyRow struct {
	ID         string     `gorm:"column:id;primaryKey"`
	Name       string     `gorm:"column:name"`
	Prefix     string     `gorm:"column:prefix"`
	Hash       string     `gorm:"column:hash"`
	CreatedAt  time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	LastUsedAt *time.Time `gorm:"column:last_used_at"`
	RevokedAt  *time.Time `gorm:"column:revoked_at"`
}

func (apiKeyRow) TableName() string { return "api_keys" }

func (r *apiKeyRow) apiKey() *access.APIKey {
	return &access.APIKey{
		ID:         r.ID,
		Name:       r.Name,
		Prefix:     r.Prefix,
		Hash:       r.Hash,
		CreatedAt:  fromDB(r.CreatedAt),
		LastUsedAt: fromDBPtr(r.LastUsedAt),
		RevokedAt:  fromDBPtr(r.RevokedAt),
	}
}

// CreateAPIKey inserts k and ev in one transaction. It fails when a key
// with k's id or hash exists.
func (s *Store) CreateAPIKey(ctx context.Context, k *access.APIKey, ev audit.Event) error {
	row := apiKeyRow{
		ID:         k.ID,
		Name:       k.Name,
		Prefix:     k.Prefix,
		Hash:       k.Hash,
		CreatedAt:  utc(k.CreatedAt),
		LastUsedAt: utcPtr(k.LastUsedAt),
		RevokedAt:  utcPtr(k.RevokedAt),
	}
	err := s.insertAudited(ctx, &row, ev)
	switch {
	case isDuplicate(err):
		return fmt.Errorf("db: create API key %s: a key with this id or hash exists", k.ID)
	case err != nil:
		return fmt.Errorf("db: create API key %s: %w", k.ID, err)
	}
	return nil
}

// APIKeyByHash returns the key whose hash is hash, revoked ones included, or
// access.ErrNotFound.
func (s *Store) APIKeyByHash(ctx context.Context, hash string) (*access.APIKey, error) {
	var row apiKeyRow
	err := s.read(ctx).Where("hash = ?", hash).Take(&row).Error
	switch {
	case isNotFound(err):
		return nil, access.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("db: read API key: %w", err)
	}
	return row.apiKey(), nil
}

// APIKeys lists all keys, revoked ones included, newest first.
func (s *Store) APIKeys(ctx context.Context) ([]access.APIKey, error) {
	var rows []apiKeyRow
	if err := s.read(ctx).Order("created_at DESC, id DESC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: API keys: %w", err)
	}
	out := make([]access.APIKey, len(rows))
	for i := range rows {
		out[i] = *rows[i].apiKey()
	}
	return out, nil
}

// RevokeAPIKey revokes the unrevoked key whose id is idOrName or, when there
// is none, the unrevoked key named idOrName, writes ev (its SubjectID set to
// the key's id when empty) in the same transaction, and returns the key as
// revoked. access.ErrNotFound when there is no such key; ErrAmbiguous when
// several unrevoked keys have that name.
func (s *Store) RevokeAPIKey(ctx context.Context, idOrName string, at time.Time, ev audit.Event) (*access.APIKey, error) {
	var row apiKeyRow
	err := s.transact(ctx, func(tx *gorm.DB) error {
		id, err := unrevokedKeyID(tx, idOrName)
		if err != nil {
			return err
		}
		res := tx.Exec("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", utc(at), id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 { // revoked meanwhile by another process
			return access.ErrNotFound
		}
		if ev.SubjectID == "" {
			ev.SubjectID = id
		}
		if err := insertAudit(tx, ev); err != nil {
			return err
		}
		return tx.Where("id = ?", id).Take(&row).Error
	})
	if err != nil {
		return nil, fmt.Errorf("db: revoke API key %q: %w", idOrName, err)
	}
	return row.apiKey(), nil
}

// unrevokedKeyID resolves idOrName to the id of one unrevoked key: by id
// first, then by name.
func unrevokedKeyID(tx *gorm.DB, idOrName string) (string, error) {
	var byID, byName []string
	err := tx.Model(&apiKeyRow{}).Where("id = ? AND revoked_at IS NULL", idOrName).Pluck("id", &byID).Error
	if err != nil {
		return "", err
	}
	if len(byID) == 1 {
		return byID[0], nil
	}
	err = tx.Model(&apiKeyRow{}).Where("name = ? AND revoked_at IS NULL", idOrName).Order("id").Pluck("id", &byName).Error
	switch {
	case err != nil:
		return "", err
	case len(byName) == 0:
		return "", access.ErrNotFound
	case len(byName) > 1:
		return "", fmt.Errorf("%w: %d unrevoked keys are named %q (ids %v); revoke one by id", ErrAmbiguous, len(byName), idOrName, byName)
	}
	return byName[0], nil
}

// TouchAPIKey sets the LastUsedAt of key id to at. access.ErrNotFound when
// there is no such key.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	res := s.write(ctx).Exec("UPDATE api_keys SET last_used_at = ? WHERE id = ?", utc(at), id)
	switch {
	case res.Error != nil:
		return fmt.Errorf("db: touch API key %s: %w", id, res.Error)
	case res.RowsAffected == 0:
		return fmt.Errorf("db: touch API key %s: %w", id, access.ErrNotFound)
	}
	return nil
}
