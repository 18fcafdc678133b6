package db_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"credmint/app/applicants"
	"credmint/app/audit"
	"credmint/app/authz"
	"credmint/app/issuance"
	"credmint/db"
	"credmint/db/dbtest"
)

// newAuthRequest returns a pushed request, valid for a minute after t0.
func newAuthRequest(id string) *authz.Request {
	return &authz.Request{
		ID: id, Stage: authz.StagePushed, RequestURIHash: hash("uri-" + id), ClientID: "wallet.example",
		RedirectURI: "https://wallet.example/cb", State: "st", CodeChallenge: "challenge",
		ConfigurationIDs: []string{"pid", "mdl"}, AuthorizationDetails: true,
		CreatedAt: t0, ExpiresAt: t0.Add(time.Minute),
	}
}

func authzEvent(action, id string) audit.Event {
	return audit.Event{At: t0, Actor: audit.Actor{Kind: audit.ActorWallet}, Action: action, SubjectType: "auth_request", SubjectID: id}
}

func login(id string) authz.Login {
	return authz.Login{UpstreamStateHash: hash("state-" + id), NonceHash: hash("nonce-" + id), VerifierSealed: []byte("sealed verifier"),
		BrowserHash: hash("browser-" + id), ExpiresAt: t0.Add(10 * time.Minute)}
}

func newCode(id, requestID string) *authz.Code {
	return &authz.Code{ID: id, Hash: hash("code-" + id), RequestID: requestID, ClientID: "wallet.example", RedirectURI: "https://wallet.example/cb",
		CodeChallenge: "challenge", ConfigurationIDs: []string{"pid"}, AuthorizationDetails: true, ApplicantID: "app_1",
		DatasetsSealed: []byte("sealed datasets"), CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
}

// TestAuthRequestLifecycle walks a request through its stages; each move
// happens once, and only in time.
func TestAuthRequestLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		r := newAuthRequest("azr_1")
		if err := s.CreateAuthRequest(ctx, r); err != nil {
			t.Fatal(err)
		}
		got, err := s.AuthRequestByURI(ctx, r.RequestURIHash)
		if err != nil {
			t.Fatal(err)
		}
		want := *r
		want.CreatedAt, want.ExpiresAt = t0.UTC(), t0.Add(time.Minute).UTC()
		diff(t, "request", got, &want)
		if _, err := s.AuthRequestByURI(ctx, hash("nope")); !errors.Is(err, issuance.ErrNotFound) {
			t.Errorf("unknown request_uri: got %v, want ErrNotFound", err)
		}
		if err := s.StartLogin(ctx, "azr_1", login("azr_1"), t0.Add(time.Minute)); !errors.Is(err, issuance.ErrConflict) {
			t.Errorf("StartLogin after expiry: got %v, want ErrConflict", err)
		}
		if err := s.StartLogin(ctx, "azr_1", login("azr_1"), t0); err != nil {
			t.Fatal(err)
		}
		if err := s.StartLogin(ctx, "azr_1", login("azr_1"), t0); !errors.Is(err, issuance.ErrConflict) {
			t.Errorf("second StartLogin (request_uri replayed): got %v, want ErrConflict", err)
		}
		got, err = s.AuthRequestByState(ctx, hash("state-azr_1"))
		if err != nil || got.Stage != authz.StageLogin || got.BrowserHash != hash("browser-azr_1") || !got.ExpiresAt.Equal(t0.Add(10*time.Minute)) {
			t.Fatalf("after StartLogin: got %+v, %v", got, err)
		}
		if err := s.FinishLogin(ctx, "azr_1", []byte("sealed datasets"), "app_1", t0); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishLogin(ctx, "azr_1", []byte("again"), "", t0); !errors.Is(err, issuance.ErrConflict) {
			t.Errorf("second FinishLogin: got %v, want ErrConflict", err)
		}
		code := newCode("azc_1", "azr_1")
		if err := s.CloseAuthRequest(ctx, "azr_1", []authz.Stage{authz.StageLogin}, t0, code, authzEvent("authorization.approved", "azr_1")); !errors.Is(err, issuance.ErrConflict) {
			t.Errorf("CloseAuthRequest from the wrong stage: got %v, want ErrConflict", err)
		}
		if _, err := s.AuthCode(ctx, code.Hash); !errors.Is(err, issuance.ErrNotFound) {
			t.Errorf("a refused close stored the code: %v", err)
		}
		if err := s.CloseAuthRequest(ctx, "azr_1", []authz.Stage{authz.StageConsent}, t0, code, authzEvent("authorization.approved", "azr_1")); err != nil {
			t.Fatal(err)
		}
		got, _ = s.AuthRequest(ctx, "azr_1")
		if got.Stage != authz.StageDone || got.ConsumedAt == nil || got.VerifierSealed != nil || got.ApplicantID != "app_1" {
			t.Errorf("closed request: got %+v, want done, consumed, verifier wiped", got)
		}
		gotCode, err := s.AuthCode(ctx, code.Hash)
		if err != nil {
			t.Fatal(err)
		}
		wantCode := *code
		wantCode.CreatedAt, wantCode.ExpiresAt = t0.UTC(), t0.Add(time.Minute).UTC()
		diff(t, "code", gotCode, &wantCode)
	})
}

// TestRedeemAuthCodeConcurrently: of 50 concurrent redemptions of one code
// exactly one gets a token; a later reuse revokes it.
func TestRedeemAuthCodeConcurrently(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		if err := s.CreateAuthRequest(ctx, newAuthRequest("azr_1")); err != nil {
			t.Fatal(err)
		}
		code := newCode("azc_1", "azr_1")
		if err := s.CloseAuthRequest(ctx, "azr_1", []authz.Stage{authz.StagePushed}, t0, code, authzEvent("authorization.approved", "azr_1")); err != nil {
			t.Fatal(err)
		}
		if err := s.RedeemAuthCode(ctx, code.Hash, t0.Add(time.Minute), newToken("late", ""), nil, authzEvent("authorization_code.redeemed", "azr_1")); !errors.Is(err, issuance.ErrConflict) {
			t.Errorf("redeeming an expired code: got %v, want ErrConflict", err)
		}
		errs := race(func(i int) error {
			tok := newToken(fmt.Sprintf("t%02d", i), "")
			tok.ClaimsSealed, tok.ApplicantID = []byte("sealed"), "app_1"
			return s.RedeemAuthCode(ctx, code.Hash, t0, tok, nil, authzEvent("authorization_code.redeemed", "azr_1"))
		})
		if ok, conflicts := tally(t, errs); ok != 1 || conflicts != racers-1 {
			t.Fatalf("concurrent redemptions: %d won, %d conflicts; want 1 and %d", ok, conflicts, racers-1)
		}
		c, err := s.AuthCode(ctx, code.Hash)
		if err != nil || c.UsedAt == nil || c.AccessTokenID == "" {
			t.Fatalf("redeemed code: got %+v, %v", c, err)
		}
		tok, err := s.AccessToken(ctx, hash("token-"+c.AccessTokenID))
		if err != nil || tok.OfferID != "" || string(tok.ClaimsSealed) != "sealed" || tok.ApplicantID != "app_1" || tok.RevokedAt != nil {
			t.Fatalf("token of the code: got %+v, %v", tok, err)
		}
		if err := s.RevokeAuthCodeTokens(ctx, code.Hash, t0, authzEvent("authorization_code.reused", "azr_1")); err != nil {
			t.Fatal(err)
		}
		if tok, _ := s.AccessToken(ctx, hash("token-"+c.AccessTokenID)); tok.RevokedAt == nil {
			t.Error("the token of a reused code is not revoked")
		}
	})
}

// TestRedeemAuthCodeRedeemsOffer: a code from issuer_state redeems its
// authorization_code offer in the same transaction, only while it can be.
func TestRedeemAuthCodeRedeemsOffer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		createOffer(t, s, "o1", func(o *issuance.Offer) { o.Grant = issuance.GrantAuthorizationCode; o.TxCode = nil })
		createOffer(t, s, "o2", func(o *issuance.Offer) {
			o.Grant = issuance.GrantAuthorizationCode
			o.TxCode = nil
			o.State = issuance.OfferRevoked
		})
		if got := mustOffer(t, s, "o1").Grant; got != issuance.GrantAuthorizationCode {
			t.Fatalf("offer grant: got %q", got)
		}
		for i, offerID := range []string{"o2", "o1"} {
			rid := fmt.Sprintf("azr_%d", i)
			if err := s.CreateAuthRequest(ctx, newAuthRequest(rid)); err != nil {
				t.Fatal(err)
			}
			code := newCode("azc_"+rid, rid)
			code.OfferID = offerID
			if err := s.CloseAuthRequest(ctx, rid, []authz.Stage{authz.StagePushed}, t0, code, authzEvent("authorization.approved", rid)); err != nil {
				t.Fatal(err)
			}
			err := s.RedeemAuthCode(ctx, code.Hash, t0, newToken("tok_"+rid, offerID), nil, authzEvent("authorization_code.redeemed", rid))
			if offerID == "o2" {
				if !errors.Is(err, issuance.ErrConflict) {
					t.Errorf("code of a revoked offer: got %v, want ErrConflict", err)
				}
				if c, _ := s.AuthCode(ctx, code.Hash); c.UsedAt != nil {
					t.Error("a refused redemption spent the code")
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if st := mustOffer(t, s, "o1").State; st != issuance.OfferRedeemed {
			t.Errorf("offer of the code: got %s, want redeemed", st)
		}
	})
}

// TestApplicantBy finds one applicant by email (any case) or external id.
func TestApplicantBy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		a1 := newApplicant("apl_1", "pid", "S-1", t0)
		a1.Email = "Ada@Example.org"
		a2 := newApplicant("apl_2", "pid", "S-2", t0)
		a2.Email = "twin@example.org"
		a3 := newApplicant("apl_3", "pid", "S-3", t0)
		a3.Email = "TWIN@example.org"
		a4 := newApplicant("apl_4", "mdl", "S-1", t0)
		a4.Email = "ada@example.org"
		for _, a := range []*applicants.Applicant{a1, a2, a3, a4} {
			mustCreateApplicant(t, s, a)
		}
		for _, tc := range []struct {
			field, value, want string
			err                error
		}{
			{"email", "ada@example.org", "apl_1", nil},
			{"external_id", "S-1", "apl_1", nil},
			{"external_id", "s-1", "", applicants.ErrNotFound},
			{"email", "nobody@example.org", "", applicants.ErrNotFound},
			{"email", "twin@example.org", "", applicants.ErrConflict},
		} {
			got, err := s.ApplicantBy(ctx, "pid", tc.field, tc.value)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Errorf("ApplicantBy(%s, %s): got %v, want %v", tc.field, tc.value, err, tc.err)
				}
				continue
			}
			if err != nil || got.ID != tc.want {
				t.Errorf("ApplicantBy(%s, %s): got %v, %v; want %s", tc.field, tc.value, got, err, tc.want)
			}
		}
	})
}

// TestPurgeAuthz deletes expired requests and codes only.
func TestPurgeAuthz(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		for _, id := range []string{"azr_1", "azr_2"} {
			r := newAuthRequest(id)
			if id == "azr_2" {
				r.ExpiresAt = t0.Add(time.Hour)
			}
			if err := s.CreateAuthRequest(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CloseAuthRequest(ctx, "azr_1", []authz.Stage{authz.StagePushed}, t0, newCode("azc_1", "azr_1"), authzEvent("authorization.approved", "azr_1")); err != nil {
			t.Fatal(err)
		}
		n, err := s.PurgeAuthz(ctx, t0.Add(30*time.Minute))
		if err != nil || n != 2 {
			t.Fatalf("PurgeAuthz: got %d, %v; want 2 (a request and its code)", n, err)
		}
		if _, err := s.AuthRequest(ctx, "azr_2"); err != nil {
			t.Errorf("unexpired request purged: %v", err)
		}
	})
}
