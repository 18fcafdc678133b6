package issuance

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"time"

	"github.com/go-jose/go-jose/v4"

	"credmint/app/credential"
	"credmint/app/keys"
)

// Catalog gives the enabled credential configurations.
type Catalog interface {
	Enabled(ctx context.Context) ([]credential.Configuration, error)
	Configuration(ctx context.Context, id string) (*credential.Configuration, error)
}

// Signers gives the active signing key for a purpose and the public keys
// verifiers may need.
type Signers interface {
	Active(purpose string) (keys.Signer, error)
	PublicJWKS() jose.JSONWebKeySet
}

// Sealer encrypts data at rest with the master key.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// Policy holds the lifetimes and limits of the protocol.
type Policy struct {
	OfferLifetime       time.Duration
	AccessTokenLifetime time.Duration
	NonceLifetime       time.Duration
	// ProofIATWindow is how old a proof's iat may be.
	ProofIATWindow time.Duration
	// TxCodeByDefault gives offers that do not say a tx_code.
	TxCodeByDefault bool
	// TxCodeDefaults fill what an offer's tx_code policy leaves out.
	TxCodeDefaults    TxCode
	MaxTxCodeAttempts int
	// BatchSize is the most proofs one credential request may carry.
	BatchSize int
	// AnonymousPreAuthorized allows token requests without client_id.
	AnonymousPreAuthorized bool
	// DeferredInterval is the polling interval given with a transaction_id
	// (OID4VCI §8.3); DeferredLifetime how long a request may wait for a
	// review before it expires.
	DeferredInterval time.Duration
	DeferredLifetime time.Duration
	// ReviewSLA is how long a deferred request may wait for a decision
	// before the review queue marks it overdue (default 48h).
	ReviewSLA time.Duration
}

// Display is the issuer's display entry in its metadata.
type Display struct {
	Name   string `json:"name"`
	Locale string `json:"locale,omitempty"`
}

// Deps are the collaborators of a Service.
type Deps struct {
	Store Store
	// Admin serves the console's offer pages (listing, extending); nil
	// leaves those methods unavailable.
	Admin   OfferAdminStore
	Catalog Catalog
	Formats *credential.Formats
	Signers Signers
	Sealer  Sealer
	// Issuer is the Credential Issuer Identifier (the public URL).
	Issuer string
	// NonceKey and TxCodeKey are HMAC keys (32 bytes) derived from the
	// master key.
	NonceKey  []byte
	TxCodeKey []byte
	Policy    Policy
	Display   []Display
	// CodeGrant serves the authorization_code grant (app/authz); nil
	// when credmint has no authorization endpoint.
	CodeGrant CodeGrant
	Now       func() time.Time
	Rand      io.Reader
	// Events says which webhook event types have subscribers (events.go);
	// nil writes no events.
	Events Events
	// Deferred stores deferred requests; nil answers every request at once
	// (review policies cannot be honoured).
	Deferred DeferredStore
	// Applicants tells the review rules about an applicant; nil disables
	// the claims_changed and flagged rules.
	Applicants ApplicantFacts
	// DraftClients tells which wallet clients speak the pre-1.0 drafts
	// (pre_1_0): they get the draft shapes (draft.go), and 400
	// issuance_pending instead of 202 while a deferred request waits. Nil
	// knows none.
	DraftClients DraftClients
	// Drafts accepts the draft request shapes from every wallet and puts
	// c_nonce in every token response (compat.drafts; see draft.go).
	// Without it only DraftClients get the draft treatment.
	Drafts bool
	// StatusLists gives every issued credential a status list entry; nil
	// issues credentials without status.
	StatusLists StatusLists
}

// Service implements the issuer side of OID4VCI.
type Service struct {
	Deps
}

// New validates d, fills defaults and returns a Service.
func New(d Deps) (*Service, error) {
	switch {
	case d.Store == nil, d.Catalog == nil, d.Formats == nil, d.Signers == nil, d.Sealer == nil:
		return nil, errors.New("issuance: Store, Catalog, Formats, Signers and Sealer are required")
	case d.Issuer == "":
		return nil, errors.New("issuance: Issuer is required")
	case len(d.NonceKey) < 32 || len(d.TxCodeKey) < 32:
		return nil, errors.New("issuance: NonceKey and TxCodeKey must be at least 32 bytes")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	p := &d.Policy
	defDur := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	defDur(&p.OfferLifetime, 7*24*time.Hour)
	defDur(&p.AccessTokenLifetime, 5*time.Minute)
	defDur(&p.NonceLifetime, 5*time.Minute)
	defDur(&p.ProofIATWindow, 5*time.Minute)
	defDur(&p.DeferredInterval, 5*time.Second)
	defDur(&p.DeferredLifetime, 14*24*time.Hour)
	defDur(&p.ReviewSLA, 48*time.Hour)
	if p.MaxTxCodeAttempts <= 0 {
		p.MaxTxCodeAttempts = 5
	}
	if p.BatchSize <= 0 {
		p.BatchSize = 1
	}
	d.Catalog = withDraftTwins(d.Catalog, d.Formats) // draft.go
	return &Service{Deps: d}, nil
}

// now is the service clock in UTC, at the precision both databases store.
func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Endpoint URLs under the issuer identifier.
func (s *Service) CredentialEndpoint() string    { return s.Issuer + "/credential" }
func (s *Service) NonceEndpoint() string         { return s.Issuer + "/nonce" }
func (s *Service) TokenEndpoint() string         { return s.Issuer + "/token" }
func (s *Service) NotificationEndpoint() string  { return s.Issuer + "/notification" }
func (s *Service) DeferredEndpoint() string      { return s.Issuer + "/deferred_credential" }
func (s *Service) offerURL(handle string) string { return s.Issuer + "/offers/" + handle }

// landingURL is the applicant's landing page of an offer: the same secret
// handle as the credential_offer_uri, under /c/.
func (s *Service) landingURL(handle string) string { return s.Issuer + "/c/" + handle }
