package db_test

import (
	"errors"
	"testing"
	"time"

	"credmint/app/audit"
	"credmint/app/authz"
	"credmint/app/issuance"
	"credmint/db"
	"credmint/db/dbtest"
)

func clientEvent(action, id string) audit.Event {
	return audit.Event{At: t0, Actor: audit.Actor{Kind: audit.ActorStaff, ID: "usr_1"}, Action: action, SubjectType: "wallet_client", SubjectID: id}
}

// TestWalletClients: create, read, list, update, delete, each audited;
// a second client with the same id is ErrConflict.
func TestWalletClients(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		c := &authz.StoredClient{ID: "wallet.example", Name: "Example", RedirectURIs: []string{"https://wallet.example/cb", "eudi://cb"},
			CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateWalletClient(ctx, c, clientEvent("wallet_client.created", c.ID)); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateWalletClient(ctx, c, clientEvent("wallet_client.created", c.ID)); !errors.Is(err, issuance.ErrConflict) {
			t.Fatalf("second create: got %v, want ErrConflict", err)
		}
		got, err := s.WalletClient(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := *c
		want.CreatedAt, want.UpdatedAt = t0.UTC(), t0.UTC()
		diff(t, "client", got, &want)

		c.Name, c.Disabled, c.RedirectURIs, c.UpdatedAt = "Renamed", true, []string{"https://wallet.example/other"}, t0.Add(time.Hour)
		if err := s.UpdateWalletClient(ctx, c, clientEvent("wallet_client.updated", c.ID)); err != nil {
			t.Fatal(err)
		}
		list, err := s.WalletClients(ctx)
		if err != nil || len(list) != 1 || list[0].Name != "Renamed" || !list[0].Disabled || len(list[0].RedirectURIs) != 1 {
			t.Fatalf("list after update: got %+v, %v", list, err)
		}
		missing := &authz.StoredClient{ID: "nope", Name: "x", RedirectURIs: []string{"https://x/cb"}, UpdatedAt: t0}
		if err := s.UpdateWalletClient(ctx, missing, clientEvent("wallet_client.updated", "nope")); !errors.Is(err, issuance.ErrNotFound) {
			t.Errorf("update unknown: got %v, want ErrNotFound", err)
		}
		if err := s.DeleteWalletClient(ctx, c.ID, clientEvent("wallet_client.deleted", c.ID)); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteWalletClient(ctx, c.ID, clientEvent("wallet_client.deleted", c.ID)); !errors.Is(err, issuance.ErrNotFound) {
			t.Errorf("second delete: got %v, want ErrNotFound", err)
		}
		if _, err := s.WalletClient(ctx, c.ID); !errors.Is(err, issuance.ErrNotFound) {
			t.Errorf("read deleted: got %v, want ErrNotFound", err)
		}
		evs, err := s.AuditEvents(ctx, "wallet_client", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, ev := range evs {
			actions = append(actions, ev.Action)
		}
		diff(t, "audit actions", actions, []string{"wallet_client.created", "wallet_client.updated", "wallet_client.deleted"})
	})
}
