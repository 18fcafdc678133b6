package db_test

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"credmint/app/audit"
	"credmint/app/issuance"
	"credmint/db"
)

// t0 is the tests' "now": not UTC and with microseconds, so that round trips
// prove the UTC conversion and the precision kept.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 123456000, time.FixedZone("CET", 3600))

// hash is a stand-in for the hex SHA-256 of a secret.
func hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// event is an audit event about offer id.
func event(action, id string) audit.Event {
	return audit.Event{
		At:          t0,
		Actor:       audit.Actor{Kind: audit.ActorAPIKey, ID: "key-1", RemoteAddr: "192.0.2.1", RequestID: "req-1"},
		Action:      action,
		SubjectType: "offer",
		SubjectID:   id,
		Details:     map[string]string{"configuration_id": "pid"},
	}
}

// newOffer returns an offer in state created, valid for an hour after t0.
func newOffer(id string) *issuance.Offer {
	return &issuance.Offer{
		ID:                id,
		ConfigurationIDs:  []string{"pid", "mdl"},
		State:             issuance.OfferCreated,
		HandleHash:        hash("handle-" + id),
		HandleSealed:      []byte("sealed handle " + id),
		CodeHash:          hash("code-" + id),
		ClaimsSealed:      []byte("sealed claims " + id),
		TxCode:            &issuance.TxCode{InputMode: "numeric", Length: 6, Description: "sent by SMS"},
		TxCodeHash:        hash("tx-" + id),
		MaxTxCodeAttempts: 5,
		ByReference:       true,
		CreatedBy:         "staff:alice",
		CreatedAt:         t0,
		ExpiresAt:         t0.Add(time.Hour),
	}
}

// createOffer stores newOffer(id) after applying edit, with event
// "offer.created".
func createOffer(t *testing.T, s *db.Store, id string, edit func(*issuance.Offer)) *issuance.Offer {
	t.Helper()
	o := newOffer(id)
	if edit != nil {
		edit(o)
	}
	if err := s.CreateOffer(t.Context(), o, event("offer.created", id)); err != nil {
		t.Fatalf("CreateOffer(%s): %v", id, err)
	}
	return o
}

// inState is an edit for createOffer that sets the state.
func inState(st issuance.OfferState) func(*issuance.Offer) {
	return func(o *issuance.Offer) { o.State = st }
}

// mustOffer reads offer id.
func mustOffer(t *testing.T, s *db.Store, id string) *issuance.Offer {
	t.Helper()
	o, err := s.Offer(t.Context(), id)
	if err != nil {
		t.Fatalf("Offer(%s): %v", id, err)
	}
	return o
}

// newToken returns an access token for offer offerID.
func newToken(id, offerID string) *issuance.AccessToken {
	return &issuance.AccessToken{
		ID:                    id,
		Hash:                  hash("token-" + id),
		OfferID:               offerID,
		ConfigurationIDs:      []string{"pid"},
		CredentialIdentifiers: map[string]string{"pid-1": "pid"},
		ClientID:              "wallet.example",
		CreatedAt:             t0,
		ExpiresAt:             t0.Add(10 * time.Minute),
	}
}

// redeem redeems offer offerID with a new token tokenID and returns it.
func redeem(t *testing.T, s *db.Store, offerID, tokenID string) *issuance.AccessToken {
	t.Helper()
	tok := newToken(tokenID, offerID)
	if err := s.RedeemOffer(t.Context(), offerID, t0, tok, event("token.issued", offerID)); err != nil {
		t.Fatalf("RedeemOffer(%s): %v", offerID, err)
	}
	return tok
}

// wantActions checks the actions of the audit events about offer id.
func wantActions(t *testing.T, s *db.Store, id string, want ...string) {
	t.Helper()
	evs, err := s.AuditEvents(t.Context(), "offer", id)
	if err != nil {
		t.Fatalf("AuditEvents(offer, %s): %v", id, err)
	}
	var got []string
	for _, ev := range evs {
		got = append(got, ev.Action)
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit actions of offer %s: got %q, want %q", id, got, want)
	}
}

// diff reports a difference between records.
func diff(t *testing.T, what string, got, want any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }
