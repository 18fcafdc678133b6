package db_test

import (
	"errors"
	"testing"
	"time"

	"credmint/app/issuance"
	"credmint/db"
	"credmint/db/dbtest"
)

// issued returns credentials issued under token tokenID of offer offerID,
// sharing notification id notif.
func issued(offerID, tokenID, notif string, ids ...string) []issuance.IssuedCredential {
	var out []issuance.IssuedCredential
	for _, id := range ids {
		out = append(out, issuance.IssuedCredential{
			ID:                  id,
			OfferID:             offerID,
			AccessTokenID:       tokenID,
			ConfigurationID:     "pid",
			Format:              "dc+sd-jwt",
			HolderKeyThumbprint: "thumb-" + id,
			NotificationID:      notif,
			IssuedAt:            t0.Add(time.Minute),
			ExpiresAt:           t0.Add(365 * 24 * time.Hour),
		})
	}
	return out
}

// issue redeems a new offer id and records two credentials for it.
func issue(t *testing.T, s *db.Store, id string) []issuance.IssuedCredential {
	t.Helper()
	createOffer(t, s, id, nil)
	redeem(t, s, id, "tok-"+id)
	creds := issued(id, "tok-"+id, "notif-"+id, id+"-c1", id+"-c2")
	if err := s.RecordIssuance(t.Context(), creds, event("credential.issued", id)); err != nil {
		t.Fatalf("RecordIssuance(%s): %v", id, err)
	}
	return creds
}

func TestRecordIssuance(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		creds := issue(t, s, "o1")
		got, err := s.IssuedCredentials(t.Context(), "o1")
		if err != nil {
			t.Fatalf("IssuedCredentials: %v", err)
		}
		diff(t, "IssuedCredentials", got, creds)
		o := mustOffer(t, s, "o1")
		if o.State != issuance.OfferIssued || o.IssuedAt == nil || !o.IssuedAt.Equal(creds[0].IssuedAt) {
			t.Errorf("offer after issuance: got state %s, issued_at %v, want credential_issued at %v", o.State, o.IssuedAt, creds[0].IssuedAt)
		}

		// A second credential request with the same token keeps the state
		// and the first issued_at.
		more := issued("o1", "tok-o1", "notif-2", "o1-c3")
		more[0].IssuedAt = t0.Add(time.Hour)
		if err := s.RecordIssuance(t.Context(), more, event("credential.issued", "o1")); err != nil {
			t.Fatalf("second RecordIssuance: %v", err)
		}
		o = mustOffer(t, s, "o1")
		if o.State != issuance.OfferIssued || !o.IssuedAt.Equal(creds[0].IssuedAt) {
			t.Errorf("offer after second issuance: got state %s, issued_at %v, want credential_issued at %v", o.State, o.IssuedAt, creds[0].IssuedAt)
		}
		if got, _ := s.IssuedCredentials(t.Context(), "o1"); len(got) != 3 {
			t.Errorf("IssuedCredentials after second issuance: got %d, want 3", len(got))
		}
		wantActions(t, s, "o1", "offer.created", "token.issued", "credential.issued", "credential.issued")
	})
}

func TestRecordIssuanceRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		issue(t, s, "o1")
		createOffer(t, s, "o2", nil)
		redeem(t, s, "o2", "tok-o2")

		// One duplicate id refuses the whole batch.
		dup := issued("o2", "tok-o2", "n", "o2-c1", "o1-c1")
		if err := s.RecordIssuance(t.Context(), dup, event("credential.issued", "o2")); !errors.Is(err, issuance.ErrConflict) {
			t.Errorf("duplicate credential id: got %v, want ErrConflict", err)
		}
		unknownToken := issued("o2", "tok-nope", "n", "o2-c2")
		if err := s.RecordIssuance(t.Context(), unknownToken, event("credential.issued", "o2")); err == nil {
			t.Errorf("unknown access token: got nil error, want one")
		}
		if err := s.RecordIssuance(t.Context(), nil, event("credential.issued", "o2")); err == nil {
			t.Errorf("no credentials: got nil error, want one")
		}
		if got, _ := s.IssuedCredentials(t.Context(), "o2"); len(got) != 0 {
			t.Errorf("credentials of refused issuances: got %d, want 0", len(got))
		}
		if st := mustOffer(t, s, "o2").State; st != issuance.OfferRedeemed {
			t.Errorf("offer after refused issuances: got state %s, want redeemed", st)
		}
		wantActions(t, s, "o2", "offer.created", "token.issued")
	})
}

func TestRecordNotification(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		creds := issue(t, s, "o1")
		at := t0.Add(2 * time.Minute)
		for i := range 2 { // the repeat succeeds too
			err := s.RecordNotification(t.Context(), "tok-o1", "notif-o1", "credential_accepted", at, event("notification.received", "o1"))
			if err != nil {
				t.Fatalf("RecordNotification #%d: %v", i+1, err)
			}
		}
		for i := range creds {
			creds[i].WalletEvent, creds[i].WalletEventAt = "credential_accepted", &at
		}
		got, _ := s.IssuedCredentials(t.Context(), "o1")
		diff(t, "IssuedCredentials after notification", got, creds)
		o := mustOffer(t, s, "o1")
		if o.State != issuance.OfferAccepted || o.AcceptedAt == nil || !o.AcceptedAt.Equal(at) {
			t.Errorf("offer after credential_accepted: got state %s, accepted_at %v, want accepted at %v", o.State, o.AcceptedAt, at)
		}
		wantActions(t, s, "o1", "offer.created", "token.issued", "credential.issued", "notification.received", "notification.received")
	})
}

func TestRecordNotificationOtherEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		issue(t, s, "o1")
		for _, ev := range []string{"credential_failure", "credential_deleted"} {
			if err := s.RecordNotification(t.Context(), "tok-o1", "notif-o1", ev, t0, event("notification.received", "o1")); err != nil {
				t.Fatalf("RecordNotification(%s): %v", ev, err)
			}
			got, _ := s.IssuedCredentials(t.Context(), "o1")
			if got[0].WalletEvent != ev {
				t.Errorf("wallet event: got %q, want %q", got[0].WalletEvent, ev)
			}
			if st := mustOffer(t, s, "o1").State; st != issuance.OfferIssued {
				t.Errorf("offer after %s: got state %s, want credential_issued", ev, st)
			}
		}
	})
}

func TestRecordNotificationNotFound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		issue(t, s, "o1")
		issue(t, s, "o2")
		tests := []struct{ name, token, notif string }{
			{"another offer's token", "tok-o2", "notif-o1"},
			{"unknown token", "tok-nope", "notif-o1"},
			{"unknown notification id", "tok-o1", "notif-nope"},
		}
		for _, tt := range tests {
			err := s.RecordNotification(t.Context(), tt.token, tt.notif, "credential_accepted", t0, event("notification.received", "o1"))
			if !errors.Is(err, issuance.ErrNotFound) {
				t.Errorf("%s: got %v, want ErrNotFound", tt.name, err)
			}
		}
		for _, id := range []string{"o1", "o2"} {
			if st := mustOffer(t, s, id).State; st != issuance.OfferIssued {
				t.Errorf("offer %s: got state %s, want credential_issued", id, st)
			}
			got, _ := s.IssuedCredentials(t.Context(), id)
			if got[0].WalletEvent != "" || got[0].WalletEventAt != nil {
				t.Errorf("credential of %s: got wallet event %q at %v, want none", id, got[0].WalletEvent, got[0].WalletEventAt)
			}
			wantActions(t, s, id, "offer.created", "token.issued", "credential.issued")
		}
	})
}
