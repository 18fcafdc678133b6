package issuance

import (
	"context"
	"errors"
	"fmt"
	"time"

	"credmint/app/audit"
)

// OfferAdminStore is the persistence of the console's offer pages, beyond
// Store.
type OfferAdminStore interface {
	// ListOffers returns up to f.Limit offers matching f, newest first
	// (created_at, id descending), strictly after f.After when set.
	ListOffers(ctx context.Context, f OfferFilter) ([]Offer, error)
	// ExtendOffer sets the expiry of offer id to expiresAt and writes ev,
	// in one transaction, only while the offer is created or fetched and
	// not locked by its tx_code attempts. ErrConflict otherwise,
	// ErrNotFound when there is no such offer.
	ExtendOffer(ctx context.Context, id string, expiresAt time.Time, ev audit.Event) error
}

// OfferFilter selects offers for the console's list.
type OfferFilter struct {
	// State is an effective state (OfferCreated … OfferLocked, with
	// OfferExpired derived from the expiry), StateOpen, or "" for all.
	State OfferState
	// DeliveryFailed keeps offers with a message that failed for good.
	DeliveryFailed bool
	ApplicantID    string
	BatchID        string
	// Now decides which offers are expired.
	Now time.Time
	// After is the keyset cursor: the last offer of the previous page.
	After *OfferCursor
	Limit int
}

// StateOpen selects offers that can still be redeemed (created or fetched,
// unexpired, not locked).
const StateOpen OfferState = "open"

// OfferCursor is a position in the offer list.
type OfferCursor struct {
	CreatedAt time.Time
	ID        string
}

// FilterStates are the states the offer list can be filtered by.
var FilterStates = []OfferState{StateOpen, OfferCreated, OfferFetched, OfferRedeemed, OfferIssued, OfferAccepted, OfferExpired, OfferLocked, OfferRevoked}

// ListOffers returns a page of offers and the cursor of the next page (nil
// on the last page).
func (s *Service) ListOffers(ctx context.Context, f OfferFilter) ([]Offer, *OfferCursor, error) {
	if s.Admin == nil {
		return nil, nil, errors.New("issuance: no offer admin store")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	f.Now = s.now()
	want := f.Limit
	f.Limit++ // one more tells whether there is a next page
	offers, err := s.Admin.ListOffers(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	if len(offers) <= want {
		return offers, nil, nil
	}
	offers = offers[:want]
	last := offers[want-1]
	return offers, &OfferCursor{CreatedAt: last.CreatedAt, ID: last.ID}, nil
}

// ExtendOffer moves the expiry of an offer that can still be redeemed (or
// that expired unused) to until, which must lie between a minute and the
// longest offer lifetime from now.
func (s *Service) ExtendOffer(ctx context.Context, id string, until time.Time) (*Offer, error) {
	if s.Admin == nil {
		return nil, errors.New("issuance: no offer admin store")
	}
	now := s.now()
	until = until.UTC().Truncate(time.Microsecond)
	if until.Before(now.Add(time.Minute)) || until.After(now.Add(maxOfferLifetime)) {
		return nil, fieldError("expires_at", fmt.Sprintf("must be in the future and at most %d days from now", int(maxOfferLifetime.Hours()/24)))
	}
	ev := audit.New(ctx, now, "offer.extended", "offer", id, map[string]string{"expires_at": until.Format(time.RFC3339)})
	if err := s.Admin.ExtendOffer(ctx, id, until, ev); err != nil {
		return nil, err
	}
	return s.Store.Offer(ctx, id)
}

// LandingOffer returns the offer behind a landing-page handle and its
// links. Unlike FetchOffer it changes nothing: the applicant looking at the
// page is not a wallet fetching the offer. ErrNotFound for an unknown handle.
func (s *Service) LandingOffer(ctx context.Context, handle string) (*Offer, OfferLinks, error) {
	if handle == "" || len(handle) > 128 {
		return nil, OfferLinks{}, ErrNotFound
	}
	o, err := s.Store.OfferByHandle(ctx, hashSecret(handle))
	if err != nil {
		return nil, OfferLinks{}, err
	}
	return o, s.links(o, handle), nil
}

// DrawTxCode draws a new tx_code for o under its existing tx_code policy and
// returns it with its keyed hash. Nothing is stored.
func (s *Service) DrawTxCode(o *Offer) (code, hash string, err error) {
	if o.TxCode == nil {
		return "", "", fieldError("tx_code", "the offer has no tx_code")
	}
	alphabet := numericAlphabet
	if o.TxCode.InputMode == "text" {
		alphabet = textAlphabet
	}
	if code, err = randomCode(s.Rand, alphabet, o.TxCode.Length); err != nil {
		return "", "", err
	}
	return code, s.hashTxCode(o.ID, code), nil
}

// txCodeAAD binds a sealed tx_code to its offer.
func txCodeAAD(offerID string) []byte { return []byte("tx_code\x00" + offerID) }

// SealTxCode seals code for storage on offer o (for printing later).
func (s *Service) SealTxCode(o *Offer, code string) ([]byte, error) {
	b, err := s.Sealer.Seal([]byte(code), txCodeAAD(o.ID))
	if err != nil {
		return nil, fmt.Errorf("issuance: sealing tx_code: %w", err)
	}
	return b, nil
}

// PrintableTxCode opens the sealed tx_code of o while the offer can still be
// redeemed; "" when there is none to print.
func (s *Service) PrintableTxCode(o *Offer) (string, error) {
	if len(o.TxCodeSealed) == 0 || !o.Redeemable(s.now()) {
		return "", nil
	}
	b, err := s.Sealer.Open(o.TxCodeSealed, txCodeAAD(o.ID))
	if err != nil {
		return "", fmt.Errorf("issuance: opening tx_code of offer %s: %w", o.ID, err)
	}
	return string(b), nil
}

// Clock returns the service's current time, as stored.
func (s *Service) Clock() time.Time { return s.now() }
