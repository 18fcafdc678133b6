package status

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
)

// feistelRounds is the number of rounds of the index permutation. Luby and
// Rackoff need 4 for a pseudorandom permutation; 8 leaves a margin.
const feistelRounds = 8

// Permutation maps the counters 0 … size−1 of a list one-to-one onto its
// indexes 0 … size−1 in an order that cannot be guessed without the list's
// seed: a balanced Feistel network keyed with HMAC-SHA256 over the smallest
// even bit width that holds size, with cycle walking to stay below size.
// Handing out counters in order thus yields every index exactly once, at
// unpredictable positions, with no table of free slots. (Format-preserving
// encryption libraries such as FF1 refuse domains under 10⁶, which lists
// of 1024 entries are.)
type Permutation struct {
	size uint64
	half uint // bits per half
	mask uint64
	seed []byte
}

// NewPermutation returns the permutation of [0, size) keyed with seed.
func NewPermutation(seed []byte, size int) *Permutation {
	w := uint(bits.Len64(uint64(size - 1)))
	if w < 2 {
		w = 2
	}
	w += w % 2
	return &Permutation{size: uint64(size), half: w / 2, mask: 1<<(w/2) - 1, seed: seed}
}

// Index returns the index of counter c (0 ≤ c < size).
func (p *Permutation) Index(c int) int {
	x := uint64(c)
	for {
		x = p.encrypt(x)
		if x < p.size { // cycle walking: at most 4 rounds on average
			return int(x)
		}
	}
}

func (p *Permutation) encrypt(x uint64) uint64 {
	l, r := x>>p.half, x&p.mask
	mac := hmac.New(sha256.New, p.seed)
	var in [9]byte
	for round := range feistelRounds {
		in[0] = byte(round)
		binary.BigEndian.PutUint64(in[1:], r)
		mac.Reset()
		mac.Write(in[:])
		f := binary.BigEndian.Uint64(mac.Sum(nil)) & p.mask
		l, r = r, l^f
	}
	return l<<p.half | r
}
