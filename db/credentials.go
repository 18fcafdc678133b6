package db

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"gorm.io/gorm"

	"credmint/app/audit"
	"credmint/app/issuance"
)

// walletAccepted is the notification event of a wallet that stored the
// credentials (OID4VCI 1.0 §11.1).
const walletAccepted = "credential_accepted"

// issuedCredentialRow is a row of issued_credentials. OfferID is NULL for a
// credential not issued from an offer.
type issuedCredentialRow struct {
	ID                  string     `gorm:"column:id;primaryKey"`
	OfferID             *string    `gorm:"column:offer_id"`
	AccessTokenID       string     `gorm:"column:access_token_id"`
	ConfigurationID     string     `gorm:"column:configuration_id"`
	Format              string     `gorm:"column:format"`
	HolderKeyThumbprint string     `gorm:"column:holder_key_thumbprint"`
	NotificationID      string     `gorm:"column:notification_id"`
	IssuedAt            time.Time  `gorm:"column:issued_at"`
	ExpiresAt           time.Time  `gorm:"column:expires_at"`
	WalletEvent         string     `gorm:"column:wallet_event"`
	WalletEventAt       *time.Time `gorm:"column:wallet_event_at"`
	// SigningKeyID is the kid of the key that signed the credential.
	SigningKeyID string `gorm:"column:signing_key_id"`
	// StatusListID and StatusIndex are the credential's status list entry,
	// NULL when it has none; its status starts as the column default
	// (valid) and changes through ChangeCredentialStatus (status.go).
	StatusListID *string `gorm:"column:status_list_id"`
	StatusIndex  *int    `gorm:"column:status_index"`
}

func (issuedCredentialRow) TableName() string { return "issued_credentials" }

func toIssuedCredentialRow(c *issuance.IssuedCredential) issuedCredentialRow {
	return issuedCredentialRow{
		ID:                  c.ID,
		OfferID:             nullIfEmpty(c.OfferID),
		AccessTokenID:       c.AccessTokenID,
		ConfigurationID:     c.ConfigurationID,
		Format:              c.Format,
		HolderKeyThumbprint: c.HolderKeyThumbprint,
		NotificationID:      c.NotificationID,
		IssuedAt:            utc(c.IssuedAt),
		ExpiresAt:           utc(c.ExpiresAt),
		WalletEvent:         c.WalletEvent,
		WalletEventAt:       utcPtr(c.WalletEventAt),
		SigningKeyID:        c.SigningKeyID,
		StatusListID:        statusListRef(c),
		StatusIndex:         statusIndexRef(c),
	}
}

// statusListRef is the credential's status list id, NULL without one.
func statusListRef(c *issuance.IssuedCredential) *string { return nullIfEmpty(c.StatusListID) }

// statusIndexRef is the credential's status index, NULL without a list.
func statusIndexRef(c *issuance.IssuedCredential) *int {
	if c.StatusListID == "" {
		return nil
	}
	i := c.StatusIndex
	return &i
}

func (r *issuedCredentialRow) issuedCredential() issuance.IssuedCredential {
	c := issuance.IssuedCredential{
		ID:                  r.ID,
		OfferID:             emptyIfNull(r.OfferID),
		AccessTokenID:       r.AccessTokenID,
		ConfigurationID:     r.ConfigurationID,
		Format:              r.Format,
		HolderKeyThumbprint: r.HolderKeyThumbprint,
		NotificationID:      r.NotificationID,
		IssuedAt:            fromDB(r.IssuedAt),
		ExpiresAt:           fromDB(r.ExpiresAt),
		WalletEvent:         r.WalletEvent,
		WalletEventAt:       fromDBPtr(r.WalletEventAt),
		SigningKeyID:        r.SigningKeyID,
		StatusListID:        emptyIfNull(r.StatusListID),
	}
	if r.StatusIndex != nil {
		c.StatusIndex = *r.StatusIndex
	}
	return c
}

// RecordIssuance inserts creds, moves their offers from redeemed to
// credential_issued (an offer in another state keeps it: a second credential
// request with the same token is fine) and writes ev, in one transaction.
// issuance.ErrConflict when a credential with one of the ids exists.
func (s *Store) RecordIssuance(ctx context.Context, creds []issuance.IssuedCredential, ev audit.Event) error {
	if len(creds) == 0 {
		return errors.New("db: record issuance: no credentials")
	}
	rows := make([]issuedCredentialRow, len(creds))
	offers := map[string]time.Time{} // offer id → first issued_at
	for i := range creds {
		rows[i] = toIssuedCredentialRow(&creds[i])
		if id := creds[i].OfferID; id != "" {
			if at, ok := offers[id]; !ok || rows[i].IssuedAt.Before(at) {
				offers[id] = rows[i].IssuedAt
			}
		}
	}
	err := s.transactRerunnable(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&rows).Error; err != nil {
			return err
		}
		for _, id := range slices.Sorted(maps.Keys(offers)) { // one lock order
			err := tx.Exec("UPDATE offers SET state = ?, issued_at = ? WHERE id = ? AND state = ?",
				string(issuance.OfferIssued), offers[id], id, string(issuance.OfferRedeemed)).Error
			if err != nil {
				return err
			}
		}
		return insertAudit(tx, ev)
	})
	switch {
	case isDuplicate(err):
		return fmt.Errorf("db: record issuance: %w", issuance.ErrConflict)
	case err != nil:
		return fmt.Errorf("db: record issuance: %w", err)
	}
	return nil
}

// RecordNotification stores the wallet's event on the credentials with
// notificationID issued under token tokenID, and for credential_accepted
// moves their offer from credential_issued to accepted, writing ev, in one
// transaction. A repeated notification succeeds again (the latest event
// wins). issuance.ErrNotFound, with nothing written, when no credential
// matches both ids.
func (s *Store) RecordNotification(ctx context.Context, tokenID, notificationID, event string, at time.Time, ev audit.Event) error {
	at = utc(at)
	acceptOffer := func(tx *gorm.DB) error {
		if event != walletAccepted {
			return nil
		}
		return tx.Exec(`UPDATE offers SET state = ?, accepted_at = ?
			WHERE state = ? AND id IN (SELECT offer_id FROM issued_credentials WHERE notification_id = ? AND access_token_id = ?)`,
			string(issuance.OfferAccepted), at, string(issuance.OfferIssued), notificationID, tokenID).Error
	}
	err := s.transition(ctx, ev, acceptOffer,
		"UPDATE issued_credentials SET wallet_event = ?, wallet_event_at = ? WHERE notification_id = ? AND access_token_id = ?",
		event, at, notificationID, tokenID)
	switch {
	case errors.Is(err, errUnchanged):
		return fmt.Errorf("db: record notification: %w", issuance.ErrNotFound)
	case err != nil:
		return fmt.Errorf("db: record notification: %w", err)
	}
	return nil
}

// IssuedCredentials returns the credentials issued from offer offerID, in
// the order they were issued.
func (s *Store) IssuedCredentials(ctx context.Context, offerID string) ([]issuance.IssuedCredential, error) {
	var rows []issuedCredentialRow
	err := s.read(ctx).Where("offer_id = ?", offerID).Order("issued_at, id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: issued credentials of offer %s: %w", offerID, err)
	}
	out := make([]issuance.IssuedCredential, len(rows))
	for i := range rows {
		out[i] = rows[i].issuedCredential()
	}
	return out, nil
}
