package keys_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"credmint/app/keys"
)

func newSealer(t testing.TB, master []byte) *keys.Sealer {
	t.Helper()
	s, err := keys.NewSealer(master)
	if err != nil {
		t.Fatalf("NewSealer: %v", err)
	}
	return s
}

func masterKey(fill byte) []byte {
	return bytes.Repeat([]byte{fill}, keys.MasterKeySize)
}

func TestParseMasterKey(t *testing.T) {
	// 0xfb 0xff… encodes to base64 with '+' and '/' (URL: '-' and '_'), so
	// each alphabet is really exercised.
	raw := append([]byte{0xfb, 0xff, 0xbf}, masterKey(0xfe)[3:]...)
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{"std padded", base64.StdEncoding.EncodeToString(raw), false},
		{"std unpadded", base64.RawStdEncoding.EncodeToString(raw), false},
		{"url padded", base64.URLEncoding.EncodeToString(raw), false},
		{"url unpadded", base64.RawURLEncoding.EncodeToString(raw), false},
		{"surrounding white space", " " + base64.StdEncoding.EncodeToString(raw) + "\n", false},
		{"empty", "", true},
		{"31 bytes", base64.StdEncoding.EncodeToString(raw[:31]), true},
		{"33 bytes", base64.StdEncoding.EncodeToString(append(raw, 0)), true},
		{"hex", strings.Repeat("ab", 32), true},
		{"not base64", "this is not a key!", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := keys.ParseMasterKey(tt.in)
			if tt.wantErr {
				if !errors.Is(err, keys.ErrMasterKey) {
					t.Fatalf("ParseMasterKey(%q) error = %v, want ErrMasterKey", tt.in, err)
				}
				if !strings.Contains(err.Error(), "openssl rand -base64 32") {
					t.Errorf("error %q does not say how to generate a key", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseMasterKey(%q): %v", tt.in, err)
			}
			if !bytes.Equal(got, raw) {
				t.Errorf("ParseMasterKey(%q) = %x, want %x", tt.in, got, raw)
			}
		})
	}
}

func TestGenerateMasterKey(t *testing.T) {
	a, err := keys.GenerateMasterKey()
	if err != nil {
		t.Fatalf("GenerateMasterKey: %v", err)
	}
	b, err := keys.GenerateMasterKey()
	if err != nil {
		t.Fatalf("GenerateMasterKey: %v", err)
	}
	if a == b {
		t.Errorf("two generated master keys are equal: %q", a)
	}
	key, err := keys.ParseMasterKey(a)
	if err != nil {
		t.Fatalf("ParseMasterKey(GenerateMasterKey()): %v", err)
	}
	if got, want := len(key), keys.MasterKeySize; got != want {
		t.Errorf("generated key is %d bytes, want %d", got, want)
	}
}

func TestNewSealerKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := keys.NewSealer(make([]byte, n)); !errors.Is(err, keys.ErrMasterKey) {
			t.Errorf("NewSealer(%d bytes) error = %v, want ErrMasterKey", n, err)
		}
	}
}

func TestSealerRoundTrip(t *testing.T) {
	s := newSealer(t, masterKey(1))
	tests := []struct {
		name      string
		plaintext []byte
		aad       []byte
	}{
		{"empty", nil, nil},
		{"short", []byte("x"), []byte("kid-1")},
		{"key sized", bytes.Repeat([]byte{7}, 138), []byte("kid-2")},
		{"no aad", []byte("secret"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed, err := s.Seal(tt.plaintext, tt.aad)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			if got, want := len(sealed), 1+12+len(tt.plaintext)+16; got != want {
				t.Errorf("sealed length = %d, want %d (version, nonce, ciphertext, tag)", got, want)
			}
			if got, want := sealed[0], byte(1); got != want {
				t.Errorf("version byte = %d, want %d", got, want)
			}
			if len(tt.plaintext) >= 8 && bytes.Contains(sealed, tt.plaintext) {
				t.Errorf("sealed value contains the plaintext")
			}
			got, err := s.Open(sealed, tt.aad)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, tt.plaintext) {
				t.Errorf("Open = %q, want %q", got, tt.plaintext)
			}
		})
	}
}

func TestSealerNonceIsFresh(t *testing.T) {
	s := newSealer(t, masterKey(1))
	a, _ := s.Seal([]byte("same"), []byte("aad"))
	b, _ := s.Seal([]byte("same"), []byte("aad"))
	if bytes.Equal(a[1:13], b[1:13]) {
		t.Errorf("two seals used the same nonce %x", a[1:13])
	}
}

func TestSealerOpenRejects(t *testing.T) {
	s := newSealer(t, masterKey(1))
	plaintext, aad := []byte("private key bytes"), []byte("kid-1")
	sealed, err := s.Seal(plaintext, aad)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}

	t.Run("tampered byte", func(t *testing.T) {
		for i := range sealed {
			for _, bit := range []byte{0x01, 0x80} {
				bad := bytes.Clone(sealed)
				bad[i] ^= bit
				if got, err := s.Open(bad, aad); err == nil {
					t.Errorf("Open with byte %d ^ %#x = %q, want error", i, bit, got)
				}
			}
		}
	})
	t.Run("truncated", func(t *testing.T) {
		for n := range len(sealed) {
			if got, err := s.Open(sealed[:n], aad); err == nil {
				t.Errorf("Open of first %d bytes = %q, want error", n, got)
			}
		}
	})
	t.Run("extended", func(t *testing.T) {
		if got, err := s.Open(append(bytes.Clone(sealed), 0), aad); err == nil {
			t.Errorf("Open with a trailing byte = %q, want error", got)
		}
	})
	t.Run("wrong aad", func(t *testing.T) {
		for _, bad := range [][]byte{nil, []byte("kid-2"), []byte("kid-1 ")} {
			if got, err := s.Open(sealed, bad); err == nil {
				t.Errorf("Open with aad %q = %q, want error", bad, got)
			}
		}
	})
	t.Run("wrong master key", func(t *testing.T) {
		other := newSealer(t, masterKey(2))
		if got, err := other.Open(sealed, aad); err == nil {
			t.Errorf("Open under another master key = %q, want error", got)
		}
	})
}

func TestSubkey(t *testing.T) {
	s := newSealer(t, masterKey(1))
	same := newSealer(t, masterKey(1))
	other := newSealer(t, masterKey(2))
	purposes := []string{"nonce", "tx_code", "session", "seal"}

	seen := map[string]string{}
	for _, p := range purposes {
		k := s.Subkey(p)
		if got, want := len(k), 32; got != want {
			t.Errorf("Subkey(%q) is %d bytes, want %d", p, got, want)
		}
		if prev, dup := seen[string(k)]; dup {
			t.Errorf("Subkey(%q) equals Subkey(%q)", p, prev)
		}
		seen[string(k)] = p
		if got := same.Subkey(p); !bytes.Equal(got, k) {
			t.Errorf("Subkey(%q) not stable: %x, then %x", p, k, got)
		}
		if got := other.Subkey(p); bytes.Equal(got, k) {
			t.Errorf("Subkey(%q) is the same under another master key", p)
		}
		if bytes.Equal(k, masterKey(1)) {
			t.Errorf("Subkey(%q) is the master key", p)
		}
	}
}

func TestSubkeyEmptyPurposePanics(t *testing.T) {
	s := newSealer(t, masterKey(1))
	defer func() {
		if recover() == nil {
			t.Errorf("Subkey(\"\") did not panic")
		}
	}()
	s.Subkey("")
}
