package mdoc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"fmt"

	"github.com/veraison/go-cose"

	"credmint/app/keys"
)

// sign returns issuerAuth: an untagged COSE_Sign1 over payload (the
// tag-24-wrapped MSO) with the algorithm in the protected header and the
// signer's certificate chain as x5chain in the unprotected header (ISO/IEC
// 18013-5 §9.1.2.4: one certificate is a bstr, several an array).
func sign(ctx context.Context, s keys.Signer, payload []byte) ([]byte, error) {
	cs, err := keys.COSE(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("mdoc: %w", err)
	}
	chain := s.Chain()
	if len(chain) == 0 {
		return nil, fmt.Errorf("mdoc: key %s has no certificate: an mdoc's issuerAuth needs the document signer certificate in x5chain", s.KeyID())
	}
	if pub, ok := chain[0].PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(s.Public()) {
		return nil, fmt.Errorf("mdoc: the certificate of key %s does not certify that key", s.KeyID())
	}
	msg := cose.UntaggedSign1Message{
		Headers: cose.Headers{
			Protected:   cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cs.Algorithm()},
			Unprotected: cose.UnprotectedHeader{cose.HeaderLabelX5Chain: keys.X5Chain(s)},
		},
		Payload: payload,
	}
	if err := msg.Sign(nil, nil, cs); err != nil {
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
