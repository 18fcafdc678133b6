package staff_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"credmint/app/audit"
	"credmint/app/staff"
)

func TestUserAdministration(t *testing.T) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	s := newService(t, &now)
	ctx := audit.WithActor(context.Background(), audit.Actor{Kind: audit.ActorStaff, ID: "usr_boss"})

	ada, pw, err := s.Invite(ctx, staff.NewUser{Email: "ada@example.org", Role: staff.RoleAdmin}, true)
	if err != nil || len(pw) < 20 {
		t.Fatalf("Invite with a generated password: %v, %q", err, pw)
	}
	if _, err := s.Login(ctx, "ada@example.org", pw, "10.0.0.1"); err != nil {
		t.Fatalf("the generated password must work: %v", err)
	}
	bob, pw2, err := s.Invite(ctx, staff.NewUser{Email: "bob@example.org", Role: staff.RoleIssuer, Password: "a chosen password"}, false)
	if err != nil || pw2 != "" {
		t.Fatalf("Invite with a set password: %v, %q", err, pw2)
	}
	var fe *staff.FieldError
	if _, _, err := s.Invite(ctx, staff.NewUser{Email: "x@example.org", Role: staff.RoleIssuer, Password: "short"}, false); !errors.As(err, &fe) || fe.Field != "password" {
		t.Errorf("short password: got %v", err)
	}

	adaSession, _, _ := s.StartSession(ctx, ada, "10.0.0.1", "test")
	if _, err := s.ChangeRole(ctx, ada.ID, staff.RoleAuditor); !errors.Is(err, staff.ErrLastAdmin) {
		t.Fatalf("demote the last admin: got %v", err)
	}
	if _, err := s.SetUserDisabled(ctx, ada.ID, true); !errors.Is(err, staff.ErrLastAdmin) {
		t.Fatalf("disable the last admin: got %v", err)
	}
	if _, _, err := s.Resume(ctx, adaSession); err != nil {
		t.Fatalf("a refused change must not end sessions: %v", err)
	}
	if _, err := s.ChangeRole(ctx, bob.ID, "root"); !errors.As(err, &fe) || fe.Field != "role" {
		t.Errorf("unknown role: got %v", err)
	}
	if _, err := s.ChangeRole(ctx, "usr_nope", staff.RoleAdmin); !errors.Is(err, staff.ErrNotFound) {
		t.Errorf("unknown user: got %v", err)
	}
	if _, err := s.ChangeRole(ctx, bob.ID, staff.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ChangeRole(ctx, ada.ID, staff.RoleAuditor); err != nil {
		t.Fatalf("demote ada with bob admin: %v", err)
	}
	if _, _, err := s.Resume(ctx, adaSession); !errors.Is(err, staff.ErrNotFound) {
		t.Error("a role change must end the user's sessions")
	}

	bobSession, _, _ := s.StartSession(ctx, bob, "", "")
	s.StartSession(ctx, bob, "", "")
	accounts, err := s.Accounts(ctx)
	if err != nil || len(accounts) != 2 || accounts[1].Email != "bob@example.org" || accounts[1].LiveSessions != 2 || accounts[0].LiveSessions != 0 {
		t.Fatalf("Accounts: %+v %v", accounts, err)
	}
	if n, err := s.RevokeSessions(ctx, bob.ID); err != nil || n != 2 {
		t.Fatalf("RevokeSessions: %d %v", n, err)
	}
	if _, _, err := s.Resume(ctx, bobSession); !errors.Is(err, staff.ErrNotFound) {
		t.Error("revoked session still works")
	}
	if u, err := s.SetUserDisabled(ctx, ada.ID, true); err != nil || u.DisabledAt == nil {
		t.Fatalf("disable ada: %+v %v", u, err)
	}
	if _, err := s.Login(ctx, "ada@example.org", pw, "10.0.0.2"); !errors.Is(err, staff.ErrBadCredentials) {
		t.Errorf("disabled login: %v", err)
	}
	if u, err := s.SetUserDisabled(ctx, ada.ID, false); err != nil || u.DisabledAt != nil {
		t.Fatalf("enable ada: %+v %v", u, err)
	}
}
