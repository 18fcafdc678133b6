package db_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"credmint/app/authz"
	"credmint/app/issuance"
	"credmint/db"
	"credmint/db/dbtest"
)

func newRefresh(id, family, accessTokenID string) *authz.RefreshToken {
	return &authz.RefreshToken{ID: id, Hash: hash("rt-" + id), FamilyID: family, ClientID: "wallet.example",
		ConfigurationIDs: []string{"pid"}, CredentialIdentifiers: map[string]string{"pid.x": "pid"}, ApplicantID: "app_1",
		DatasetsSealed: []byte("sealed"), AccessTokenID: accessTokenID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
}

// TestRefreshTokenRotation: a code redemption stores the first refresh
// token; of concurrent rotations exactly one wins; revoking the family
// revokes its refresh and access tokens.
func TestRefreshTokenRotation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		if err := s.CreateAuthRequest(ctx, newAuthRequest("azr_1")); err != nil {
			t.Fatal(err)
		}
		code := newCode("azc_1", "azr_1")
		if err := s.CloseAuthRequest(ctx, "azr_1", []authz.Stage{authz.StagePushed}, t0, code, authzEvent("authorization_code.issued", "azr_1")); err != nil {
			t.Fatal(err)
		}
		first := newRefresh("rt_1", "azc_1", "tok_1")
		if err := s.RedeemAuthCode(ctx, code.Hash, t0, newToken("tok_1", ""), first, authzEvent("authorization_code.redeemed", "azr_1")); err != nil {
			t.Fatal(err)
		}
		got, err := s.RefreshToken(ctx, first.Hash)
		if err != nil {
			t.Fatal(err)
		}
		want := *first
		want.CreatedAt, want.ExpiresAt = t0.UTC(), t0.Add(time.Hour).UTC()
		diff(t, "refresh token", got, &want)

		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				id := "rt_2_" + string(rune('a'+i))
				err := s.RotateRefreshToken(ctx, first.Hash, t0, newToken("tok_2_"+string(rune('a'+i)), ""), newRefresh(id, "azc_1", "tok_2_"+string(rune('a'+i))), authzEvent("refresh_token.rotated", "azc_1"))
				switch {
				case err == nil:
					wins.Add(1)
				case !errors.Is(err, issuance.ErrConflict):
					t.Errorf("rotate: %v", err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("concurrent rotations: %d won, want 1", wins.Load())
		}
		if err := s.RevokeRefreshFamily(ctx, "azc_1", t0, authzEvent("refresh_token.reused", "azc_1")); err != nil {
			t.Fatal(err)
		}
		got, err = s.RefreshToken(ctx, first.Hash)
		if err != nil || got.RevokedAt == nil || got.UsedAt == nil {
			t.Fatalf("after revocation: got %+v, %v; want used and revoked", got, err)
		}
		tok, err := s.AccessToken(ctx, hash("token-tok_1"))
		if err != nil || tok.RevokedAt == nil {
			t.Fatalf("first access token after revocation: got %+v, %v; want revoked", tok, err)
		}
		late := newRefresh("rt_3", "azc_1", "tok_3")
		if err := s.RotateRefreshToken(ctx, late.Hash, t0, newToken("tok_3", ""), nil, authzEvent("refresh_token.rotated", "azc_1")); !errors.Is(err, issuance.ErrConflict) {
			t.Errorf("rotate unknown: got %v, want ErrConflict", err)
		}
	})
}
