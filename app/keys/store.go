package keys

import (
	"context"
	"errors"
	"time"

	"credmint/app/audit"
)

// Where a key's certificate chain comes from (Record.CertificateState).
const (
	// CertificateGenerated: credmint made the certificate (self-signed, or
	// a document signer certificate issued by credmint's own IACA). Such
	// keys are rotated automatically.
	CertificateGenerated = "generated"
	// CertificatePending: the key waits for the chain a CA issues from its
	// certificate signing request. It neither signs nor is published.
	CertificatePending = "pending"
	// CertificateImported: the chain was issued by an outside CA and
	// imported. Rotating such a key takes a new CSR.
	CertificateImported = "imported"
)

// ErrKeyNotFound is returned (wrapped) for an unknown or retired key.
var ErrKeyNotFound = errors.New("keys: no such signing key (or it is retired)")

// Record is a signing key as stored: the private key only encrypted with the
// master key.
type Record struct {
	ID        string
	Purpose   string
	Algorithm string
	// PrivateKeySealed is the PKCS#8 private key sealed with the master key.
	PrivateKeySealed []byte
	// CertificateChain is the DER chain, leaf first, trust anchor excluded.
	// It is empty while the key waits for its chain.
	CertificateChain [][]byte
	// CertificateState is one of the Certificate* constants.
	CertificateState string
	// CSR is the DER PKCS#10 request of a key made with a CSR; nil
	// otherwise.
	CSR       []byte
	CreatedAt time.Time
	// NotBefore is when the key starts signing; NotAfter when the
	// certificate expires (zero while a certificate is pending).
	NotBefore time.Time
	NotAfter  time.Time
	RetiredAt *time.Time
}

// ChainUpdate is a certificate chain imported for a key, and the signing
// window that follows from it.
type ChainUpdate struct {
	// Chain is the DER chain, leaf first, trust anchor excluded.
	Chain     [][]byte
	NotBefore time.Time
	NotAfter  time.Time
}

// Store persists signing keys. Every change is written together with the
// audit event that describes it, in one transaction.
type Store interface {
	// SigningKeys returns all keys, oldest first.
	SigningKeys(ctx context.Context) ([]Record, error)
	// CreateSigningKey inserts r and ev.
	CreateSigningKey(ctx context.Context, r *Record, ev audit.Event) error
	// RetireSigningKey sets the key's RetiredAt to at, if it is not retired
	// yet, and writes ev. An unknown or retired key is ErrKeyNotFound.
	RetireSigningKey(ctx context.Context, id string, at time.Time, ev audit.Event) error
	// UpdateCertificateChain replaces the chain of a key that is not
	// retired, sets its NotBefore and NotAfter, marks its certificate
	// CertificateImported, drops its CSR and writes ev. An unknown or
	// retired key is ErrKeyNotFound.
	UpdateCertificateChain(ctx context.Context, id string, u ChainUpdate, ev audit.Event) error
	// LatestCredentialExpiry returns the latest expires_at of the issued
	// credentials signed with the key; ok is false when it signed none.
	LatestCredentialExpiry(ctx context.Context, keyID string) (latest time.Time, ok bool, err error)
	// ValidCredentialCounts counts, per signing key id, the issued
	// credentials that have not expired at now.
	ValidCredentialCounts(ctx context.Context, now time.Time) (map[string]int, error)
}
