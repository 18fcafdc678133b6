package keys

import (
	"context"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// JOSE adapts s to go-jose's OpaqueSigner, so JWS can be produced with
// go-jose while the private key stays behind s.
func JOSE(ctx context.Context, s Signer) jose.OpaqueSigner {
	return joseSigner{ctx: ctx, s: s}
}

type joseSigner struct {
	ctx context.Context
	s   Signer
}

func (j joseSigner) Public() *jose.JSONWebKey {
	return &jose.JSONWebKey{Key: j.s.Public(), KeyID: j.s.KeyID(), Algorithm: j.s.Algorithm(), Use: "sig"}
}

func (j joseSigner) Algs() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{jose.SignatureAlgorithm(j.s.Algorithm())}
}

func (j joseSigner) SignPayload(payload []byte, alg jose.SignatureAlgorithm) ([]byte, error) {
	if string(alg) != j.s.Algorithm() {
		return nil, fmt.Errorf("keys: key %s signs %s, not %s", j.s.KeyID(), j.s.Algorithm(), alg)
	}
	return j.s.Sign(j.ctx, payload)
}
