package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"credmint/app/audit"
	"credmint/app/authz"
	"credmint/app/issuance"
)

// refreshTokenRow is a row of refresh_tokens.
type refreshTokenRow struct {
	ID                    string     `gorm:"column:id;primaryKey"`
	Hash                  string     `gorm:"column:hash"`
	FamilyID              string     `gorm:"column:family_id"`
	ClientID              string     `gorm:"column:client_id"`
	ConfigurationIDs      string     `gorm:"column:configuration_ids"`
	CredentialIdentifiers *string    `gorm:"column:credential_identifiers"`
	OfferID               *string    `gorm:"column:offer_id"`
	ApplicantID           *string    `gorm:"column:applicant_id"`
	DatasetsSealed        []byte     `gorm:"column:datasets_sealed"`
	AccessTokenID         string     `gorm:"column:access_token_id"`
	CreatedAt             time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	ExpiresAt             time.Time  `gorm:"column:expires_at"`
	UsedAt                *time.Time `gorm:"column:used_at"`
	RevokedAt             *time.Time `gorm:"column:revoked_at"`
}

func (refreshTokenRow) TableName() string { return "refresh_tokens" }

func toRefreshTokenRow(t *authz.RefreshToken) (refreshTokenRow, error) {
	ids, err := encodeJSON("refresh_tokens.configuration_ids", t.ConfigurationIDs)
	if err != nil {
		return refreshTokenRow{}, err
	}
	idents, err := encodeJSONOrNull("refresh_tokens.credential_identifiers", t.CredentialIdentifiers, t.CredentialIdentifiers == nil)
	if err != nil {
		return refreshTokenRow{}, err
	}
	return refreshTokenRow{
		ID: t.ID, Hash: t.Hash, FamilyID: t.FamilyID, ClientID: t.ClientID, ConfigurationIDs: ids, CredentialIdentifiers: idents,
		OfferID: nullIfEmpty(t.OfferID), ApplicantID: nullIfEmpty(t.ApplicantID), DatasetsSealed: nilIfEmpty(t.DatasetsSealed),
		AccessTokenID: t.AccessTokenID, CreatedAt: utc(t.CreatedAt), ExpiresAt: utc(t.ExpiresAt),
		UsedAt: utcPtr(t.UsedAt), RevokedAt: utcPtr(t.RevokedAt),
	}, nil
}

func (r *refreshTokenRow) refreshToken() (*authz.RefreshToken, error) {
	ids, err := decodeStrings("refresh_tokens.configuration_ids", r.ConfigurationIDs)
	if err != nil {
		return nil, err
	}
	var idents map[string]string
	if err := decodeJSON("refresh_tokens.credential_identifiers", r.CredentialIdentifiers, &idents); err != nil {
		return nil, err
	}
	return &authz.RefreshToken{
		ID: r.ID, Hash: r.Hash, FamilyID: r.FamilyID, ClientID: r.ClientID, ConfigurationIDs: ids, CredentialIdentifiers: idents,
		OfferID: emptyIfNull(r.OfferID), ApplicantID: emptyIfNull(r.ApplicantID), DatasetsSealed: nilIfEmpty(r.DatasetsSealed),
		AccessTokenID: r.AccessTokenID, CreatedAt: fromDB(r.CreatedAt), ExpiresAt: fromDB(r.ExpiresAt),
		UsedAt: fromDBPtr(r.UsedAt), RevokedAt: fromDBPtr(r.RevokedAt),
	}, nil
}

// RefreshToken returns the refresh token whose hash is hash, or
// issuance.ErrNotFound.
func (s *Store) RefreshToken(ctx context.Context, hash string) (*authz.RefreshToken, error) {
	var row refreshTokenRow
	err := s.read(ctx).Where("hash = ?", hash).Take(&row).Error
	switch {
	case isNotFound(err):
		return nil, issuance.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("db: read refresh token: %w", err)
	}
	return row.refreshToken()
}

// insertRefreshToken inserts rt in tx; nothing when rt is nil.
func insertRefreshToken(tx *gorm.DB, rt *authz.RefreshToken) error {
	if rt == nil {
		return nil
	}
	row, err := toRefreshTokenRow(rt)
	if err != nil {
		return err
	}
	return tx.Create(&row).Error
}

// RotateRefreshToken spends the refresh token whose hash is hash by one
// conditional update (unused, unrevoked and unexpired at now), inserts tok
// and next (when not nil) and writes ev, in one transaction. Of concurrent
// rotations exactly one wins; issuance.ErrConflict, with nothing written,
// for the others.
func (s *Store) RotateRefreshToken(ctx context.Context, hash string, now time.Time, tok *issuance.AccessToken, next *authz.RefreshToken, ev audit.Event) error {
	row, err := toAccessTokenRow(tok)
	if err != nil {
		return err
	}
	now = utc(now)
	then := func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return insertRefreshToken(tx, next)
	}
	err = s.transition(ctx, ev, then,
		"UPDATE refresh_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?",
		now, hash, now)
	switch {
	case errors.Is(err, errUnchanged), isDuplicate(err):
		return fmt.Errorf("db: rotate refresh token: %w", issuance.ErrConflict)
	case err != nil:
		return fmt.Errorf("db: rotate refresh token: %w", err)
	}
	return nil
}

// RevokeRefreshFamily revokes the refresh tokens of family familyID, the
// access tokens issued with them and the access token of the family's
// authorization code, and writes ev, in one transaction.
func (s *Store) RevokeRefreshFamily(ctx context.Context, familyID string, at time.Time, ev audit.Event) error {
	at = utc(at)
	err := s.transact(ctx, func(tx *gorm.DB) error {
		if err := revokeFamily(tx, "family_id = ?", familyID, at); err != nil {
			return err
		}
		return insertAudit(tx, ev)
	})
	if err != nil {
		return fmt.Errorf("db: revoke refresh token family: %w", err)
	}
	return nil
}

// revokeFamily revokes the access and refresh tokens of the refresh token
// families selected by cond on refresh_tokens.
func revokeFamily(tx *gorm.DB, cond string, arg any, at time.Time) error {
	err := tx.Exec(`UPDATE access_tokens SET revoked_at = ?
		WHERE revoked_at IS NULL AND id IN (SELECT access_token_id FROM refresh_tokens WHERE `+cond+`)`, at, arg).Error
	if err != nil {
		return err
	}
	return tx.Exec("UPDATE refresh_tokens SET revoked_at = ? WHERE revoked_at IS NULL AND "+cond, at, arg).Error
}

// PurgeRefreshTokens deletes refresh tokens that expired before cutoff.
func (s *Store) PurgeRefreshTokens(ctx context.Context, cutoff time.Time) (int64, error) {
	res := s.write(ctx).Exec("DELETE FROM refresh_tokens WHERE expires_at < ?", utc(cutoff))
	if res.Error != nil {
		return 0, fmt.Errorf("db: purge refresh tokens: %w", res.Error)
	}
	return res.RowsAffected, nil
}
