package status_test

import (
	"bytes"
	"compress/zlib"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"io"
	"math/big"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"credmint/app/keys/keystest"
	"credmint/app/status"
	"credmint/db"
	"credmint/db/dbtest"
)

// cwtToken is a CWT Status List Token decoded without credmint code.
type cwtToken struct {
	protected   map[any]any
	unprotected map[any]any
	claims      map[any]any
	bits        int
	lst         []byte
}

// decodeCWT decodes a CWT Status List Token with fxamacker/cbor into
// generic values, as a verifier with no COSE library would: the COSE_Sign1
// tag 18, the Sig_structure (RFC 9052 §4.4) verified with crypto/ecdsa
// against the x5chain leaf, and lst inflated with compress/zlib.
func decodeCWT(t *testing.T, body []byte) *cwtToken {
	t.Helper()
	var tag cbor.Tag
	if err := cbor.Unmarshal(body, &tag); err != nil {
		t.Fatalf("token is not a CBOR tag: %v", err)
	}
	arr, ok := tag.Content.([]any)
	if tag.Number != 18 || !ok || len(arr) != 4 {
		t.Fatalf("token is tag %d with %T, want a COSE_Sign1 (tag 18, 4 elements)", tag.Number, tag.Content)
	}
	protBytes, _ := arr[0].([]byte)
	unprot, _ := arr[1].(map[any]any)
	payload, _ := arr[2].([]byte)
	sig, _ := arr[3].([]byte)
	out := &cwtToken{unprotected: unprot}
	if err := cbor.Unmarshal(protBytes, &out.protected); err != nil {
		t.Fatalf("protected header: %v", err)
	}
	leafDER, ok := unprot[uint64(33)].([]byte)
	if !ok {
		t.Fatalf("unprotected header %v has no x5chain (33) with one certificate", unprot)
	}
	leaf, err := x509.ParseCertificate(leafDER)
	if err != nil {
		t.Fatalf("x5chain: %v", err)
	}
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		t.Fatalf("x5chain leaf key is %T", leaf.PublicKey)
	}
	toBeSigned, err := cbor.Marshal([]any{"Signature1", protBytes, []byte{}, payload})
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256(toBeSigned)
	if len(sig) != 64 || !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatal("the COSE_Sign1 signature does not verify with the x5chain leaf key")
	}
	if err := cbor.Unmarshal(payload, &out.claims); err != nil {
		t.Fatalf("claims: %v", err)
	}
	sl, ok := out.claims[uint64(65533)].(map[any]any)
	if !ok {
		t.Fatalf("claims %v have no status_list (65533) map", out.claims)
	}
	bits, _ := sl["bits"].(uint64)
	lst, _ := sl["lst"].([]byte)
	out.bits = int(bits)
	zr, err := zlib.NewReader(bytes.NewReader(lst))
	if err != nil {
		t.Fatalf("lst is not zlib: %v", err)
	}
	if out.lst, err = io.ReadAll(zr); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCWT signs the CWT form of a list, checks it independently, revokes
// an entry and checks that the CWT is re-signed with the bit set, and that
// an unchanged list is served from the cache.
func TestCWT(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		signer := keystest.New(t, "sl-cwt-1", "status list test")
		now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		svc, err := status.New(status.Deps{Store: s, Signers: signer, PublicURL: "https://issuer.example.org", Size: 1024, Bits: 2,
			Block: 1, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		es, err := svc.Allocate(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		issueAt(t, s, "crd_cwt_a", es[0])
		issueAt(t, s, "crd_cwt_b", es[1])
		listID := es[0].ListID

		tok, err := svc.CWT(ctx, listID)
		if err != nil {
			t.Fatal(err)
		}
		if tok.JWT != "" || len(tok.CWT) == 0 {
			t.Fatalf("CWT returned JWT %q and %d CWT bytes", tok.JWT, len(tok.CWT))
		}
		got := decodeCWT(t, tok.CWT)
		if got.protected[uint64(1)] != int64(-7) || got.protected[uint64(16)] != "application/statuslist+cwt" {
			t.Errorf("protected header = %v, want {1: -7, 16: application/statuslist+cwt}", got.protected)
		}
		if kid, _ := got.unprotected[uint64(4)].([]byte); string(kid) != "sl-cwt-1" {
			t.Errorf("kid (4) = %q, want sl-cwt-1", kid)
		}
		c := got.claims
		if c[uint64(2)] != es[0].URI || c[uint64(6)] != uint64(now.Unix()) || c[uint64(4)] != uint64(now.Add(24*time.Hour).Unix()) || c[uint64(65534)] != uint64(3600) {
			t.Errorf("claims = %v, want sub %s, iat %d, exp a day later, ttl 3600", c, es[0].URI, now.Unix())
		}
		if got.bits != 2 || len(got.lst) != 256 || bit2(got.lst, es[0].Index) != 0 || bit2(got.lst, es[1].Index) != 0 {
			t.Fatalf("bits %d, %d bytes, entries %d %d: want 2 bits, 256 bytes, both VALID", got.bits, len(got.lst), bit2(got.lst, es[0].Index), bit2(got.lst, es[1].Index))
		}

		// Unchanged and young: the cached CWT.
		now = now.Add(time.Hour)
		again, err := svc.CWT(ctx, listID)
		if err != nil || !bytes.Equal(again.CWT, tok.CWT) {
			t.Errorf("unchanged list: a new CWT (err %v), want the cached one", err)
		}

		// Revoked and suspended: re-signed, bits set.
		if _, err := svc.ChangeOne(ctx, status.Revoke, "crd_cwt_a", "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ChangeOne(ctx, status.Suspend, "crd_cwt_b", "test"); err != nil {
			t.Fatal(err)
		}
		changed, err := svc.CWT(ctx, listID)
		if err != nil {
			t.Fatal(err)
		}
		got = decodeCWT(t, changed.CWT)
		if bit2(got.lst, es[0].Index) != 1 || bit2(got.lst, es[1].Index) != 2 || changed.Version == tok.Version {
			t.Errorf("after revoke and suspend: entries %d %d (version %d → %d), want 1 and 2 in a new version",
				bit2(got.lst, es[0].Index), bit2(got.lst, es[1].Index), tok.Version, changed.Version)
		}
		if got.claims[uint64(6)] != uint64(now.Unix()) {
			t.Errorf("re-signed iat = %v, want %d", got.claims[uint64(6)], now.Unix())
		}

		// Past half its life: re-signed although unchanged.
		now = now.Add(13 * time.Hour)
		later, err := svc.CWT(ctx, listID)
		if err != nil || bytes.Equal(later.CWT, changed.CWT) {
			t.Errorf("CWT past half its life: same token (err %v), want a new one", err)
		}

		if _, err := svc.CWT(ctx, "sl_unknown"); err == nil {
			t.Error("CWT of an unknown list: no error")
		}
	})
}
