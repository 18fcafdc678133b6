package keys

import (
	"context"
	"time"
)

// Record is a signing key as stored: the private key only encrypted with the
// master key.
type Record struct {
	ID        string
	Purpose   string
	Algorithm string
	// PrivateKeySealed is the PKCS#8 private key sealed with the master key.
	PrivateKeySealed []byte
	// CertificateChain is the DER chain, leaf first.
	CertificateChain [][]byte
	CreatedAt        time.Time
	// NotBefore is when the key starts signing; NotAfter when the
	// certificate expires.
	NotBefore time.Time
	NotAfter  time.Time
	RetiredAt *time.Time
}

// Store persists signing keys.
type Store interface {
	// SigningKeys returns all keys, oldest first.
	SigningKeys(ctx context.Context) ([]Record, error)
	// CreateSigningKey inserts r.
	CreateSigningKey(ctx context.Context, r *Record) error
}
