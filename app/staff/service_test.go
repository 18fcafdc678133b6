package staff_test

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"credmint/app/staff"
	"credmint/db/dbtest"
)

func newService(t *testing.T, now *time.Time) *staff.Service {
	t.Helper()
	s, err := staff.New(staff.Deps{Store: dbtest.SQLite(t), Now: func() time.Time { return *now },
		Policy: staff.Policy{BcryptCost: bcrypt.MinCost, MaxFailuresPerIP: 8}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLoginAndSessions(t *testing.T) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	s := newService(t, &now)
	ctx := t.Context()
	u, err := s.CreateUser(ctx, staff.NewUser{Email: " Ada@Example.org ", Name: "Ada", Role: staff.RoleIssuer, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "ada@example.org" || u.PasswordHash == "correct horse battery" {
		t.Fatalf("user: %+v", u)
	}
	for _, bad := range []staff.NewUser{
		{Email: "not-an-email", Role: staff.RoleAdmin},
		{Email: "b@example.org", Role: "root"},
		{Email: "b@example.org", Role: staff.RoleAdmin, Password: "short"},
		{Email: "ADA@example.org", Role: staff.RoleAdmin},
	} {
		var fe *staff.FieldError
		if _, err := s.CreateUser(ctx, bad); !errors.As(err, &fe) {
			t.Errorf("CreateUser(%+v): got %v, want a FieldError", bad, err)
		}
	}

	if _, err := s.Login(ctx, "ada@example.org", "wrong password!", "10.0.0.1"); !errors.Is(err, staff.ErrBadCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := s.Login(ctx, "nobody@example.org", "whatever password", "10.0.0.1"); !errors.Is(err, staff.ErrBadCredentials) {
		t.Fatalf("unknown account must get the same error: %v", err)
	}
	got, err := s.Login(ctx, "ADA@example.org", "correct horse battery", "10.0.0.1")
	if err != nil || got.ID != u.ID {
		t.Fatalf("login: %v", err)
	}
	id, _, err := s.StartSession(ctx, got, "10.0.0.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	id2, _, _ := s.StartSession(ctx, got, "10.0.0.1", "test")
	if id == id2 {
		t.Fatal("each login must get a new session id")
	}
	if ru, _, err := s.Resume(ctx, id); err != nil || ru.ID != u.ID {
		t.Fatalf("resume: %v", err)
	}
	now = now.Add(29 * time.Minute)
	if _, _, err := s.Resume(ctx, id); err != nil {
		t.Fatalf("resume within the idle limit: %v", err)
	}
	now = now.Add(31 * time.Minute) // 31 minutes after the last use
	if _, _, err := s.Resume(ctx, id); !errors.Is(err, staff.ErrNotFound) {
		t.Fatalf("idle session: got %v, want ErrNotFound", err)
	}
	// Keep id2 alive with use every 20 minutes: it still ends after 12 h.
	now = time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	for i := 1; i < 36; i++ {
		now = now.Add(20 * time.Minute)
		if _, _, err := s.Resume(ctx, id2); err != nil {
			t.Fatalf("resume at %v: %v", now, err)
		}
	}
	now = now.Add(20 * time.Minute)
	if _, _, err := s.Resume(ctx, id2); !errors.Is(err, staff.ErrNotFound) {
		t.Fatalf("session past its absolute expiry: got %v", err)
	}

	id3, _, _ := s.StartSession(ctx, got, "", "")
	if err := s.SetRole(ctx, got, staff.RoleAuditor); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Resume(ctx, id3); !errors.Is(err, staff.ErrNotFound) {
		t.Fatal("a role change must end the user's sessions")
	}
	id4, _, _ := s.StartSession(ctx, got, "", "")
	if err := s.SetDisabled(ctx, got, true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Resume(ctx, id4); !errors.Is(err, staff.ErrNotFound) {
		t.Fatal("disabling must end the user's sessions")
	}
	if _, err := s.Login(ctx, "ada@example.org", "correct horse battery", "10.0.0.9"); !errors.Is(err, staff.ErrBadCredentials) {
		t.Fatalf("disabled account: got %v", err)
	}
}

func TestLoginThrottling(t *testing.T) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	s := newService(t, &now)
	ctx := t.Context()
	if _, err := s.CreateUser(ctx, staff.NewUser{Email: "a@example.org", Role: staff.RoleAdmin, Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := s.Login(ctx, "a@example.org", "guess", "10.0.0."+string(rune('1'+i))); !errors.Is(err, staff.ErrBadCredentials) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if _, err := s.Login(ctx, "a@example.org", "correct horse battery", "10.0.0.7"); !errors.Is(err, staff.ErrThrottled) {
		t.Fatalf("after 5 failures the account is locked even for the right password: got %v", err)
	}
	now = now.Add(16 * time.Minute)
	if _, err := s.Login(ctx, "a@example.org", "correct horse battery", "10.0.0.7"); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	// Per address: 8 failures on different accounts lock the address.
	for i := range 8 {
		_, _ = s.Login(ctx, "x"+string(rune('a'+i))+"@example.org", "guess", "192.0.2.1")
	}
	if _, err := s.Login(ctx, "a@example.org", "correct horse battery", "192.0.2.1"); !errors.Is(err, staff.ErrThrottled) {
		t.Fatalf("address throttle: got %v", err)
	}
}
