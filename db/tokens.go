package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"credmint/app/audit"
	"credmint/app/issuance"
)

// accessTokenRow is a row of access_tokens. OfferID is NULL for a token not
// issued from an offer; ConfigurationIDs is a JSON array;
// CredentialIdentifiers a JSON object or NULL.
type accessTokenRow struct {
	ID                    string     `gorm:"column:id;primaryKey"`
	Hash                  string     `gorm:"column:hash"`
	OfferID               *string    `gorm:"column:offer_id"`
	ConfigurationIDs      string     `gorm:"column:configuration_ids"`
	CredentialIdentifiers *string    `gorm:"column:credential_identifiers"`
	ClientID              string     `gorm:"column:client_id"`
	CreatedAt             time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	ExpiresAt             time.Time  `gorm:"column:expires_at"`
	RevokedAt             *time.Time `gorm:"column:revoked_at"`
	ClaimsSealed          []byte     `gorm:"column:claims_sealed"`
	ApplicantID           *string    `gorm:"column:applicant_id"`
}

func (accessTokenRow) TableName() string { return "access_tokens" }

func toAccessTokenRow(t *issuance.AccessToken) (accessTokenRow, error) {
	ids, err := encodeJSON("access_tokens.configuration_ids", t.ConfigurationIDs)
	if err != nil {
		return accessTokenRow{}, err
	}
	credIDs, err := encodeJSONOrNull("access_tokens.credential_identifiers", t.CredentialIdentifiers, t.CredentialIdentifiers == nil)
	if err != nil {
		return accessTokenRow{}, err
	}
	return accessTokenRow{
		ID:                    t.ID,
		Hash:                  t.Hash,
		OfferID:               nullIfEmpty(t.OfferID),
		ConfigurationIDs:      ids,
		CredentialIdentifiers: credIDs,
		ClientID:              t.ClientID,
		CreatedAt:             utc(t.CreatedAt),
		ExpiresAt:             utc(t.ExpiresAt),
		RevokedAt:             utcPtr(t.RevokedAt),
		ClaimsSealed:          nilIfEmpty(t.ClaimsSealed),
		ApplicantID:           nullIfEmpty(t.ApplicantID),
	}, nil
}

func (r *accessTokenRow) accessToken() (*issuance.AccessToken, error) {
	ids, err := decodeStrings("access_tokens.configuration_ids", r.ConfigurationIDs)
	if err != nil {
		return nil, err
	}
	var credIDs map[string]string
	if err := decodeJSON("access_tokens.credential_identifiers", r.CredentialIdentifiers, &credIDs); err != nil {
		return nil, err
	}
	return &issuance.AccessToken{
		ID:                    r.ID,
		Hash:                  r.Hash,
		OfferID:               emptyIfNull(r.OfferID),
		ConfigurationIDs:      ids,
		CredentialIdentifiers: credIDs,
		ClientID:              r.ClientID,
		CreatedAt:             fromDB(r.CreatedAt),
		ExpiresAt:             fromDB(r.ExpiresAt),
		RevokedAt:             fromDBPtr(r.RevokedAt),
		ClaimsSealed:          nilIfEmpty(r.ClaimsSealed),
		ApplicantID:           emptyIfNull(r.ApplicantID),
	}, nil
}

// RedeemOffer consumes the pre-authorized code of offer id and inserts tok
// and ev, in one transaction. The code is consumed by one conditional update
// (offer created or fetched and unexpired at now → redeemed), so of
// concurrent callers exactly one wins. issuance.ErrConflict, with nothing
// written, when the offer was not redeemable (or does not exist) or a token
// with tok's id or hash exists. tok.OfferID must be id or empty.
func (s *Store) RedeemOffer(ctx context.Context, id string, now time.Time, tok *issuance.AccessToken, ev audit.Event) error {
	if tok.OfferID != "" && tok.OfferID != id {
		return fmt.Errorf("db: redeem offer %s: token is for offer %s", id, tok.OfferID)
	}
	row, err := toAccessTokenRow(tok)
	if err != nil {
		return err
	}
	row.OfferID = &id
	insertToken := func(tx *gorm.DB) error { return tx.Create(&row).Error }
	now = utc(now)
	err = s.transition(ctx, ev, insertToken,
		"UPDATE offers SET state = ?, redeemed_at = ?, tx_code_sealed = NULL WHERE id = ? AND state IN ? AND expires_at > ?",
		string(issuance.OfferRedeemed), now, id, preRedemption, now)
	switch {
	case errors.Is(err, errUnchanged), isDuplicate(err):
		return fmt.Errorf("db: redeem offer %s: %w", id, issuance.ErrConflict)
	case err != nil:
		return fmt.Errorf("db: redeem offer %s: %w", id, err)
	}
	return nil
}

// AccessToken returns the token whose hash is hash, revoked and expired ones
// included, or issuance.ErrNotFound.
func (s *Store) AccessToken(ctx context.Context, hash string) (*issuance.AccessToken, error) {
	var row accessTokenRow
	err := s.read(ctx).Where("hash = ?", hash).Take(&row).Error
	switch {
	case isNotFound(err):
		return nil, issuance.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("db: read access token: %w", err)
	}
	return row.accessToken()
}
