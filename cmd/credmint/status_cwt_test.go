package main

import (
	"bytes"
	"compress/zlib"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"io"
	"math/big"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// fetchStatusListCWT GETs uri with accept, expects the CWT form and
// verifies it with no credmint code: a COSE_Sign1 (tag 18) decoded with
// fxamacker/cbor into generic values, protected alg -7 and type
// application/statuslist+cwt, kid and x5chain unprotected, the
// Sig_structure verified with crypto/ecdsa against the x5chain leaf (which
// must be the JWKS key of that kid), claims sub = uri, iat, exp, ttl, and
// status_list {bits, lst} with lst inflated by compress/zlib.
func fetchStatusListCWT(t *testing.T, h *harness, uri, accept string) *statusListToken {
	t.Helper()
	res := h.do(http.MethodGet, uri, map[string]string{"Accept": accept}, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("GET %s (Accept %s): got %d\n%s", uri, accept, res.Status, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/statuslist+cwt" {
		t.Fatalf("Content-Type = %q, want application/statuslist+cwt", ct)
	}
	var msg cbor.Tag
	if err := cbor.Unmarshal(res.Body, &msg); err != nil {
		t.Fatalf("body is not a tagged CBOR item: %v", err)
	}
	parts, ok := msg.Content.([]any)
	if msg.Number != 18 || !ok || len(parts) != 4 {
		t.Fatalf("body is tag %d, want COSE_Sign1 (18) with 4 elements", msg.Number)
	}
	protected, _ := parts[0].([]byte)
	unprotected, _ := parts[1].(map[any]any)
	payload, _ := parts[2].([]byte)
	sig, _ := parts[3].([]byte)
	var ph map[any]any
	if err := cbor.Unmarshal(protected, &ph); err != nil {
		t.Fatalf("protected header: %v", err)
	}
	if ph[uint64(1)] != int64(-7) || ph[uint64(16)] != "application/statuslist+cwt" {
		t.Errorf("protected header = %v, want alg -7 and type application/statuslist+cwt", ph)
	}
	kid, _ := unprotected[uint64(4)].([]byte)
	leafDER, _ := unprotected[uint64(33)].([]byte)
	leaf, err := x509.ParseCertificate(leafDER)
	if err != nil {
		t.Fatalf("x5chain (33) is not one certificate: %v", err)
	}
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		t.Fatalf("x5chain leaf key is %T", leaf.PublicKey)
	}
	if jwk := publishedKey(t, h, string(kid)); jwk == nil || !jwk.Equal(pub) {
		t.Errorf("kid %q: the JWKS has no key equal to the x5chain leaf", kid)
	}
	tbs, err := cbor.Marshal([]any{"Signature1", protected, []byte{}, payload})
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256(tbs)
	if len(sig) != 64 || !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatal("the CWT signature does not verify with the x5chain leaf key")
	}
	var claims map[any]any
	if err := cbor.Unmarshal(payload, &claims); err != nil {
		t.Fatalf("claims: %v", err)
	}
	iat, _ := claims[uint64(6)].(uint64)
	exp, _ := claims[uint64(4)].(uint64)
	ttl, _ := claims[uint64(65534)].(uint64)
	if claims[uint64(2)] != uri || iat == 0 || exp <= iat || ttl == 0 || time.Unix(int64(iat), 0).After(time.Now().Add(time.Minute)) {
		t.Errorf("claims sub %v iat %d exp %d ttl %d: want sub %s, exp after iat, positive ttl", claims[uint64(2)], iat, exp, ttl, uri)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age="+strconv.FormatUint(ttl, 10) {
		t.Errorf("Cache-Control = %q, want public, max-age=%d (the ttl)", cc, ttl)
	}
	sl, _ := claims[uint64(65533)].(map[any]any)
	bits, _ := sl["bits"].(uint64)
	lst, _ := sl["lst"].([]byte)
	zr, err := zlib.NewReader(bytes.NewReader(lst))
	if err != nil {
		t.Fatalf("lst is not zlib: %v", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return &statusListToken{res: res, lst: raw, bits: int(bits)}
}
