package keys

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/veraison/go-cose"
)

// coseAlgorithms maps the JOSE algorithm names of credmint's keys to COSE
// algorithm identifiers (RFC 9053 §2.1).
var coseAlgorithms = map[string]cose.Algorithm{
	AlgorithmES256: cose.AlgorithmES256, // -7
}

// COSEAlgorithm returns the COSE algorithm identifier of the JOSE
// algorithm alg, and whether credmint signs COSE messages with it.
func COSEAlgorithm(alg string) (cose.Algorithm, bool) {
	a, ok := coseAlgorithms[alg]
	return a, ok
}

// COSEAlgorithms returns the JOSE names of the algorithms credmint signs
// COSE messages with, sorted.
func COSEAlgorithms() []string {
	return slices.Sorted(maps.Keys(coseAlgorithms))
}

// COSE adapts s to go-cose's Signer, so COSE_Sign1 messages (mdoc
// issuerAuth, CWT status lists) can be produced while the private key stays
// behind s. Signer.Sign hashes the message itself and returns ECDSA
// signatures as r||s, which is also the COSE form, so the signature passes
// through unchanged.
func COSE(ctx context.Context, s Signer) (cose.Signer, error) {
	alg, ok := coseAlgorithms[s.Algorithm()]
	if !ok {
		return nil, fmt.Errorf("keys: key %s signs %s, which has no COSE algorithm here", s.KeyID(), s.Algorithm())
	}
	return coseSigner{ctx: ctx, s: s, alg: alg}, nil
}

type coseSigner struct {
	ctx context.Context
	s   Signer
	alg cose.Algorithm
}

func (c coseSigner) Algorithm() cose.Algorithm { return c.alg }

// Sign signs the COSE Sig_structure; the signer draws its own randomness.
func (c coseSigner) Sign(_ io.Reader, content []byte) ([]byte, error) {
	return c.s.Sign(c.ctx, content)
}

// X5Chain returns the x5chain COSE header value (label 33, RFC 9360) of
// s's certificate chain: one certificate as a byte string, several as an
// array, as ISO/IEC 18013-5 §9.1.2.4 shows; nil without a chain.
func X5Chain(s Signer) any {
	chain := s.Chain()
	switch len(chain) {
	case 0:
		return nil
	case 1:
		return chain[0].Raw
	}
	certs := make([][]byte, len(chain))
	for i, c := range chain {
		certs[i] = c.Raw
	}
	return certs
}
