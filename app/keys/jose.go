package keys

import (
	"context"
	"encoding/base64"
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

// SignJWT returns the compact JWS of payload signed by s, with the header
// typ (and cty when not empty), the signer's kid and, when it has a
// certificate chain, x5c (leaf first, trust anchor excluded). Every JOSE
// object credmint signs (SD-JWT VCs, jwt_vc_json credentials, status list
// tokens, signed metadata) goes through it.
func SignJWT(ctx context.Context, s Signer, typ, cty string, payload []byte) (string, error) {
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(typ))
	if cty != "" {
		opts = opts.WithContentType(jose.ContentType(cty))
	}
	if kid := s.KeyID(); kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	if chain := s.Chain(); len(chain) > 0 {
		x5c := make([]string, len(chain))
		for i, cert := range chain {
			x5c[i] = base64.StdEncoding.EncodeToString(cert.Raw)
		}
		opts = opts.WithHeader("x5c", x5c)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(s.Algorithm()), Key: JOSE(ctx, s)}, opts)
	if err != nil {
		return "", fmt.Errorf("keys: JWS signer for key %s: %w", s.KeyID(), err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("keys: sign with key %s: %w", s.KeyID(), err)
	}
	return jws.CompactSerialize()
}
