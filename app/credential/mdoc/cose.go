package mdoc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"fmt"
	"io"

	"github.com/veraison/go-cose"

	"credmint/app/keys"
)

// coseAlgorithms maps the JOSE algorithm names of credmint's keys and
// configurations to COSE algorithm identifiers (RFC 9053 §2.1).
var coseAlgorithms = map[string]cose.Algorithm{
	"ES256": cose.AlgorithmES256, // -7
}

// coseSigner adapts a keys.Signer to go-cose's Signer. keys.Signer hashes
// the message itself and returns ECDSA signatures as r||s, which is also
// the COSE form (RFC 9053 §2.1), so the signature passes through unchanged.
type coseSigner struct {
	ctx context.Context
	s   keys.Signer
	alg cose.Algorithm
}

func (c coseSigner) Algorithm() cose.Algorithm { return c.alg }

// Sign signs the COSE Sig_structure; the signer draws its own randomness.
func (c coseSigner) Sign(_ io.Reader, content []byte) ([]byte, error) {
	return c.s.Sign(c.ctx, content)
}

// sign returns issuerAuth: an untagged COSE_Sign1 over payload (the
// tag-24-wrapped MSO) with the algorithm in the protected header and the
// signer's certificate chain as x5chain in the unprotected header (ISO/IEC
// 18013-5 §9.1.2.4: one certificate is a bstr, several an array).
func sign(ctx context.Context, s keys.Signer, payload []byte) ([]byte, error) {
	alg, ok := coseAlgorithms[s.Algorithm()]
	if !ok {
		return nil, fmt.Errorf("mdoc: key %s signs %s, which has no COSE algorithm here", s.KeyID(), s.Algorithm())
	}
	chain := s.Chain()
	if len(chain) == 0 {
		return nil, fmt.Errorf("mdoc: key %s has no certificate: an mdoc's issuerAuth needs the document signer certificate in x5chain", s.KeyID())
	}
	if pub, ok := chain[0].PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(s.Public()) {
		return nil, fmt.Errorf("mdoc: the certificate of key %s does not certify that key", s.KeyID())
	}
	var x5chain any
	if len(chain) == 1 {
		x5chain = chain[0].Raw
	} else {
		certs := make([][]byte, len(chain))
		for i, c := range chain {
			certs[i] = c.Raw
		}
		x5chain = certs
	}
	msg := cose.UntaggedSign1Message{
		Headers: cose.Headers{
			Protected:   cose.ProtectedHeader{cose.HeaderLabelAlgorithm: alg},
			Unprotected: cose.UnprotectedHeader{cose.HeaderLabelX5Chain: x5chain},
		},
		Payload: payload,
	}
	if err := msg.Sign(nil, nil, coseSigner{ctx: ctx, s: s, alg: alg}); err != nil {
		return nil, fmt.Errorf("mdoc: sign with key %s: %w", s.KeyID(), err)
	}
	out, err := msg.MarshalCBOR()
	if err != nil {
		return nil, fmt.Errorf("mdoc: encoding issuerAuth: %w", err)
	}
	return out, nil
}

// coseKey encodes the holder's public key as a COSE_Key (RFC 9052 §7,
// RFC 9053 §7): EC2 with crv, x and y for ECDSA keys, OKP with crv and x for
// Ed25519. No alg is set: the device key serves mdoc device
// authentication, whose algorithm the reader and the device agree on.
func coseKey(pub any) ([]byte, error) {
	switch pub.(type) {
	case *ecdsa.PublicKey, ed25519.PublicKey:
	default:
		return nil, fmt.Errorf("mdoc: holder key of type %T cannot be a device key (want an EC or Ed25519 public key)", pub)
	}
	k, err := cose.NewKeyFromPublic(pub)
	if err != nil {
		return nil, fmt.Errorf("mdoc: holder key as COSE_Key: %w", err)
	}
	k.Algorithm = cose.AlgorithmReserved
	b, err := k.MarshalCBOR()
	if err != nil {
		return nil, fmt.Errorf("mdoc: encoding the device key: %w", err)
	}
	return b, nil
}
