package db_test

import (
	"fmt"
	"testing"
	"time"

	"credmint/app/applicants"
	"credmint/app/audit"
	"credmint/app/credential"
	"credmint/app/issuance"
	"credmint/app/staff"
	"credmint/db"
	"credmint/db/dbtest"
)

// seedAuditLog writes 12 events: e1…e12, one minute apart from t0; odd ones
// by staff member usr_ops (ops@example.org), even ones by API key key_crm
// (named "crm"); actions alternate between offer.created and
// offer.revoked, subjects between offers o1 and o2.
func seedAuditLog(t *testing.T, s *db.Store) {
	t.Helper()
	ctx := t.Context()
	if err := s.CreateUser(ctx, &staff.User{ID: "usr_ops", Email: "ops@example.org", Role: staff.RoleAdmin, CreatedAt: t0},
		audit.Event{At: t0.Add(-time.Hour), Action: "staff_user.created", SubjectType: "staff_user", SubjectID: "usr_ops"}); err != nil {
		t.Fatal(err)
	}
	createAPIKey(t, s, "key_crm", "crm", -time.Hour)
	cfg := &credential.Configuration{ID: "pid", Format: "dc+sd-jwt"}
	for i := 1; i <= 12; i++ {
		actor := audit.Actor{Kind: audit.ActorStaff, ID: "usr_ops", RemoteAddr: "192.0.2.1"}
		if i%2 == 0 {
			actor = audit.Actor{Kind: audit.ActorAPIKey, ID: "key_crm", RemoteAddr: "198.51.100.2"}
		}
		action := []string{"offer.created", "offer.revoked"}[(i/2)%2]
		ev := audit.Event{At: t0.Add(time.Duration(i) * time.Minute), Actor: actor, Action: action,
			SubjectType: "offer", SubjectID: fmt.Sprintf("o%d", 1+i%2), Details: map[string]string{"n": fmt.Sprint(i)}}
		// Any audited change will do to write an event.
		if err := s.SaveCredentialConfiguration(ctx, cfg, ev); err != nil {
			t.Fatal(err)
		}
	}
}

// seq returns the "n" detail of each entry.
func seq(es []audit.Entry) string {
	var out string
	for _, e := range es {
		out += e.Details["n"] + " "
	}
	return out
}

func TestAuditLog(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		seedAuditLog(t, s)
		ctx := t.Context()
		base := audit.Query{SubjectType: "offer"}
		for _, tt := range []struct {
			name string
			q    audit.Query
			want string
		}{
			{"all, newest first", base, "12 11 10 9 8 7 6 5 4 3 2 1 "},
			{"actor kind", audit.Query{SubjectType: "offer", ActorKind: audit.ActorAPIKey}, "12 10 8 6 4 2 "},
			{"actor by id", audit.Query{SubjectType: "offer", Actor: "usr_ops"}, "11 9 7 5 3 1 "},
			{"actor by email, any case", audit.Query{SubjectType: "offer", Actor: "OPS@example.org"}, "11 9 7 5 3 1 "},
			{"actor by key name", audit.Query{SubjectType: "offer", Actor: "crm"}, "12 10 8 6 4 2 "},
			{"action", audit.Query{SubjectType: "offer", Action: "offer.revoked"}, "11 10 7 6 3 2 "},
			{"action prefix", audit.Query{Action: "offer.*"}, "12 11 10 9 8 7 6 5 4 3 2 1 "},
			{"action prefix is not a pattern", audit.Query{Action: "offer_*"}, ""},
			{"subject", audit.Query{SubjectType: "offer", SubjectID: "o1"}, "12 10 8 6 4 2 "},
			{"time range", audit.Query{SubjectType: "offer", From: t0.Add(3 * time.Minute), To: t0.Add(6 * time.Minute)}, "5 4 3 "},
		} {
			p, err := s.AuditLog(ctx, tt.q)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if got := seq(p.Entries); got != tt.want {
				t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
			}
		}

		// Keyset pages of 5: forward to the end, then back.
		q := base
		q.Limit = 5
		p1, _ := s.AuditLog(ctx, q)
		if seq(p1.Entries) != "12 11 10 9 8 " || p1.Newer != 0 || p1.Older == 0 {
			t.Fatalf("page 1: %q newer %d older %d", seq(p1.Entries), p1.Newer, p1.Older)
		}
		q.Before = p1.Older
		p2, _ := s.AuditLog(ctx, q)
		if seq(p2.Entries) != "7 6 5 4 3 " || p2.Newer == 0 || p2.Older == 0 {
			t.Fatalf("page 2: %q newer %d older %d", seq(p2.Entries), p2.Newer, p2.Older)
		}
		q.Before = p2.Older
		p3, _ := s.AuditLog(ctx, q)
		if seq(p3.Entries) != "2 1 " || p3.Newer == 0 || p3.Older != 0 {
			t.Fatalf("page 3: %q newer %d older %d", seq(p3.Entries), p3.Newer, p3.Older)
		}
		q.Before, q.After = 0, p3.Newer
		back, _ := s.AuditLog(ctx, q)
		if seq(back.Entries) != "7 6 5 4 3 " || back.Older != p2.Older || back.Newer != p2.Newer {
			t.Fatalf("back to page 2: %q newer %d older %d", seq(back.Entries), back.Newer, back.Older)
		}
		q.After = back.Newer
		first, _ := s.AuditLog(ctx, q)
		if seq(first.Entries) != "12 11 10 9 8 " || first.Newer != 0 {
			t.Fatalf("back to page 1: %q newer %d", seq(first.Entries), first.Newer)
		}

		// Entries carry the event and the actor's readable name.
		e := p1.Entries[1] // event 11, by usr_ops
		want := audit.Entry{ID: e.ID, ActorName: "ops@example.org", Event: audit.Event{
			At: t0.Add(11 * time.Minute).UTC(), Actor: audit.Actor{Kind: audit.ActorStaff, ID: "usr_ops", RemoteAddr: "192.0.2.1"},
			Action: "offer.revoked", SubjectType: "offer", SubjectID: "o2", Details: map[string]string{"n": "11"}}}
		diff(t, "entry 11", e, want)
		if p1.Entries[0].ActorName != "crm" {
			t.Errorf("entry 12 actor name: got %q, want the key's name crm", p1.Entries[0].ActorName)
		}

		// The export streams every match (no page limit), oldest first.
		var exported []audit.Entry
		err := s.EachAuditEntry(ctx, audit.Query{Action: "offer.created", Limit: 1, Before: p1.Older}, func(e audit.Entry) error {
			exported = append(exported, e)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := seq(exported); got != "1 4 5 8 9 12 " {
			t.Errorf("export: got %q, want every offer.created oldest first", got)
		}
		stop := fmt.Errorf("stop")
		n := 0
		if err := s.EachAuditEntry(ctx, base, func(audit.Entry) error { n++; return stop }); err != stop || n != 1 {
			t.Errorf("export stops at the callback's error: got %v after %d calls", err, n)
		}
	})
}

func TestIssuedCredentialList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		a := &applicants.Applicant{ID: "app_1", ConfigurationID: "pid", Name: "Ada Lovelace", CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateApplicant(ctx, a, audit.Event{At: t0, Action: "applicant.created", SubjectType: "applicant", SubjectID: "app_1"}); err != nil {
			t.Fatal(err)
		}
		// Offers o0…o3 each with one credential issued i minutes after t0;
		// o1 for the applicant; o3's credential of configuration "mdl".
		for i := range 4 {
			id := fmt.Sprintf("o%d", i)
			createOffer(t, s, id, func(o *issuance.Offer) {
				if i == 1 {
					o.ApplicantID = "app_1"
				}
			})
			redeem(t, s, id, "tok-"+id)
			c := issued(id, "tok-"+id, "n-"+id, "crd_"+id)
			c[0].IssuedAt = t0.Add(time.Duration(i) * time.Minute)
			c[0].HolderKeyThumbprint = fmt.Sprintf("tp%d-xyz", i)
			if i == 3 {
				c[0].ConfigurationID = "mdl"
			}
			if err := s.RecordIssuance(ctx, c, event("credential.issued", id)); err != nil {
				t.Fatal(err)
			}
		}
		ids := func(p issuance.CredentialPage) string {
			var out string
			for _, c := range p.Credentials {
				out += c.ID + " "
			}
			return out
		}
		for _, tt := range []struct {
			name string
			q    issuance.CredentialQuery
			want string
		}{
			{"all, newest first", issuance.CredentialQuery{}, "crd_o3 crd_o2 crd_o1 crd_o0 "},
			{"configuration", issuance.CredentialQuery{ConfigurationID: "mdl"}, "crd_o3 "},
			{"offer", issuance.CredentialQuery{OfferID: "o2"}, "crd_o2 "},
			{"applicant", issuance.CredentialQuery{ApplicantID: "app_1"}, "crd_o1 "},
			{"thumbprint prefix", issuance.CredentialQuery{Thumbprint: "tp2"}, "crd_o2 "},
			{"thumbprint is not a pattern", issuance.CredentialQuery{Thumbprint: "tp_"}, ""},
			{"issued range", issuance.CredentialQuery{IssuedFrom: t0.Add(time.Minute), IssuedTo: t0.Add(3 * time.Minute)}, "crd_o2 crd_o1 "},
		} {
			p, err := s.IssuedCredentialList(ctx, tt.q)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if got := ids(p); got != tt.want {
				t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
			}
		}
		p, _ := s.IssuedCredentialList(ctx, issuance.CredentialQuery{ApplicantID: "app_1"})
		if c := p.Credentials[0]; c.ApplicantName != "Ada Lovelace" || c.ApplicantID != "app_1" || c.OfferID != "o1" || c.HolderKeyThumbprint != "tp1-xyz" {
			t.Errorf("listing of crd_o1: %+v", c)
		}

		p1, _ := s.IssuedCredentialList(ctx, issuance.CredentialQuery{Limit: 3})
		if ids(p1) != "crd_o3 crd_o2 crd_o1 " || p1.Newer != nil || p1.Older == nil {
			t.Fatalf("page 1: %q newer %v older %v", ids(p1), p1.Newer, p1.Older)
		}
		// The cursor survives its text form, as in a URL.
		older, err := issuance.ParseCredentialCursor(p1.Older.String())
		if err != nil {
			t.Fatal(err)
		}
		p2, _ := s.IssuedCredentialList(ctx, issuance.CredentialQuery{Limit: 3, Before: older})
		if ids(p2) != "crd_o0 " || p2.Newer == nil || p2.Older != nil {
			t.Fatalf("page 2: %q newer %v older %v", ids(p2), p2.Newer, p2.Older)
		}
		back, _ := s.IssuedCredentialList(ctx, issuance.CredentialQuery{Limit: 3, After: p2.Newer})
		if ids(back) != "crd_o3 crd_o2 crd_o1 " || back.Newer != nil {
			t.Fatalf("back: %q newer %v", ids(back), back.Newer)
		}
	})
}

func TestDailyActivity(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		day := func(n int) time.Time { return time.Date(2026, 4, n, 0, 0, 0, 0, time.UTC) }
		at := func(n, hour int) time.Time { return day(n).Add(time.Duration(hour) * time.Hour) }
		// Day 2: two offers created (one at 23:30 UTC, which is day 3 in
		// CET: days are UTC); day 3: one created, and the first redeemed
		// and issued; day 4: the second expires unredeemed.
		mk := func(id string, created, expires time.Time) {
			createOffer(t, s, id, func(o *issuance.Offer) { o.CreatedAt, o.ExpiresAt = created, expires })
		}
		mk("a", at(2, 9), at(9, 0))
		mk("b", at(2, 23).Add(30*time.Minute), at(4, 12))
		mk("c", at(3, 1), at(20, 0))
		tok := newToken("tok-a", "a")
		if err := s.RedeemOffer(ctx, "a", at(3, 8), tok, event("token.issued", "a")); err != nil {
			t.Fatal(err)
		}
		creds := issued("a", "tok-a", "n-a", "crd_1", "crd_2")
		for i := range creds {
			creds[i].IssuedAt = at(3, 9)
		}
		if err := s.RecordIssuance(ctx, creds, event("credential.issued", "a")); err != nil {
			t.Fatal(err)
		}
		got, err := s.DailyActivity(ctx, day(1), at(5, 10))
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "DailyActivity", got, []issuance.DayActivity{
			{Day: day(1)},
			{Day: day(2), OffersCreated: 2},
			{Day: day(3), OffersCreated: 1, OffersRedeemed: 1, CredentialsIssued: 2},
			{Day: day(4), OffersExpired: 1},
			{Day: day(5)},
		})
	})
}
