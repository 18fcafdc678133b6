package status

import (
	"context"
	"time"

	"credmint/app/audit"
)

// State is a credential's status as staff see it.
type State string

// States of a credential. Revoked is final.
const (
	StateValid     State = "valid"
	StateRevoked   State = "revoked"
	StateSuspended State = "suspended"
)

// Value is the status list value of s (draft -14 §7.1): 0x00 VALID, 0x01
// INVALID, 0x02 SUSPENDED.
func (s State) Value() byte {
	switch s {
	case StateRevoked:
		return ValueInvalid
	case StateSuspended:
		return ValueSuspended
	}
	return ValueValid
}

// List is a status list as stored.
type List struct {
	ID string
	// Bits per entry (1 or 2) and Size (entries) are fixed at creation.
	Bits int
	Size int
	// Used counts the entries reserved so far; the list is full at Size.
	Used int
	// Seed keys the list's permutation of indexes (32 random bytes).
	Seed []byte
	// Statuses is the packed bit array (Size*Bits/8 bytes); nil when read
	// without it.
	Statuses []byte
	// Version grows with every change of Statuses.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
	// Token is the cached signed Status List Token, "" when none.
	Token CachedToken
}

// CachedToken is a signed Status List Token kept in the database with the
// list version and the key it was made from.
type CachedToken struct {
	JWT       string
	Version   int64
	KeyID     string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// Reservation is a run of consecutive counters of one list: counters
// First … First+Count-1, which the list's permutation maps to indexes.
type Reservation struct {
	ListID string
	Size   int
	Seed   []byte
	First  int
	Count  int
}

// Credential is an issued credential's status entry.
type Credential struct {
	ID           string
	ListID       string // "" when the credential has no status entry
	Index        int
	Status       State
	ListBits     int // 0 when ListID is ""
	OfferID      string
	ApplicantID  string
	IssuedAt     time.Time
	ExpiresAt    time.Time
	ChangedAt    *time.Time
	ConfigID     string
	Format       string
	SigningKeyID string
}

// Selector names the credentials a change applies to: the ids, or every
// credential of an applicant (from the applicant's offers and from tokens
// of the authorization code flow matched to them).
type Selector struct {
	IDs         []string
	ApplicantID string
}

// Decision is what Decide says about one credential: its new status and
// the audit event of the change. To equal to the current status, or Err
// set, leaves the credential unchanged.
type Decision struct {
	To    State
	Event audit.Event
	Err   error
}

// Outcome is what happened to one credential of a change.
type Outcome struct {
	Credential Credential // as it was before the change
	Changed    bool
	To         State
	Err        error
}

// Store is the persistence of status lists.
type Store interface {
	// ReserveStatusEntries reserves n entries in lists of bits bits with
	// room, oldest list first, and commits before returning. When no list
	// has room it inserts newList() (with ev, the list's audit event) and
	// goes on there. Two processes never get the same counter: the
	// reservation is one conditional update of the list's used count under
	// a row lock.
	ReserveStatusEntries(ctx context.Context, n, bits int, newList func() (*List, audit.Event, error)) ([]Reservation, error)
	// StatusList returns the list with id (with Statuses when withBits),
	// or issuance.ErrNotFound.
	StatusList(ctx context.Context, id string, withBits bool) (*List, error)
	// StatusListIDs returns the ids of every list, oldest first.
	StatusListIDs(ctx context.Context) ([]string, error)
	// SaveStatusListToken caches tok on list id unless the list changed
	// after tok.Version was read or a token of a newer version is cached.
	SaveStatusListToken(ctx context.Context, id string, tok CachedToken) error
	// ChangeCredentialStatus locks the credentials sel selects (in id
	// order), asks decide about each, and in one transaction stores every
	// new status on the credential and in its list's bit array (bumping
	// the list's version) with the decision's audit event. An empty
	// selection of IDs that do not exist yields outcomes with
	// issuance.ErrNotFound.
	ChangeCredentialStatus(ctx context.Context, sel Selector, at time.Time, decide func(Credential) Decision) ([]Outcome, error)
	// StatusCredential returns the status entry of credential id, or
	// issuance.ErrNotFound.
	StatusCredential(ctx context.Context, id string) (*Credential, error)
	// StatusCredentialAt returns the credential at index of list listID,
	// or issuance.ErrNotFound.
	StatusCredentialAt(ctx context.Context, listID string, index int) (*Credential, error)
	// StatusCredentials returns the status entries of the credentials sel
	// selects (unknown ids are left out), in id order.
	StatusCredentials(ctx context.Context, sel Selector) ([]Credential, error)
	// StatusCredentialsSignedBy returns up to limit credentials signed by
	// the key keyID whose id is after after ("" from the start), in id
	// order.
	StatusCredentialsSignedBy(ctx context.Context, keyID, after string, limit int) ([]Credential, error)
}
