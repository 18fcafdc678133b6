package issuance

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"credmint/app/audit"
	"credmint/app/credential"
)

// Deferred issuance (OID4VCI 1.0 §9; SPEC §10): a credential request whose
// configuration needs a reviewer is answered 202 with a transaction_id; the
// wallet polls the deferred credential endpoint with the same access token
// until a reviewer approved (200 with the credentials) or rejected
// (credential_request_denied) the request.

// DeferredState is the stored state of a deferred request. "expired" is
// stored by housekeeping; a pending request past ExpiresAt is expired
// before that too (see DeferredRequest.EffectiveState).
type DeferredState string

// Deferred request states.
const (
	DeferredPending  DeferredState = "pending"
	DeferredApproved DeferredState = "approved"
	DeferredIssued   DeferredState = "issued" // collected by the wallet: the transaction is dead
	DeferredRejected DeferredState = "rejected"
	DeferredExpired  DeferredState = "expired"
)

// Reasons review was required (credential.Configuration.ReviewRules plus the
// manual policy itself).
const (
	ReasonManualPolicy     = "manual_policy"
	ReasonNoApplicantMatch = "no_applicant_match"
	ReasonClaimsChanged    = "claims_changed"
	ReasonFlagged          = "flagged"
)

// ErrFourEyes is returned when the reviewer created the offer of a request
// whose configuration asks for four-eyes approval.
var ErrFourEyes = errors.New("four-eyes: the staff member who created the offer cannot approve its credential; another reviewer must")

// DeferredRequest is a credential request waiting for, or past, a review.
// The wallet's transaction_id is held only as a hash; the claims only
// sealed with the master key (AAD: the request id).
type DeferredRequest struct {
	ID string
	// TransactionHash is the hex SHA-256 of the wallet's transaction_id.
	TransactionHash string
	AccessTokenID   string
	OfferID         string // "" for the authorization code flow without an offer
	ApplicantID     string // "" when none
	ConfigurationID string
	// HolderKeys is the JSON array of the verified public holder JWKs from
	// the proofs of the original request ("[]" without holder binding: one
	// credential without cnf).
	HolderKeys []byte
	// ClaimsSealed is the JSON claims snapshot, sealed (see deferredAAD).
	ClaimsSealed []byte
	// UpstreamSealed is the UpstreamIdentity of the authorization code
	// flow as JSON, sealed (see upstreamAAD); nil without one.
	UpstreamSealed []byte
	// Reasons say why review was required (Reason* constants).
	Reasons []string
	State   DeferredState
	// Shape is the shape of the original credential request: the deferred
	// endpoint answers in it (draft.go).
	Shape DraftShape
	// OfferCreatedBy is the staff id that created the offer (four-eyes).
	OfferCreatedBy string
	ApprovedBy     string
	RejectedBy     string
	// RejectReason is the reviewer's reason for a rejection.
	RejectReason string
	CreatedAt    time.Time
	ExpiresAt    time.Time
	DecidedAt    *time.Time
	CollectedAt  *time.Time
}

// EffectiveState is the state as the outside world sees it at now: a
// pending request past ExpiresAt is expired.
func (d *DeferredRequest) EffectiveState(now time.Time) DeferredState {
	if d.State == DeferredPending && !now.Before(d.ExpiresAt) {
		return DeferredExpired
	}
	return d.State
}

// DeferredDetail is a deferred request with its claims opened, for reviewers.
type DeferredDetail struct {
	DeferredRequest
	Claims map[string]any
	// Problems are what the configuration's checks find in Claims (a
	// mandatory claim missing, a wrong type): approval is refused while
	// any remains, so the reviewer fills or fixes them first.
	Problems []credential.FieldError
	// Missing are the configuration's top-level claims absent from
	// Claims, for the reviewer to fill.
	Missing []MissingClaim
	// Upstream is who signed in at the upstream provider (authorization
	// code flow); nil when nobody did.
	Upstream *UpstreamIdentity
}

// MissingClaim is a top-level claim of the configuration the request's
// claims lack. String says whether it takes a string (else a JSON value).
type MissingClaim struct {
	Name      string
	Mandatory bool
	String    bool
}

// DeferredFilter selects deferred requests; the zero value selects all,
// oldest first.
type DeferredFilter struct {
	State           DeferredState
	ConfigurationID string
	OfferID         string // the requests of one offer (the landing page)
	Limit           int    // 0: 500
}

// DeferredStore is the persistence of deferred requests. Every method that
// changes state writes the given audit event in the same transaction.
type DeferredStore interface {
	// CreateDeferred inserts d.
	CreateDeferred(ctx context.Context, d *DeferredRequest, ev audit.Event) error
	// Deferred returns the request with id, or ErrNotFound.
	Deferred(ctx context.Context, id string) (*DeferredRequest, error)
	// DeferredByTransaction returns the request whose TransactionHash is
	// hash, or ErrNotFound.
	DeferredByTransaction(ctx context.Context, hash string) (*DeferredRequest, error)
	// ListDeferred returns the requests f selects, oldest first.
	ListDeferred(ctx context.Context, f DeferredFilter) ([]DeferredRequest, error)
	// CountPendingDeferred counts the requests pending and unexpired at now.
	CountPendingDeferred(ctx context.Context, now time.Time) (int, error)
	// DecideDeferred moves a request pending and unexpired at `at` to
	// approved or rejected (by, reason), replacing ClaimsSealed when
	// claimsSealed is not nil, with one conditional update. ErrConflict
	// when it was not pending (or expired).
	DecideDeferred(ctx context.Context, id string, to DeferredState, by, reason string, claimsSealed []byte, at time.Time, ev audit.Event) error
	// CollectDeferred moves an approved request to issued with one
	// conditional update and records creds (as RecordIssuance), in one
	// transaction. ErrConflict, with nothing written, when it was not
	// approved.
	CollectDeferred(ctx context.Context, id string, at time.Time, creds []IssuedCredential, ev audit.Event) error
	// ExpireDeferred moves every request pending at now and past its
	// ExpiresAt to expired, returning how many.
	ExpireDeferred(ctx context.Context, now time.Time) (int, error)
}

// Pending is the answer to a credential or deferred credential request that
// waits for a review (§8.3, §9.2): 202 {transaction_id, interval}.
type Pending struct {
	TransactionID string `json:"transaction_id"`
	// Interval is the seconds the wallet should wait before polling.
	Interval int `json:"interval"`
	// Draft asks for the pre-1.0 shape: 400 {"error": "issuance_pending",
	// "interval"} instead of 202 (the client is registered as pre_1_0, or
	// the original request used a draft shape).
	Draft bool `json:"-"`
}

// DeferredCredentialRequest is a deferred credential request (§9.1).
// Unknown members are ignored.
type DeferredCredentialRequest struct {
	TransactionID string `json:"transaction_id"`
	// CredentialResponseEncryption is refused, as at the credential
	// endpoint: this issuer does not encrypt responses (§10).
	CredentialResponseEncryption json.RawMessage `json:"credential_response_encryption"`
}

// deferredAAD binds a sealed claims snapshot to its deferred request.
func deferredAAD(id string) []byte { return []byte("deferred claims\x00" + id) }

// deferredStore returns the DeferredStore or an error when none is wired.
func (s *Service) deferredStore() (DeferredStore, error) {
	if s.Deferred == nil {
		return nil, errors.New("issuance: deferred issuance is not available (no DeferredStore)")
	}
	return s.Deferred, nil
}
