package issuance

import (
	"context"
	"errors"
	"time"

	"credmint/app/audit"
	"credmint/app/credential"
)

// Sentinel errors returned by a Store.
var (
	// ErrNotFound: no such record.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a conditional change did not apply (already used,
	// already exists, wrong state).
	ErrConflict = errors.New("conflict")
)

// OfferState is the stored state of an offer. "expired" is not stored: an
// offer past ExpiresAt in a pre-redemption state is expired (see
// Offer.EffectiveState).
type OfferState string

// Offer states, in the order an offer moves through them.
const (
	OfferCreated  OfferState = "created"
	OfferFetched  OfferState = "fetched"
	OfferRedeemed OfferState = "redeemed" // access token issued
	OfferIssued   OfferState = "credential_issued"
	OfferAccepted OfferState = "accepted"
	OfferExpired  OfferState = "expired" // derived, never stored
	OfferRevoked  OfferState = "revoked"
	OfferLocked   OfferState = "locked" // too many wrong tx_codes
)

// Offer is a credential offer with a pre-authorized code. Secrets are held
// only as hashes (the handle also sealed, so staff can show the QR again).
type Offer struct {
	ID               string
	ConfigurationIDs []string
	State            OfferState
	// HandleHash is the hex SHA-256 of the random handle in the
	// credential_offer_uri; the pre-authorized code is derived from it.
	HandleHash string
	// HandleSealed is the handle encrypted with the master key.
	HandleSealed []byte
	// CodeHash is the hex SHA-256 of the pre-authorized code.
	CodeHash string
	// ClaimsSealed is the JSON credential dataset encrypted with the master key.
	ClaimsSealed []byte
	// TxCode is the tx_code the wallet must ask for; nil when none.
	TxCode *TxCode
	// TxCodeHash is the keyed hash (HMAC) of the tx_code.
	TxCodeHash        string
	TxCodeAttempts    int
	MaxTxCodeAttempts int
	ByReference       bool
	CreatedBy         string
	CreatedAt         time.Time
	ExpiresAt         time.Time
	FetchedAt         *time.Time
	RedeemedAt        *time.Time
	IssuedAt          *time.Time
	AcceptedAt        *time.Time
	RevokedAt         *time.Time
	LockedAt          *time.Time

	// Console and delivery; the protocol ignores them.

	// ApplicantID is the applicant the offer was made for, "" when none.
	ApplicantID string
	// BatchID is the offer batch that created the offer, "" when none.
	BatchID string
	// DeliveryChannel is how the offer reaches the person (DeliveryEmail,
	// DeliveryPrint or DeliveryNone), TxCodeChannel how its tx_code does.
	DeliveryChannel string
	TxCodeChannel   string
	// TxCodeSealed is the tx_code sealed with the master key while it may
	// still have to be printed; nil for other channels and once the offer
	// is redeemed, locked, revoked or expired.
	TxCodeSealed []byte
	// DeliveredAt is when the offer message was sent or first printed.
	DeliveredAt *time.Time

	// Grant is the offer's grant: GrantPreAuthorizedCode (also when empty)
	// or GrantAuthorizationCode, whose offers carry issuer_state instead of
	// a pre-authorized code; CodeHash is then the hash of issuer_state.
	Grant string
}

// Delivery channels of an offer and of its tx_code.
const (
	DeliveryNone  = "none"
	DeliveryEmail = "email"
	DeliverySMS   = "sms" // tx_code only
	DeliveryPrint = "print"
)

// TxCode is the tx_code object of an offer (OID4VCI §4.1.1).
type TxCode struct {
	InputMode   string `json:"input_mode,omitempty"`
	Length      int    `json:"length,omitempty"`
	Description string `json:"description,omitempty"`
}

// EffectiveState is the state as the outside world sees it at now.
func (o *Offer) EffectiveState(now time.Time) OfferState {
	if o.State != OfferCreated && o.State != OfferFetched {
		return o.State
	}
	if o.TxCode != nil && o.TxCodeAttempts >= o.MaxTxCodeAttempts {
		return OfferLocked // the lock write may have been lost; the attempts say it all
	}
	if !now.Before(o.ExpiresAt) {
		return OfferExpired
	}
	return o.State
}

// Redeemable reports whether a wallet can still redeem the offer at now.
func (o *Offer) Redeemable(now time.Time) bool {
	st := o.EffectiveState(now)
	return st == OfferCreated || st == OfferFetched
}

// AccessToken is an access token issued at the token endpoint, stored by hash.
type AccessToken struct {
	ID      string
	Hash    string
	OfferID string
	// ConfigurationIDs are the configurations the token may be used for.
	ConfigurationIDs []string
	// CredentialIdentifiers maps each credential_identifier returned in
	// authorization_details to its configuration id. Nil when the token
	// response carried no authorization_details.
	CredentialIdentifiers map[string]string
	ClientID              string
	CreatedAt             time.Time
	ExpiresAt             time.Time
	RevokedAt             *time.Time
	// ClaimsSealed holds the credential datasets of a token from the
	// authorization code flow, by configuration id, sealed with the master
	// key (see SealDatasets); nil for a token whose data is its offer's.
	ClaimsSealed []byte
	// ApplicantID is the applicant the upstream person was matched to, ""
	// when none.
	ApplicantID string
}

// IssuedCredential records one issued credential. The credential itself is
// not kept (it holds personal data).
type IssuedCredential struct {
	ID                  string
	OfferID             string
	AccessTokenID       string
	ConfigurationID     string
	Format              string
	HolderKeyThumbprint string
	// NotificationID is shared by the credentials of one response.
	NotificationID string
	IssuedAt       time.Time
	ExpiresAt      time.Time
	WalletEvent    string
	WalletEventAt  *time.Time
	// SigningKeyID is the kid of the key that signed the credential, so
	// its public key stays published until the credential expires.
	SigningKeyID string
	// StatusListID and StatusIndex are the credential's status list entry;
	// StatusListID is "" when it has none.
	StatusListID string
	StatusIndex  int
}

// StatusEntry is a reserved status list entry for a credential being
// issued.
type StatusEntry struct {
	ListID string
	credential.StatusReference
}

// StatusLists reserves status list entries (Token Status List) for
// credentials about to be issued (app/status).
type StatusLists interface {
	// Allocate reserves n entries, each at an unpredictable index of a
	// list with room, and commits the reservation before returning. An
	// entry whose credential is never recorded stays "valid" and unused.
	Allocate(ctx context.Context, n int) ([]StatusEntry, error)
}

// Store is the persistence issuance needs. Every method that changes state
// writes the given audit event in the same transaction.
type Store interface {
	CreateOffer(ctx context.Context, o *Offer, ev audit.Event) error
	// Offer returns the offer with id, or ErrNotFound.
	Offer(ctx context.Context, id string) (*Offer, error)
	// OfferByHandle returns the offer whose HandleHash is handleHash.
	OfferByHandle(ctx context.Context, handleHash string) (*Offer, error)
	// OfferByCode returns the offer whose CodeHash is codeHash.
	OfferByCode(ctx context.Context, codeHash string) (*Offer, error)
	// MarkOfferFetched moves a created offer to fetched; other states are
	// left alone (no error).
	MarkOfferFetched(ctx context.Context, id string, at time.Time, ev audit.Event) error
	// ReserveTxCodeAttempt atomically counts one tx_code attempt, only while
	// the offer is created or fetched, unexpired at now and has fewer than
	// MaxTxCodeAttempts attempts. It returns the attempt number, or
	// ErrConflict when no attempt is left.
	ReserveTxCodeAttempt(ctx context.Context, id string, now time.Time) (int, error)
	// LockOffer moves an offer in created or fetched to locked.
	LockOffer(ctx context.Context, id string, at time.Time, ev audit.Event) error
	// RedeemOffer consumes the pre-authorized code with one conditional
	// update (offer created or fetched, unexpired at now) and inserts tok,
	// in one transaction. ErrConflict when the offer was not redeemable.
	RedeemOffer(ctx context.Context, id string, now time.Time, tok *AccessToken, ev audit.Event) error
	// RevokeOffer moves an offer that is not yet revoked to revoked and
	// revokes its access tokens. ErrConflict when already revoked.
	RevokeOffer(ctx context.Context, id string, at time.Time, ev audit.Event) error
	// AccessToken returns the token with the given hash, or ErrNotFound.
	AccessToken(ctx context.Context, hash string) (*AccessToken, error)
	// UseNonce records a c_nonce as used until expiresAt; ErrConflict when
	// it was used before.
	UseNonce(ctx context.Context, hash string, expiresAt time.Time) error
	// RecordIssuance inserts creds and moves their offer to
	// credential_issued, in one transaction.
	RecordIssuance(ctx context.Context, creds []IssuedCredential, ev audit.Event) error
	// RecordNotification stores the wallet's event on the credentials with
	// notificationID issued under tokenID (and moves the offer to accepted
	// for credential_accepted). ErrNotFound when there are none.
	RecordNotification(ctx context.Context, tokenID, notificationID, event string, at time.Time, ev audit.Event) error
}
