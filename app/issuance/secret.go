package issuance

import (
	"crypto/hmac"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
)

// randomToken returns n random bytes from r, base64url encoded.
func randomToken(r io.Reader, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("issuance: reading randomness: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// randomID returns a prefixed random identifier such as "off_…".
func randomID(r io.Reader, prefix string) (string, error) {
	t, err := randomToken(r, 15)
	if err != nil {
		return "", err
	}
	return prefix + t, nil
}

// hashSecret is how high-entropy secrets (handles, codes, tokens, nonces) are
// stored: hex SHA-256. They are 256-bit random, so no key or stretching is
// needed.
func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// preAuthorizedCode derives the pre-authorized code from the offer handle, so
// an offer fetched twice gives the same code while only hashes are stored.
func preAuthorizedCode(handle string) string {
	sum := sha256.Sum256([]byte("credmint pre-authorized_code v1\x00" + handle))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// hashTxCode keys the hash of a low-entropy tx_code with a secret derived from
// the master key and binds it to the offer, so a copy of the database alone
// cannot be brute-forced offline.
func (s *Service) hashTxCode(offerID, code string) string {
	m := hmac.New(sha256.New, s.TxCodeKey)
	m.Write([]byte(offerID))
	m.Write([]byte{0})
	m.Write([]byte(code))
	return hex.EncodeToString(m.Sum(nil))
}

const (
	numericAlphabet = "0123456789"
	// textAlphabet leaves out characters people confuse (0/O, 1/I/L).
	textAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
)

// randomCode returns length characters drawn uniformly from alphabet.
func randomCode(r io.Reader, alphabet string, length int) (string, error) {
	out := make([]byte, length)
	max := big.NewInt(int64(len(alphabet)))
	for i := range out {
		n, err := randInt(r, max)
		if err != nil {
			return "", err
		}
		out[i] = alphabet[n]
	}
	return string(out), nil
}

func randInt(r io.Reader, max *big.Int) (int64, error) {
	n, err := crand.Int(r, max) // uniform, no modulo bias
	if err != nil {
		return 0, fmt.Errorf("issuance: reading randomness: %w", err)
	}
	return n.Int64(), nil
}
