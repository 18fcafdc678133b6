package db_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"credmint/app/audit"
	"credmint/app/staff"
	"credmint/db"
	"credmint/db/dbtest"
)

func TestActorNames(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		for _, u := range []*staff.User{
			{ID: "usr_grace", Email: "grace@example.org", Name: "Grace Hopper", Role: staff.RoleAdmin, CreatedAt: t0},
			{ID: "usr_noname", Email: "ops@example.org", Role: staff.RoleIssuer, CreatedAt: t0},
		} {
			if err := s.CreateUser(ctx, u, userEvent("staff_user.created", u.ID)); err != nil {
				t.Fatal(err)
			}
		}
		createAPIKey(t, s, "key_crm", "crm", 0)

		got, err := s.ActorNames(ctx, []string{"usr_grace", "key_crm", "usr_noname", "usr_gone", "", "usr_grace"})
		if err != nil {
			t.Fatal(err)
		}
		want := audit.Names{
			"usr_grace":  {Kind: audit.ActorStaff, Name: "Grace Hopper"},
			"usr_noname": {Kind: audit.ActorStaff, Name: "ops@example.org"},
			"key_crm":    {Kind: audit.ActorAPIKey, Name: "crm"},
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("ActorNames (-want +got):\n%s", d)
		}
		for id, label := range map[string]string{"usr_grace": "Grace Hopper", "key_crm": "API key crm", "usr_gone": "usr_gone (deleted user)", "": "credmint"} {
			if l := got.ByID(id); l != label {
				t.Errorf("ByID(%q): got %q, want %q", id, l, label)
			}
		}

		none, err := s.ActorNames(ctx, nil)
		if err != nil || len(none) != 0 {
			t.Errorf("ActorNames(nil): got %v, %v; want no names", none, err)
		}

		// More ids than one statement binds: every known one is still found.
		many := make([]string, 0, 2500)
		for i := range 2500 {
			many = append(many, fmt.Sprintf("usr_x%d", i))
		}
		many = append(many, "usr_grace")
		all, err := s.ActorNames(ctx, many)
		if err != nil || len(all) != 1 || all["usr_grace"].Name != "Grace Hopper" {
			t.Errorf("ActorNames(2501 ids): got %v, %v; want Grace Hopper alone", all, err)
		}
	})
}

func TestLatestStatusChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		staffActor := audit.Actor{Kind: audit.ActorStaff, ID: "usr_grace"}
		keyActor := audit.Actor{Kind: audit.ActorAPIKey, ID: "key_crm"}
		for i, ev := range []audit.Event{
			{Actor: staffActor, Action: "credential.suspended", SubjectID: "crd_a"},
			{Actor: keyActor, Action: "credential.unsuspended", SubjectID: "crd_a"},
			{Actor: staffActor, Action: "credential.revoked", SubjectID: "crd_a", Details: map[string]string{"reason": "lost"}},
			{Actor: keyActor, Action: "credential.suspended", SubjectID: "crd_b"},
			{Actor: staffActor, Action: "credential.issued", SubjectID: "crd_b"},
			{Actor: staffActor, Action: "credential.revoked", SubjectID: "crd_other"},
		} {
			ev.At, ev.SubjectType = t0.Add(time.Duration(i)*time.Minute), "credential"
			if err := s.AppendAudit(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.LatestStatusChanges(ctx, []string{"crd_a", "crd_b", "crd_c"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("LatestStatusChanges: got %d credentials, want crd_a and crd_b: %+v", len(got), got)
		}
		if a := got["crd_a"]; a.Action != "credential.revoked" || a.Actor.ID != "usr_grace" || a.Details["reason"] != "lost" || !a.At.Equal(t0.Add(2*time.Minute)) {
			t.Errorf("crd_a: got %+v, want its revocation by usr_grace at t0+2m", a)
		}
		if b := got["crd_b"]; b.Action != "credential.suspended" || b.Actor.ID != "key_crm" {
			t.Errorf("crd_b: got %+v, want its suspension by key_crm (credential.issued is no status change)", b)
		}
		if none, err := s.LatestStatusChanges(ctx, nil); err != nil || len(none) != 0 {
			t.Errorf("LatestStatusChanges(nil): got %v, %v", none, err)
		}
	})
}
