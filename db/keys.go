package db

import (
	"context"
	"fmt"
	"time"

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
}

func (signingKeyRow) TableName() string { return "signing_keys" }

// CreateSigningKey inserts r. It fails when a key with r's id exists.
func (s *Store) CreateSigningKey(ctx context.Context, r *keys.Record) error {
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
	}
	err = s.write(ctx).Create(&row).Error
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
		}
	}
	return out, nil
}
