package applicants

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// idSource makes identifiers that sort in creation order: 48 bits of
// milliseconds and 80 random bits (as in a ULID), the random part counting
// up within one millisecond, in Crockford base32. Imported applicants are
// therefore listed in file order within a chunk.
type idSource struct {
	rand io.Reader

	mu     sync.Mutex
	lastMS uint64
	hi     uint16 // random bits 79..64
	lo     uint64 // random bits 63..0
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// next returns prefix + a 26-character sortable identifier for time t.
func (g *idSource) next(prefix string, t time.Time) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := uint64(t.UnixMilli())
	if ms <= g.lastMS {
		// Same (or earlier: the clock stepped back) millisecond: count up.
		ms = g.lastMS
		g.lo++
		if g.lo == 0 {
			g.hi++
		}
	} else {
		var b [10]byte
		if _, err := io.ReadFull(g.rand, b[:]); err != nil {
			return "", fmt.Errorf("applicants: reading randomness: %w", err)
		}
		// The top bit stays clear so that counting up cannot overflow.
		g.hi = binary.BigEndian.Uint16(b[:2]) & 0x7fff
		g.lo = binary.BigEndian.Uint64(b[2:])
		g.lastMS = ms
	}
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[:8], ms<<16|uint64(g.hi))
	binary.BigEndian.PutUint64(raw[8:], g.lo)
	return prefix + encode128(raw), nil
}

// encode128 writes 128 bits as 26 Crockford base32 digits (the first digit
// holds the top 3 bits).
func encode128(b [16]byte) string {
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	var out [26]byte
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// NameKey is the form of a name that search and sorting use: lower case,
// with runs of white space as one space.
func NameKey(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(name), " "))
}

// EmailKey is the form of an email address that search uses: lower case.
func EmailKey(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}
