package db_test

import (
	"testing"

	"credmint/app/authz"
	"credmint/app/issuance"
	"credmint/db"
	"credmint/db/dbtest"
)

// TestDraftWalletColumns: a console wallet client's pre_1_0 flag survives
// create and update, and a deferred request keeps the shape of its
// original credential request (migration 00015).
func TestDraftWalletColumns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		c := &authz.StoredClient{ID: "old.wallet", Name: "Old", RedirectURIs: []string{"https://old.example/cb"}, Pre10: true, CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateWalletClient(ctx, c, clientEvent("wallet_client.created", c.ID)); err != nil {
			t.Fatal(err)
		}
		if got, err := s.WalletClient(ctx, c.ID); err != nil || !got.Pre10 {
			t.Fatalf("after create: got %+v, %v, want pre_1_0", got, err)
		}
		c.Pre10 = false
		if err := s.UpdateWalletClient(ctx, c, clientEvent("wallet_client.updated", c.ID)); err != nil {
			t.Fatal(err)
		}
		if list, err := s.WalletClients(ctx); err != nil || len(list) != 1 || list[0].Pre10 {
			t.Fatalf("after clearing pre_1_0: got %+v, %v", list, err)
		}

		createOffer(t, s, "off_1", nil)
		redeem(t, s, "off_1", "tok_1")
		for i, shape := range []issuance.DraftShape{issuance.Shape10, issuance.ShapeID2, issuance.ShapeID1} {
			d := newDeferred("dfr_"+shape.Code()+string(rune('a'+i)), "off_1", "tok_1")
			d.Shape = shape
			if err := s.CreateDeferred(ctx, d, event("deferred.created", d.ID)); err != nil {
				t.Fatal(err)
			}
			got, err := s.DeferredByTransaction(ctx, d.TransactionHash)
			if err != nil || got.Shape != shape {
				t.Errorf("shape %q: got %+v, %v", shape.Code(), got, err)
			}
		}
	})
}
