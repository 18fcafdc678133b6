package status

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// inflate decodes a JSON lst independently of Compress: base64url, then
// zlib.
func inflate(t *testing.T, lst string) []byte {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(lst)
	if err != nil {
		t.Fatalf("lst is not unpadded base64url: %v", err)
	}
	r, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("lst is not zlib: %v", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("inflate: %v", err)
	}
	return out
}

// TestEncoding packs the examples of draft -14 §4.1 and compares with the
// byte arrays given there, then round-trips them through Compress and an
// independent zlib decoder.
func TestEncoding(t *testing.T) {
	tests := []struct {
		name   string
		bits   int
		values []byte
		want   []byte
	}{
		{"1 bit (§4.1 example)", 1, []byte{1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1}, []byte{0xB9, 0xA3}},
		{"2 bits (§4.1 example)", 2, []byte{1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3}, []byte{0xC9, 0x44, 0xF9}},
		{"2 bits, revoked and suspended", 2, []byte{0, 0, 0, 0, 0, 2, 0, 1}, []byte{0x00, 0x48}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lst := make([]byte, ByteLen(len(tt.values), tt.bits))
			for i, v := range tt.values {
				Set(lst, tt.bits, i, v)
			}
			if diff := cmp.Diff(tt.want, lst); diff != "" {
				t.Fatalf("packed array (-want +got):\n%s", diff)
			}
			for i, v := range tt.values {
				if got := Get(lst, tt.bits, i); got != v {
					t.Errorf("Get(%d) = %d, want %d", i, got, v)
				}
			}
			enc, err := Compress(lst)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, inflate(t, enc)); diff != "" {
				t.Errorf("inflated lst (-want +got):\n%s", diff)
			}
		})
	}
	// The draft's own encoding of the 1-bit example decodes to the same
	// bytes: our reading of the format matches its authors'.
	if diff := cmp.Diff([]byte{0xB9, 0xA3}, inflate(t, "eNrbuRgAAhcBXQ")); diff != "" {
		t.Errorf("draft example lst (-want +got):\n%s", diff)
	}
}

// TestSetOverwrites checks that Set replaces an entry without touching its
// neighbours (unsuspending clears the bit suspension set).
func TestSetOverwrites(t *testing.T) {
	lst := []byte{0xFF, 0xFF}
	Set(lst, 2, 5, ValueValid)
	if want := []byte{0xFF, 0xF3}; !bytes.Equal(lst, want) {
		t.Fatalf("after clearing entry 5: % x, want % x", lst, want)
	}
	Set(lst, 2, 5, ValueSuspended)
	if want := []byte{0xFF, 0xFB}; !bytes.Equal(lst, want) {
		t.Fatalf("after suspending entry 5: % x, want % x", lst, want)
	}
}

// TestPermutation checks that the index permutation is a bijection for
// several sizes and that it is not the identity, not monotonic and not a
// run of consecutive indexes, and that another seed gives another order.
func TestPermutation(t *testing.T) {
	for _, size := range []int{1024, 1032, 4096, 131072} {
		p := NewPermutation(bytes.Repeat([]byte{7}, 32), size)
		seen := make([]bool, size)
		for c := range size {
			i := p.Index(c)
			if i < 0 || i >= size || seen[i] {
				t.Fatalf("size %d: counter %d maps to %d (out of range or twice)", size, c, i)
			}
			seen[i] = true
		}
	}
	p := NewPermutation(bytes.Repeat([]byte{1}, 32), 131072)
	q := NewPermutation(bytes.Repeat([]byte{2}, 32), 131072)
	var ascending, consecutive, same int
	prev := p.Index(0)
	for c := 1; c < 100; c++ {
		i := p.Index(c)
		if i > prev {
			ascending++
		}
		if i == prev+1 {
			consecutive++
		}
		if i == q.Index(c) {
			same++
		}
		prev = i
	}
	if ascending > 80 || ascending < 20 || consecutive > 2 || same > 2 {
		t.Errorf("100 indexes look ordered: %d ascending steps, %d consecutive, %d equal under another seed", ascending, consecutive, same)
	}
}
