package issuance

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func nonceService(now *time.Time) *Service {
	return &Service{Deps: Deps{
		NonceKey: []byte(strings.Repeat("k", 32)), TxCodeKey: []byte(strings.Repeat("t", 32)),
		Now: func() time.Time { return *now }, Rand: rand.Reader,
		Policy: Policy{NonceLifetime: 5 * time.Minute},
	}}
}

func TestNonce(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := nonceService(&now)
	n, err := s.Nonce(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.checkNonce(n.CNonce); err != nil {
		t.Fatalf("fresh nonce: %v", err)
	}
	other, _ := s.Nonce(t.Context())
	if other.CNonce == n.CNonce {
		t.Fatal("two nonces are equal")
	}

	raw, _ := base64.RawURLEncoding.DecodeString(n.CNonce)
	for i := range raw {
		tampered := append([]byte(nil), raw...)
		tampered[i] ^= 1
		if _, err := s.checkNonce(base64.RawURLEncoding.EncodeToString(tampered)); err == nil {
			t.Fatalf("nonce with byte %d flipped was accepted", i)
		}
	}
	for _, bad := range []string{"", "not base64!", n.CNonce[:20], n.CNonce + "AA"} {
		if _, err := s.checkNonce(bad); err == nil {
			t.Errorf("malformed nonce %q accepted", bad)
		}
	}
	otherKey := nonceService(&now)
	otherKey.NonceKey = []byte(strings.Repeat("x", 32))
	if _, err := otherKey.checkNonce(n.CNonce); err == nil {
		t.Error("a nonce minted with another key was accepted")
	}

	now = now.Add(5*time.Minute - time.Second)
	if _, err := s.checkNonce(n.CNonce); err != nil {
		t.Errorf("nonce just before expiry: %v", err)
	}
	now = now.Add(time.Second)
	if _, err := s.checkNonce(n.CNonce); err == nil {
		t.Error("expired nonce accepted")
	}
	now = now.Add(-10 * time.Minute)
	if _, err := s.checkNonce(n.CNonce); err == nil {
		t.Error("nonce from the future accepted")
	}
}

func TestTxCodes(t *testing.T) {
	now := time.Now()
	s := nonceService(&now)
	seen := map[byte]int{}
	for range 2000 {
		c, err := randomCode(rand.Reader, numericAlphabet, 6)
		if err != nil || len(c) != 6 || strings.Trim(c, numericAlphabet) != "" {
			t.Fatalf("numeric code %q, %v", c, err)
		}
		for i := range c {
			seen[c[i]]++
		}
	}
	for _, d := range numericAlphabet {
		// 12000 digits: each should appear about 1200 times.
		if n := seen[byte(d)]; n < 1000 || n > 1400 {
			t.Errorf("digit %c appeared %d times in 12000: not uniform", d, n)
		}
	}
	if s.hashTxCode("off_a", "123456") == s.hashTxCode("off_b", "123456") {
		t.Error("tx_code hashes must differ per offer")
	}
	if s.hashTxCode("off_a", "123456") != s.hashTxCode("off_a", "123456") {
		t.Error("tx_code hash is not stable")
	}
}
