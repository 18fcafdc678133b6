package status

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"fmt"
)

// Status list values (draft -14 §7.1).
const (
	ValueValid     byte = 0x00
	ValueInvalid   byte = 0x01
	ValueSuspended byte = 0x02
)

// ValidBits reports whether bits is a size the draft allows and credmint
// issues (1 or 2; 4 and 8 carry no value credmint sets).
func ValidBits(bits int) bool { return bits == 1 || bits == 2 }

// ByteLen is the length of the packed array of size entries of bits bits.
func ByteLen(size, bits int) int { return (size*bits + 7) / 8 }

// Get returns the value of entry index of the packed array lst (§4.1:
// entry i occupies bits i·bits … (i+1)·bits−1, counted from the least
// significant bit of byte 0).
func Get(lst []byte, bits, index int) byte {
	pos := index * bits
	mask := byte(1<<bits - 1)
	return lst[pos/8] >> (pos % 8) & mask
}

// Set stores value in entry index of lst. It panics on an index outside
// the array; callers check indexes against the list's size.
func Set(lst []byte, bits, index int, value byte) {
	pos := index * bits
	mask := byte(1<<bits-1) << (pos % 8)
	lst[pos/8] = lst[pos/8]&^mask | value<<(pos%8)&mask
}

// Compress is the lst of a Status List Token in JSON: the packed array
// compressed with DEFLATE in the zlib format at the highest level (§4.1)
// and base64url-encoded without padding (§4.2).
func Compress(lst []byte) (string, error) {
	b, err := CompressBytes(lst)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// CompressBytes is the lst of a Status List Token in CBOR (§4.3): the
// packed array compressed with DEFLATE in the zlib format at the highest
// level, as a byte string.
func CompressBytes(lst []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(lst); err != nil {
		return nil, fmt.Errorf("status: compress: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("status: compress: %w", err)
	}
	return buf.Bytes(), nil
}
