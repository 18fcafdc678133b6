package issuance

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"time"
)

// NonceResponse is the nonce endpoint's answer (OID4VCI §7.2).
type NonceResponse struct {
	CNonce string `json:"c_nonce"`
}

// c_nonce layout before base64url: issued-at (8 bytes, unix seconds, big
// endian) || 16 random bytes || first 16 bytes of HMAC-SHA256 over both.
// The nonce endpoint needs no database write; single use is enforced when a
// proof spends the nonce (Store.UseNonce), which any credmint process can do.
const (
	nonceRandomLen = 16
	nonceMACLen    = 16
	nonceLen       = 8 + nonceRandomLen + nonceMACLen
)

// maxClockSkew is how far in the future a nonce or proof iat may be.
const maxClockSkew = 30 * time.Second

// Nonce mints a fresh, unpredictable c_nonce.
func (s *Service) Nonce(ctx context.Context) (*NonceResponse, error) {
	b := make([]byte, nonceLen)
	binary.BigEndian.PutUint64(b, uint64(s.now().Unix()))
	if _, err := io.ReadFull(s.Rand, b[8:8+nonceRandomLen]); err != nil {
		return nil, err
	}
	copy(b[8+nonceRandomLen:], s.nonceMAC(b[:8+nonceRandomLen]))
	return &NonceResponse{CNonce: base64.RawURLEncoding.EncodeToString(b)}, nil
}

func (s *Service) nonceMAC(msg []byte) []byte {
	m := hmac.New(sha256.New, s.NonceKey)
	m.Write(msg)
	return m.Sum(nil)[:nonceMACLen]
}

var errBadNonce = errors.New("c_nonce is unknown, expired or already used")

// checkNonce verifies that nonce was minted here and is still fresh, and
// returns when it expires.
func (s *Service) checkNonce(nonce string) (time.Time, error) {
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != nonceLen {
		return time.Time{}, errBadNonce
	}
	if !hmac.Equal(b[8+nonceRandomLen:], s.nonceMAC(b[:8+nonceRandomLen])) {
		return time.Time{}, errBadNonce
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(b[:8])), 0)
	now := s.now()
	expires := issued.Add(s.Policy.NonceLifetime)
	if issued.After(now.Add(maxClockSkew)) || !now.Before(expires) {
		return time.Time{}, errBadNonce
	}
	return expires, nil
}

// spendNonce marks nonce used. It fails for a nonce used before.
func (s *Service) spendNonce(ctx context.Context, nonce string, expires time.Time) error {
	err := s.Store.UseNonce(ctx, hashSecret(nonce), expires)
	if errors.Is(err, ErrConflict) {
		return errBadNonce
	}
	return err
}
