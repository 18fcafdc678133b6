package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// MasterKeySize is the length of the master key in bytes.
const MasterKeySize = 32

// ErrMasterKey is returned by ParseMasterKey and NewSealer for a master key
// that is not 32 bytes. The message never includes the key.
var ErrMasterKey = errors.New("master key must be 32 bytes encoded in base64; generate one with `openssl rand -base64 32`")

const (
	// sealVersion is the first byte of every sealed value. A new format
	// (another cipher, another derivation) gets a new version so old values
	// stay readable.
	sealVersion byte = 1
	sealInfo         = "credmint seal v1"
	subkeyInfo       = "credmint subkey v1 "
	// sealOverhead is the version byte, the 96-bit nonce and the GCM tag.
	sealOverhead = 1 + 12 + 16
)

// ParseMasterKey decodes a master key given as base64, in the standard or
// URL alphabet, padded or not, surrounding white space ignored. It returns
// ErrMasterKey unless the result is exactly 32 bytes.
func ParseMasterKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding,
		base64.URLEncoding, base64.RawURLEncoding,
	} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == MasterKeySize {
			return b, nil
		}
	}
	return nil, ErrMasterKey
}

// GenerateMasterKey returns a new random master key, base64 encoded in the
// form ParseMasterKey accepts.
func GenerateMasterKey() (string, error) {
	b := make([]byte, MasterKeySize)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("keys: generate master key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// Sealer encrypts secrets at rest under keys derived from the master key.
// It is safe for concurrent use.
type Sealer struct {
	master []byte
	aead   cipher.AEAD
}

// NewSealer returns a Sealer for masterKey, which must be 32 bytes. The
// sealing key is derived from it with HKDF-SHA256 (info "credmint seal v1"),
// so the master key itself never keys a cipher.
func NewSealer(masterKey []byte) (*Sealer, error) {
	if len(masterKey) != MasterKeySize {
		return nil, ErrMasterKey
	}
	master := append([]byte(nil), masterKey...)
	key, err := hkdf.Key(sha256.New, master, nil, sealInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("keys: derive sealing key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("keys: sealing cipher: %w", err)
	}
	// NewGCMWithRandomNonce draws a fresh 96-bit nonce for every Seal and
	// prepends it to the ciphertext.
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("keys: sealing cipher: %w", err)
	}
	return &Sealer{master: master, aead: aead}, nil
}

// Seal encrypts plaintext with AES-256-GCM, binding it to aad (which is
// authenticated, not stored). The result is version byte || nonce ||
// ciphertext and tag.
func (s *Sealer) Seal(plaintext, aad []byte) ([]byte, error) {
	out := make([]byte, 1, sealOverhead+len(plaintext))
	out[0] = sealVersion
	return s.aead.Seal(out, nil, plaintext, aad), nil
}

// errOpen is deliberately vague: truncated, tampered, wrong-AAD and
// wrong-key input are indistinguishable to GCM, and should be to callers.
var errOpen = errors.New("keys: sealed value cannot be opened (wrong master key, wrong context or corrupt data)")

// Open reverses Seal. It returns an error, never panics, for input that is
// truncated, tampered with, sealed with other aad or under another master
// key.
func (s *Sealer) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < sealOverhead {
		return nil, errOpen
	}
	if sealed[0] != sealVersion {
		return nil, fmt.Errorf("keys: sealed value has unknown version %d", sealed[0])
	}
	plaintext, err := s.aead.Open(nil, nil, sealed[1:], aad)
	if err != nil {
		return nil, errOpen
	}
	return plaintext, nil
}

// Subkey returns a 32-byte key derived from the master key with
// HKDF-SHA256 for purpose, e.g. the HMAC key for nonces or for hashing
// tx_codes. The same purpose always gives the same key; different purposes
// give independent keys, and none equals the sealing key. purpose must not
// be empty: Subkey panics otherwise, as that is a programming error.
func (s *Sealer) Subkey(purpose string) []byte {
	if purpose == "" {
		panic("keys: Subkey needs a purpose")
	}
	k, err := hkdf.Key(sha256.New, s.master, nil, subkeyInfo+purpose, 32)
	if err != nil {
		// Only a keyLength beyond 255 hash lengths fails.
		panic("keys: derive subkey: " + err.Error())
	}
	return k
}
