package db

import (
	"context"
	"fmt"
	"time"

	"credmint/app/audit"
	"credmint/app/issuance"
)

// offerRow is a row of offers. ConfigurationIDs is a JSON array, TxCode a
// JSON object or NULL.
type offerRow struct {
	ID                string     `gorm:"column:id;primaryKey"`
	ConfigurationIDs  string     `gorm:"column:configuration_ids"`
	State             string     `gorm:"column:state"`
	HandleHash        string     `gorm:"column:handle_hash"`
	HandleSealed      []byte     `gorm:"column:handle_sealed"`
	CodeHash          string     `gorm:"column:code_hash"`
	ClaimsSealed      []byte     `gorm:"column:claims_sealed"`
	TxCode            *string    `gorm:"column:tx_code"`
	TxCodeHash        string     `gorm:"column:tx_code_hash"`
	TxCodeAttempts    int        `gorm:"column:tx_code_attempts"`
	MaxTxCodeAttempts int        `gorm:"column:max_tx_code_attempts"`
	ByReference       bool       `gorm:"column:by_reference"`
	CreatedBy         string     `gorm:"column:created_by"`
	CreatedAt         time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	ExpiresAt         time.Time  `gorm:"column:expires_at"`
	FetchedAt         *time.Time `gorm:"column:fetched_at"`
	RedeemedAt        *time.Time `gorm:"column:redeemed_at"`
	IssuedAt          *time.Time `gorm:"column:issued_at"`
	AcceptedAt        *time.Time `gorm:"column:accepted_at"`
	RevokedAt         *time.Time `gorm:"column:revoked_at"`
	LockedAt          *time.Time `gorm:"column:locked_at"`
	ApplicantID       *string    `gorm:"column:applicant_id"`
	BatchID           *string    `gorm:"column:batch_id"`
	DeliveryChannel   string     `gorm:"column:delivery_channel"`
	TxCodeChannel     string     `gorm:"column:tx_code_channel"`
	TxCodeSealed      []byte     `gorm:"column:tx_code_sealed"`
	DeliveredAt       *time.Time `gorm:"column:delivered_at"`
	GrantType         string     `gorm:"column:grant_type"`
}

func (offerRow) TableName() string { return "offers" }

func toOfferRow(o *issuance.Offer) (offerRow, error) {
	ids, err := encodeJSON("offers.configuration_ids", o.ConfigurationIDs)
	if err != nil {
		return offerRow{}, err
	}
	txCode, err := encodeJSONOrNull("offers.tx_code", o.TxCode, o.TxCode == nil)
	if err != nil {
		return offerRow{}, err
	}
	return offerRow{
		ID:                o.ID,
		ConfigurationIDs:  ids,
		State:             string(o.State),
		HandleHash:        o.HandleHash,
		HandleSealed:      o.HandleSealed,
		CodeHash:          o.CodeHash,
		ClaimsSealed:      o.ClaimsSealed,
		TxCode:            txCode,
		TxCodeHash:        o.TxCodeHash,
		TxCodeAttempts:    o.TxCodeAttempts,
		MaxTxCodeAttempts: o.MaxTxCodeAttempts,
		ByReference:       o.ByReference,
		CreatedBy:         o.CreatedBy,
		CreatedAt:         utc(o.CreatedAt),
		ExpiresAt:         utc(o.ExpiresAt),
		FetchedAt:         utcPtr(o.FetchedAt),
		RedeemedAt:        utcPtr(o.RedeemedAt),
		IssuedAt:          utcPtr(o.IssuedAt),
		AcceptedAt:        utcPtr(o.AcceptedAt),
		RevokedAt:         utcPtr(o.RevokedAt),
		LockedAt:          utcPtr(o.LockedAt),
		ApplicantID:       nullIfEmpty(o.ApplicantID),
		BatchID:           nullIfEmpty(o.BatchID),
		DeliveryChannel:   o.DeliveryChannel,
		TxCodeChannel:     o.TxCodeChannel,
		TxCodeSealed:      nilIfEmpty(o.TxCodeSealed),
		DeliveredAt:       utcPtr(o.DeliveredAt),
		GrantType:         grantType(o.Grant),
	}, nil
}

func (r *offerRow) offer() (*issuance.Offer, error) {
	ids, err := decodeStrings("offers.configuration_ids", r.ConfigurationIDs)
	if err != nil {
		return nil, err
	}
	var txCode *issuance.TxCode
	if err := decodeJSON("offers.tx_code", r.TxCode, &txCode); err != nil {
		return nil, err
	}
	return &issuance.Offer{
		ID:                r.ID,
		ConfigurationIDs:  ids,
		State:             issuance.OfferState(r.State),
		HandleHash:        r.HandleHash,
		HandleSealed:      nilIfEmpty(r.HandleSealed),
		CodeHash:          r.CodeHash,
		ClaimsSealed:      nilIfEmpty(r.ClaimsSealed),
		TxCode:            txCode,
		TxCodeHash:        r.TxCodeHash,
		TxCodeAttempts:    r.TxCodeAttempts,
		MaxTxCodeAttempts: r.MaxTxCodeAttempts,
		ByReference:       r.ByReference,
		CreatedBy:         r.CreatedBy,
		CreatedAt:         fromDB(r.CreatedAt),
		ExpiresAt:         fromDB(r.ExpiresAt),
		FetchedAt:         fromDBPtr(r.FetchedAt),
		RedeemedAt:        fromDBPtr(r.RedeemedAt),
		IssuedAt:          fromDBPtr(r.IssuedAt),
		AcceptedAt:        fromDBPtr(r.AcceptedAt),
		RevokedAt:         fromDBPtr(r.RevokedAt),
		LockedAt:          fromDBPtr(r.LockedAt),
		ApplicantID:       emptyIfNull(r.ApplicantID),
		BatchID:           emptyIfNull(r.BatchID),
		DeliveryChannel:   r.DeliveryChannel,
		TxCodeChannel:     r.TxCodeChannel,
		TxCodeSealed:      nilIfEmpty(r.TxCodeSealed),
		DeliveredAt:       fromDBPtr(r.DeliveredAt),
		Grant:             offerGrant(r.GrantType),
	}, nil
}

// grantType is the stored grant_type of an offer: the pre-authorized code
// grant unless the offer says otherwise.
func grantType(g string) string {
	if g == "" {
		return issuance.GrantPreAuthorizedCode
	}
	return g
}

// offerGrant is Offer.Grant of a stored grant_type: "" for the
// pre-authorized code grant, the default.
func offerGrant(g string) string {
	if g == issuance.GrantPreAuthorizedCode {
		return ""
	}
	return g
}

// CreateOffer inserts o and ev in one transaction. ErrConflict when an offer
// with the same id, handle hash or code hash exists.
func (s *Store) CreateOffer(ctx context.Context, o *issuance.Offer, ev audit.Event) error {
	row, err := toOfferRow(o)
	if err != nil {
		return err
	}
	err = s.insertAudited(ctx, &row, ev)
	switch {
	case isDuplicate(err):
		return fmt.Errorf("db: create offer %s: %w", o.ID, issuance.ErrConflict)
	case err != nil:
		return fmt.Errorf("db: create offer %s: %w", o.ID, err)
	}
	return nil
}

// Offer returns the offer with id, or issuance.ErrNotFound.
func (s *Store) Offer(ctx context.Context, id string) (*issuance.Offer, error) {
	return s.offerWhere(ctx, "id = ?", id)
}

// OfferByHandle returns the offer whose handle hash is handleHash, or
// issuance.ErrNotFound.
func (s *Store) OfferByHandle(ctx context.Context, handleHash string) (*issuance.Offer, error) {
	return s.offerWhere(ctx, "handle_hash = ?", handleHash)
}

// OfferByCode returns the offer whose pre-authorized code hash is codeHash,
// or issuance.ErrNotFound.
func (s *Store) OfferByCode(ctx context.Context, codeHash string) (*issuance.Offer, error) {
	return s.offerWhere(ctx, "code_hash = ?", codeHash)
}

func (s *Store) offerWhere(ctx context.Context, cond string, arg string) (*issuance.Offer, error) {
	var row offerRow
	err := s.read(ctx).Where(cond, arg).Take(&row).Error
	switch {
	case isNotFound(err):
		return nil, issuance.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("db: read offer: %w", err)
	}
	return row.offer()
}

// CountOffers returns how many offers exist.
func (s *Store) CountOffers(ctx context.Context) (int64, error) {
	var n int64
	if err := s.read(ctx).Model(&offerRow{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("db: count offers: %w", err)
	}
	return n, nil
}
