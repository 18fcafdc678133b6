package db

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"credmint/app/audit"
	"credmint/app/keys"
)

// signingKeyRow is a row of signing_keys. CertificateChain is a JSON array of
// base64 DER certificates, leaf first, or NULL.
type signingKeyRow struct {
	ID               string     `gorm:"column:id;primaryKey"`
	Purpose          string     `gorm:"column:purpose"`
	Algorithm        string     `gorm:"column:algorithm"`
	PrivateKeySealed []byte     `gorm:"column:private_key_sealed"`
	CertificateChain *string    `gorm:"column:certificate_chain"`
	CreatedAt        time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	NotBefore        time.Time  `gorm:"column:not_before"`
	NotAfter         time.Time  `gorm:"column:not_after"`
	RetiredAt        *time.Time `gorm:"column:retired_at"`
	CertificateState string     `gorm:"column:certificate_state"`
	CSR              []byte     `gorm:"column:csr"`
}

func (signingKeyRow) TableName() string { return "signing_keys" }

// CreateSigningKey inserts r and ev in one transaction. It fails when a key
// with r's id exists.
func (s *Store) CreateSigningKey(ctx context.Context, r *keys.Record, ev audit.Event) error {
	chain, err := encodeJSONOrNull("signing_keys.certificate_chain", r.CertificateChain, len(r.CertificateChain) == 0)
	if err != nil {
		return err
	}
	row := signingKeyRow{
		ID:               r.ID,
		Purpose:          r.Purpose,
		Algorithm:        r.Algorithm,
		PrivateKeySealed: r.PrivateKeySealed,
		CertificateChain: chain,
		CreatedAt:        utc(r.CreatedAt),
		NotBefore:        utc(r.NotBefore),
		NotAfter:         utc(r.NotAfter),
		RetiredAt:        utcPtr(r.RetiredAt),
		CertificateState: r.CertificateState,
		CSR:              r.CSR,
	}
	if row.CertificateState == "" {
		row.CertificateState = keys.CertificateGenerated
	}
	err = s.insertAudited(ctx, &row, ev)
	switch {
	case isDuplicate(err):
		return fmt.Errorf("db: create signing key %s: a key with this id exists", r.ID)
	case err != nil:
		return fmt.Errorf("db: create signing key %s: %w", r.ID, err)
	}
	return nil
}

// SigningKeys returns all signing keys, retired ones included, oldest first.
func (s *Store) SigningKeys(ctx context.Context) ([]keys.Record, error) {
	var rows []signingKeyRow
	if err := s.read(ctx).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: signing keys: %w", err)
	}
	out := make([]keys.Record, len(rows))
	for i, r := range rows {
		var chain [][]byte
		if err := decodeJSON("signing_keys.certificate_chain", r.CertificateChain, &chain); err != nil {
			return nil, err
		}
		out[i] = keys.Record{
			ID:               r.ID,
			Purpose:          r.Purpose,
			Algorithm:        r.Algorithm,
			PrivateKeySealed: r.PrivateKeySealed,
			CertificateChain: chain,
			CreatedAt:        fromDB(r.CreatedAt),
			NotBefore:        fromDB(r.NotBefore),
			NotAfter:         fromDB(r.NotAfter),
			RetiredAt:        fromDBPtr(r.RetiredAt),
			CertificateState: r.CertificateState,
			CSR:              r.CSR,
		}
	}
	return out, nil
}

// RetireSigningKey sets retired_at of key id, if it is not retired yet, and
// writes ev, in one transaction: one conditional UPDATE, so two processes
// retiring the same key write one event. keys.ErrKeyNotFound when the key
// does not exist or is retired already.
func (s *Store) RetireSigningKey(ctx context.Context, id string, at time.Time, ev audit.Event) error {
	return s.updateKeyAudited(ctx, id, map[string]any{"retired_at": utc(at)}, ev)
}

// UpdateCertificateChain installs an imported chain on key id (not
// retired): chain, not_before, not_after, certificate_state 'imported', no
// CSR, and writes ev, in one transaction. keys.ErrKeyNotFound when the key
// does not exist or is retired.
func (s *Store) UpdateCertificateChain(ctx context.Context, id string, u keys.ChainUpdate, ev audit.Event) error {
	if len(u.Chain) == 0 {
		return fmt.Errorf("db: update certificate chain of %s: empty chain", id)
	}
	chain, err := encodeJSONOrNull("signing_keys.certificate_chain", u.Chain, false)
	if err != nil {
		return err
	}
	return s.updateKeyAudited(ctx, id, map[string]any{
		"certificate_chain": chain, "not_before": utc(u.NotBefore), "not_after": utc(u.NotAfter),
		"certificate_state": keys.CertificateImported, "csr": nil,
	}, ev)
}

// updateKeyAudited applies set to key id when it is not retired, and writes
// ev in the same transaction.
func (s *Store) updateKeyAudited(ctx context.Context, id string, set map[string]any, ev audit.Event) error {
	return s.transact(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&signingKeyRow{}).Where("id = ? AND retired_at IS NULL", id).Updates(set)
		if res.Error != nil {
			return fmt.Errorf("db: update signing key %s: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("db: signing key %s: %w", id, keys.ErrKeyNotFound)
		}
		return insertAudit(tx, ev)
	})
}

// LatestCredentialExpiry returns the latest expires_at of the issued
// credentials signed with key keyID; ok is false when it signed none.
func (s *Store) LatestCredentialExpiry(ctx context.Context, keyID string) (time.Time, bool, error) {
	var rows []struct {
		ExpiresAt time.Time `gorm:"column:expires_at"`
	}
	err := s.read(ctx).Table("issued_credentials").Select("expires_at").
		Where("signing_key_id = ?", keyID).Order("expires_at DESC").Limit(1).Scan(&rows).Error
	if err != nil {
		return time.Time{}, false, fmt.Errorf("db: latest credential expiry of key %s: %w", keyID, err)
	}
	if len(rows) == 0 {
		return time.Time{}, false, nil
	}
	return fromDB(rows[0].ExpiresAt), true, nil
}

// ValidCredentialCounts counts, per signing key id, the issued credentials
// whose expires_at is after now.
func (s *Store) ValidCredentialCounts(ctx context.Context, now time.Time) (map[string]int, error) {
	var rows []struct {
		SigningKeyID string `gorm:"column:signing_key_id"`
		N            int    `gorm:"column:n"`
	}
	err := s.read(ctx).Table("issued_credentials").Select("signing_key_id, COUNT(*) AS n").
		Where("signing_key_id <> '' AND expires_at > ?", utc(now)).Group("signing_key_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: valid credentials per key: %w", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.SigningKeyID] = r.N
	}
	return out, nil
}
