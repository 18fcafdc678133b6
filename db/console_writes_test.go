package db_test

import (
	"errors"
	"testing"
	"time"

	"credmint/app/audit"
	"credmint/app/credential"
	"credmint/app/staff"
	"credmint/db"
	"credmint/db/dbtest"
)

// userEvent is an audit event by a staff member about staff user id.
func userEvent(action, id string) audit.Event {
	return audit.Event{At: t0, Actor: audit.Actor{Kind: audit.ActorStaff, ID: "usr_admin", RemoteAddr: "192.0.2.7", RequestID: "req-9"},
		Action: action, SubjectType: "staff_user", SubjectID: id}
}

// configEvent is an audit event about configuration id.
func configEvent(action, id string) audit.Event {
	return audit.Event{At: t0, Actor: audit.Actor{Kind: audit.ActorStaff, ID: "usr_admin"}, Action: action, SubjectType: "credential_configuration", SubjectID: id}
}

// auditActions returns the actions of the events about one subject.
func auditActions(t *testing.T, s *db.Store, subjectType, id string) []string {
	t.Helper()
	evs, err := s.AuditEvents(t.Context(), subjectType, id)
	if err != nil {
		t.Fatalf("AuditEvents(%s, %s): %v", subjectType, id, err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Action)
	}
	return out
}

func TestCreateAndSaveCredentialConfiguration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		c := credential.Configuration{
			ID: "diploma", Format: "dc+sd-jwt", VCT: "urn:example:diploma:1",
			Claims:       []credential.Claim{{Path: []any{"degrees", nil, "title"}, Mandatory: true}},
			TxCode:       &credential.TxCodeDefault{Required: true, InputMode: "text", Length: 8, Description: "from the letter"},
			ReviewPolicy: credential.ReviewManual,
		}
		if err := s.CreateCredentialConfiguration(ctx, &c, configEvent("credential_configuration.created", "diploma")); err != nil {
			t.Fatalf("CreateCredentialConfiguration: %v", err)
		}
		again := c
		again.VCT = "urn:example:other"
		err := s.CreateCredentialConfiguration(ctx, &again, configEvent("credential_configuration.created", "diploma"))
		if !errors.Is(err, credential.ErrExists) {
			t.Fatalf("CreateCredentialConfiguration of an existing id: got %v, want ErrExists", err)
		}
		got, err := s.CredentialConfiguration(ctx, "diploma")
		if err != nil {
			t.Fatalf("CredentialConfiguration: %v", err)
		}
		want := c
		want.Normalize()
		diff(t, "CredentialConfiguration after create (the refused create changed nothing)", got, &want)

		c.Disabled = true
		c.TxCode = nil
		if err := s.SaveCredentialConfiguration(ctx, &c, configEvent("credential_configuration.disabled", "diploma")); err != nil {
			t.Fatalf("SaveCredentialConfiguration: %v", err)
		}
		got, _ = s.CredentialConfiguration(ctx, "diploma")
		want = c
		want.Normalize()
		diff(t, "CredentialConfiguration after save", got, &want)
		all, _ := s.CredentialConfigurations(ctx)
		if len(all) != 1 || !all[0].Disabled {
			t.Errorf("CredentialConfigurations after save: got %+v, want the one, disabled", all)
		}
		if _, err := s.CredentialConfiguration(ctx, "nope"); !errors.Is(err, credential.ErrNotFound) {
			t.Errorf("CredentialConfiguration(unknown): got %v, want ErrNotFound", err)
		}
		if got := auditActions(t, s, "credential_configuration", "diploma"); len(got) != 2 ||
			got[0] != "credential_configuration.created" || got[1] != "credential_configuration.disabled" {
			t.Errorf("audit actions: got %q, want created then disabled", got)
		}

		// An event that cannot be written takes the change with it.
		c.VCT = "urn:example:changed"
		if err := s.SaveCredentialConfiguration(ctx, &c, audit.Event{At: t0}); err == nil {
			t.Fatal("SaveCredentialConfiguration with an event without action: got nil error")
		}
		if got, _ := s.CredentialConfiguration(ctx, "diploma"); got.VCT != "urn:example:diploma:1" {
			t.Errorf("VCT after a refused save: got %q, want it unchanged", got.VCT)
		}
	})
}

func TestAdministerUserKeepsAnAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		users := map[string]*staff.User{}
		for _, id := range []string{"usr_a", "usr_b", "usr_c"} {
			role := staff.RoleAdmin
			if id == "usr_c" {
				role = staff.RoleIssuer
			}
			u := &staff.User{ID: id, Email: id + "@example.org", Role: role, CreatedAt: now}
			if err := s.CreateUser(ctx, u, userEvent("staff_user.created", id)); err != nil {
				t.Fatal(err)
			}
			users[id] = u
			for i, h := range []string{"1", "2"} {
				exp := now.Add(time.Hour)
				if i == 1 && id == "usr_b" {
					exp = now.Add(-time.Minute) // already past its absolute expiry
				}
				if err := s.CreateSession(ctx, &staff.Session{IDHash: id + h, UserID: id, CreatedAt: now, LastSeenAt: now, ExpiresAt: exp}); err != nil {
					t.Fatal(err)
				}
			}
		}
		counts, err := s.LiveSessionCounts(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "LiveSessionCounts", counts, map[string]int{"usr_a": 2, "usr_b": 1, "usr_c": 2})

		// Demote b: a remains; b's live session ends.
		b := users["usr_b"]
		b.Role = staff.RoleAuditor
		n, err := s.AdministerUser(ctx, b, true, now, userEvent("staff_user.role_changed", "usr_b"))
		if err != nil || n != 1 {
			t.Fatalf("demote usr_b: got %d, %v, want 1 session ended", n, err)
		}
		// a is the last enabled admin: neither demoting nor disabling it is possible.
		a := users["usr_a"]
		a.Role = staff.RoleIssuer
		if _, err := s.AdministerUser(ctx, a, true, now, userEvent("staff_user.role_changed", "usr_a")); !errors.Is(err, staff.ErrLastAdmin) {
			t.Fatalf("demote the last admin: got %v, want ErrLastAdmin", err)
		}
		a.Role, a.DisabledAt = staff.RoleAdmin, &now
		if _, err := s.AdministerUser(ctx, a, true, now, userEvent("staff_user.disabled", "usr_a")); !errors.Is(err, staff.ErrLastAdmin) {
			t.Fatalf("disable the last admin: got %v, want ErrLastAdmin", err)
		}
		got, _ := s.UserByID(ctx, "usr_a")
		if got.Role != staff.RoleAdmin || got.DisabledAt != nil {
			t.Errorf("usr_a after refused changes: %+v", got)
		}
		if counts, _ := s.LiveSessionCounts(ctx, now); counts["usr_a"] != 2 {
			t.Errorf("a refused change must not end sessions: usr_a has %d", counts["usr_a"])
		}
		// The last admin may still end its own sessions or be renamed.
		a.DisabledAt, a.Name = nil, "Ada"
		if n, err := s.AdministerUser(ctx, a, true, now, userEvent("staff_user.sessions_revoked", "usr_a")); err != nil || n != 2 {
			t.Fatalf("end the last admin's sessions: got %d, %v", n, err)
		}
		// Promote c; then a can be disabled.
		c := users["usr_c"]
		c.Role = staff.RoleAdmin
		if _, err := s.AdministerUser(ctx, c, false, now, userEvent("staff_user.role_changed", "usr_c")); err != nil {
			t.Fatal(err)
		}
		a.DisabledAt = &now
		if _, err := s.AdministerUser(ctx, a, true, now, userEvent("staff_user.disabled", "usr_a")); err != nil {
			t.Fatalf("disable usr_a with usr_c admin: %v", err)
		}
		if got, _ := s.UserByID(ctx, "usr_a"); got.DisabledAt == nil || got.Name != "Ada" {
			t.Errorf("usr_a: got %+v, want disabled and named Ada", got)
		}
		ghost := &staff.User{ID: "usr_ghost", Role: staff.RoleIssuer}
		if _, err := s.AdministerUser(ctx, ghost, false, now, userEvent("staff_user.role_changed", "usr_ghost")); !errors.Is(err, staff.ErrNotFound) {
			t.Errorf("unknown user: got %v, want ErrNotFound", err)
		}
		diff(t, "audit of usr_a", auditActions(t, s, "staff_user", "usr_a"),
			[]string{"staff_user.created", "staff_user.sessions_revoked", "staff_user.disabled"})
	})
}

// TestAdministerUserConcurrentDemotions has two admins demote each other at
// the same time, on two stores: one must fail.
func TestAdministerUserConcurrentDemotions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		for _, id := range []string{"usr_a", "usr_b"} {
			if err := s.CreateUser(ctx, &staff.User{ID: id, Email: id + "@example.org", Role: staff.RoleAdmin, CreatedAt: now}, userEvent("staff_user.created", id)); err != nil {
				t.Fatal(err)
			}
		}
		for range 10 {
			errs := make(chan error, 2)
			for _, id := range []string{"usr_a", "usr_b"} {
				go func() {
					_, err := s.AdministerUser(ctx, &staff.User{ID: id, Email: id + "@example.org", Role: staff.RoleIssuer}, false, now, userEvent("staff_user.role_changed", id))
					errs <- err
				}()
			}
			e1, e2 := <-errs, <-errs
			if (e1 == nil) == (e2 == nil) {
				t.Fatalf("concurrent demotions: got %v and %v, want exactly one ErrLastAdmin", e1, e2)
			}
			// Restore both admins for the next round.
			for _, id := range []string{"usr_a", "usr_b"} {
				if _, err := s.AdministerUser(ctx, &staff.User{ID: id, Email: id + "@example.org", Role: staff.RoleAdmin}, false, now, userEvent("staff_user.role_changed", id)); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}
