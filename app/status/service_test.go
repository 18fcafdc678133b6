package status_test

import (
	"bytes"
	"compress/zlib"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"credmint/app/audit"
	"credmint/app/issuance"
	"credmint/app/keys/keystest"
	"credmint/app/status"
	"credmint/db"
	"credmint/db/dbtest"
)

type env struct {
	svc    *status.Service
	store  *db.Store
	signer *keystest.Signer
	now    time.Time
}

func newEnv(t *testing.T, s *db.Store, size, bits int) *env {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{store: s, signer: &keystest.Signer{Key: k, KID: "sl-key-1"}, now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	e.svc, err = status.New(status.Deps{Store: s, Signers: e.signer, PublicURL: "https://issuer.example.org/t1", Size: size, Bits: bits,
		Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestAllocate checks that indexes are distinct, neither ascending nor
// consecutive, inside the list, and that a full list is followed by a new
// one.
func TestAllocate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s, 1024, 2)
		var got []issuance.StatusEntry
		for range 100 {
			es, err := e.svc.Allocate(t.Context(), 1)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, es...)
		}
		seen := map[int]bool{}
		ascending, consecutive := 0, 0
		for i, en := range got {
			if en.URI != "https://issuer.example.org/t1/status/"+en.ListID || en.ListID != got[0].ListID {
				t.Fatalf("entry %d = %+v, want the first list's URI", i, en)
			}
			if en.Index < 0 || en.Index >= 1024 || seen[en.Index] {
				t.Fatalf("index %d out of range or repeated", en.Index)
			}
			seen[en.Index] = true
			if i > 0 && en.Index > got[i-1].Index {
				ascending++
			}
			if i > 0 && en.Index == got[i-1].Index+1 {
				consecutive++
			}
		}
		// A random order over 1 024 entries makes ~0.1 consecutive pairs in
		// 99 steps (more than 4: about 1 in 10^7); sequential allocation
		// makes 99.
		if ascending > 80 || consecutive > 4 {
			t.Errorf("indexes look sequential: %d of 99 steps ascending, %d consecutive", ascending, consecutive)
		}
		// A batch that does not fit spills into a new list.
		batch, err := e.svc.Allocate(t.Context(), 1000)
		if err != nil {
			t.Fatal(err)
		}
		lists := map[string]int{}
		for _, en := range batch {
			lists[en.ListID]++
			if en.ListID == got[0].ListID && seen[en.Index] {
				t.Fatalf("index %d of the first list allocated twice", en.Index)
			}
			seen[en.Index] = en.ListID == got[0].ListID
		}
		if len(lists) != 2 || lists[got[0].ListID] != 924 {
			t.Errorf("1000 entries after 100 went to %v, want 924 in the first list and 76 in a new one", lists)
		}
	})
}

// decodeToken verifies the token with the signer's public key, as a
// verifier would, and returns its header, claims and inflated list.
func decodeToken(t *testing.T, e *env, jwt string) (map[string]any, map[string]any, []byte) {
	t.Helper()
	jws, err := jose.ParseSigned(jwt, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := jws.Verify(&e.signer.Key.PublicKey)
	if err != nil {
		t.Fatalf("signature: %v", err)
	}
	h := jws.Signatures[0].Protected
	header := map[string]any{"typ": h.ExtraHeaders["typ"], "kid": h.KeyID, "alg": h.Algorithm}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	sl := claims["status_list"].(map[string]any)
	raw, err := base64.RawURLEncoding.DecodeString(sl["lst"].(string))
	if err != nil {
		t.Fatal(err)
	}
	r, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	lst, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return header, claims, lst
}

// bit reads entry i of a 2-bit list, independently of status.Get.
func bit2(lst []byte, i int) int { return int(lst[i/4]>>(2*(i%4))) & 3 }

func issueAt(t *testing.T, s *db.Store, id string, en issuance.StatusEntry) {
	t.Helper()
	ctx := t.Context()
	now := time.Now().UTC()
	o := &issuance.Offer{ID: "off-" + id, ConfigurationIDs: []string{"pid"}, State: issuance.OfferCreated, HandleHash: "h-" + id, CodeHash: "c-" + id,
		HandleSealed: []byte("x"), ClaimsSealed: []byte("x"), MaxTxCodeAttempts: 5, ApplicantID: "app-1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	ev := func(a string) audit.Event {
		return audit.Event{At: now, Action: a, SubjectType: "offer", SubjectID: o.ID}
	}
	if err := s.CreateOffer(ctx, o, ev("offer.created")); err != nil {
		t.Fatal(err)
	}
	tok := &issuance.AccessToken{ID: "tok-" + id, Hash: "th-" + id, OfferID: o.ID, ConfigurationIDs: []string{"pid"}, CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	if err := s.RedeemOffer(ctx, o.ID, now, tok, ev("token.issued")); err != nil {
		t.Fatal(err)
	}
	rec := issuance.IssuedCredential{ID: id, OfferID: o.ID, AccessTokenID: tok.ID, ConfigurationID: "pid", Format: "dc+sd-jwt", IssuedAt: now,
		ExpiresAt: now.Add(24 * time.Hour), StatusListID: en.ListID, StatusIndex: en.Index, SigningKeyID: "k"}
	if err := s.RecordIssuance(ctx, []issuance.IssuedCredential{rec}, ev("credential.issued")); err != nil {
		t.Fatal(err)
	}
}

// TestTokenAndChanges signs a list, changes entries and checks the
// re-signed token, the caching rules and the status rules.
func TestTokenAndChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		e := newEnv(t, s, 1024, 2)
		es, err := e.svc.Allocate(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		issueAt(t, s, "crd_a", es[0])
		issueAt(t, s, "crd_b", es[1])
		listID := es[0].ListID

		tok, err := e.svc.Token(ctx, listID)
		if err != nil {
			t.Fatal(err)
		}
		header, claims, lst := decodeToken(t, e, tok.JWT)
		if header["typ"] != "statuslist+jwt" || header["kid"] != "sl-key-1" {
			t.Errorf("header = %v", header)
		}
		sl := claims["status_list"].(map[string]any)
		if claims["sub"] != es[0].URI || claims["ttl"] != float64(3600) || claims["iat"] != float64(e.now.Unix()) ||
			claims["exp"] != float64(e.now.Add(24*time.Hour).Unix()) || sl["bits"] != float64(2) || len(lst) != 256 {
			t.Errorf("claims = %v (lst %d bytes)", claims, len(lst))
		}
		if bit2(lst, es[0].Index) != 0 || bit2(lst, es[1].Index) != 0 {
			t.Errorf("fresh entries are not VALID")
		}
		if got := tok.MaxAge(e.now); got != time.Hour {
			t.Errorf("MaxAge = %s, want 1h", got)
		}

		// Unchanged: the cached token is served.
		e.now = e.now.Add(time.Hour)
		again, err := e.svc.Token(ctx, listID)
		if err != nil || again.JWT != tok.JWT {
			t.Errorf("unchanged list: new token %v (err %v), want the cached one", again.JWT != tok.JWT, err)
		}

		// Revoke a, suspend b: re-signed with both bits.
		if _, err := e.svc.ChangeOne(ctx, status.Revoke, "crd_a", "lost"); err != nil {
			t.Fatal(err)
		}
		c, err := e.svc.ChangeOne(ctx, status.Suspend, "crd_b", "")
		if err != nil || c.Status != status.StateSuspended {
			t.Fatalf("suspend = %+v, %v", c, err)
		}
		tok2, err := e.svc.Token(ctx, listID)
		if err != nil || tok2.JWT == tok.JWT {
			t.Fatalf("changed list: %v, re-signed %v", err, tok2 != nil && tok2.JWT != tok.JWT)
		}
		_, _, lst = decodeToken(t, e, tok2.JWT)
		if bit2(lst, es[0].Index) != 1 || bit2(lst, es[1].Index) != 2 {
			t.Errorf("entries after revoke/suspend = %d, %d; want 1, 2", bit2(lst, es[0].Index), bit2(lst, es[1].Index))
		}

		// The rules.
		var ce *status.ConflictError
		for _, tt := range []struct {
			a  status.Action
			id string
		}{{status.Unsuspend, "crd_a"}, {status.Suspend, "crd_a"}, {status.Revoke, "crd_a"}, {status.Suspend, "crd_b"}} {
			if _, err := e.svc.ChangeOne(ctx, tt.a, tt.id, ""); !errors.As(err, &ce) || !errors.Is(err, issuance.ErrConflict) {
				t.Errorf("%s %s = %v, want a ConflictError", tt.a, tt.id, err)
			}
		}
		if _, err := e.svc.ChangeOne(ctx, status.Revoke, "crd_zzz", ""); !errors.Is(err, issuance.ErrNotFound) {
			t.Errorf("revoke unknown = %v, want ErrNotFound", err)
		}
		if _, err := e.svc.ChangeOne(ctx, status.Unsuspend, "crd_b", ""); err != nil {
			t.Fatal(err)
		}
		tok3, _ := e.svc.Token(ctx, listID)
		if _, _, lst = decodeToken(t, e, tok3.JWT); bit2(lst, es[1].Index) != 0 {
			t.Errorf("unsuspended entry = %d, want 0", bit2(lst, es[1].Index))
		}

		// Past half its life the token is re-signed even unchanged; near
		// exp, max-age shrinks.
		e.now = e.now.Add(13 * time.Hour)
		tok4, _ := e.svc.Token(ctx, listID)
		if tok4.JWT == tok3.JWT || !tok4.IssuedAt.Equal(e.now) {
			t.Errorf("token past half its life was not re-signed")
		}
		if got := tok4.MaxAge(tok4.ExpiresAt.Add(-10 * time.Minute)); got != 10*time.Minute {
			t.Errorf("MaxAge 10 minutes before exp = %s", got)
		}

		found, err := e.svc.CredentialAt(ctx, es[1].URI, es[1].Index)
		if err != nil || found.ID != "crd_b" {
			t.Errorf("CredentialAt = %+v, %v", found, err)
		}
		if _, err := e.svc.CredentialAt(ctx, "https://elsewhere.example/status/"+listID, es[1].Index); !errors.Is(err, issuance.ErrNotFound) {
			t.Errorf("CredentialAt(foreign URI) = %v, want ErrNotFound", err)
		}
		if _, err := e.svc.Token(ctx, "sl_unknown"); !errors.Is(err, issuance.ErrNotFound) {
			t.Errorf("Token(unknown) = %v, want ErrNotFound", err)
		}
	})
}

// TestOneBitLists checks that 1-bit lists refuse suspension.
func TestOneBitLists(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s, 1024, 1)
		es, err := e.svc.Allocate(t.Context(), 1)
		if err != nil {
			t.Fatal(err)
		}
		issueAt(t, s, "crd_1", es[0])
		var ce *status.ConflictError
		if _, err := e.svc.ChangeOne(t.Context(), status.Suspend, "crd_1", ""); !errors.As(err, &ce) {
			t.Errorf("suspend on a 1-bit list = %v, want a ConflictError", err)
		}
		if _, err := e.svc.ChangeOne(t.Context(), status.Revoke, "crd_1", ""); err != nil {
			t.Errorf("revoke on a 1-bit list: %v", err)
		}
	})
}

// TestAllocateReservesBlocks checks that one database reservation serves
// Block allocations, and that two services on one database (two processes)
// never hand out the same entry.
func TestAllocateReservesBlocks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		a, b := newEnv(t, s, 1024, 2), newEnv(t, s, 1024, 2)
		seen := map[int]string{}
		for i := range 80 {
			svc := a.svc
			if i%3 == 0 {
				svc = b.svc
			}
			es, err := svc.Allocate(t.Context(), 1)
			if err != nil {
				t.Fatal(err)
			}
			if prev, dup := seen[es[0].Index]; dup {
				t.Fatalf("allocation %d: index %d handed out twice (first by %s)", i, es[0].Index, prev)
			}
			seen[es[0].Index] = fmt.Sprint(i)
		}
		l, err := s.StatusList(t.Context(), mustListID(t, a), false)
		if err != nil {
			t.Fatal(err)
		}
		// a took 53 entries (2 blocks of 32), b 27 (1 block).
		if want := 3 * status.DefaultBlock; l.Used != want {
			t.Errorf("list used = %d after 80 allocations from two services, want %d (three blocks)", l.Used, want)
		}
	})
}

func mustListID(t *testing.T, e *env) string {
	t.Helper()
	es, err := e.svc.Allocate(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	return es[0].ListID
}
