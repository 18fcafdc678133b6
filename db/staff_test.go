package db_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"credmint/app/staff"
	"credmint/db"
	"credmint/db/dbtest"
)

func TestStaffUsersAndSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		u := &staff.User{ID: "usr_1", Email: "ada@example.org", Name: "Ada", Role: staff.RoleAdmin, PasswordHash: "h", CreatedAt: now}
		if err := s.CreateUser(ctx, u, userEvent("staff_user.created", u.ID)); err != nil {
			t.Fatal(err)
		}
		dup := *u
		dup.ID = "usr_2"
		if err := s.CreateUser(ctx, &dup, userEvent("staff_user.created", dup.ID)); !errors.Is(err, staff.ErrConflict) {
			t.Fatalf("duplicate email: got %v, want ErrConflict", err)
		}
		got, err := s.UserByEmail(ctx, "ada@example.org")
		if err != nil || got.ID != "usr_1" || got.Role != staff.RoleAdmin || !got.CreatedAt.Equal(now) {
			t.Fatalf("UserByEmail: got %+v, %v", got, err)
		}
		if _, err := s.UserByID(ctx, "nope"); !errors.Is(err, staff.ErrNotFound) {
			t.Fatalf("unknown user: got %v", err)
		}
		got.Role, got.SSOSubject = staff.RoleAuditor, "https://idp|123"
		if err := s.UpdateUser(ctx, got); err != nil {
			t.Fatal(err)
		}
		if bySSO, err := s.UserBySSOSubject(ctx, "https://idp|123"); err != nil || bySSO.Role != staff.RoleAuditor {
			t.Fatalf("UserBySSOSubject: %+v %v", bySSO, err)
		}

		for _, h := range []string{"a", "b"} {
			if err := s.CreateSession(ctx, &staff.Session{IDHash: h, UserID: "usr_1", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.TouchSession(ctx, "a", now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		sa, err := s.SessionByHash(ctx, "a")
		if err != nil || !sa.LastSeenAt.Equal(now.Add(time.Minute)) {
			t.Fatalf("session a: %+v %v", sa, err)
		}
		if err := s.RevokeSession(ctx, "a", now); err != nil {
			t.Fatal(err)
		}
		live, _ := s.Sessions(ctx, "usr_1", now)
		if len(live) != 1 || live[0].IDHash != "b" {
			t.Fatalf("live sessions after revoking a: %+v", live)
		}
		if n, err := s.RevokeUserSessions(ctx, "usr_1", now); err != nil || n != 1 {
			t.Fatalf("RevokeUserSessions: %d %v", n, err)
		}
	})
}

func TestLoginThrottleCountsConcurrentFailures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				if _, err := s.RecordLoginFailure(ctx, "account:x", now, 15*time.Minute, 5, 15*time.Minute); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		th, err := s.Throttle(ctx, "account:x")
		if err != nil || th.Failures != 20 || th.LockedUntil == nil || !th.LockedUntil.Equal(now.Add(15*time.Minute)) {
			t.Fatalf("throttle: %+v %v (want 20 failures, locked)", th, err)
		}
		// After the window the count starts again.
		th, err = s.RecordLoginFailure(ctx, "account:x", now.Add(20*time.Minute), 15*time.Minute, 5, 15*time.Minute)
		if err != nil || th.Failures != 1 || !th.WindowStart.Equal(now.Add(20*time.Minute)) {
			t.Fatalf("new window: %+v %v", th, err)
		}
		if err := s.ClearThrottle(ctx, "account:x"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Throttle(ctx, "account:x"); !errors.Is(err, staff.ErrNotFound) {
			t.Fatalf("after clear: %v", err)
		}
	})
}
