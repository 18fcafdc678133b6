package issuance

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"credmint/app/credential"
)

// verifiedProof is a jwt key proof that passed every check but the nonce's
// single use, which is spent once per request.
type verifiedProof struct {
	Key        jose.JSONWebKey // public
	Thumbprint string
	Nonce      string
}

type proofHeader struct {
	Typ string          `json:"typ"`
	Alg string          `json:"alg"`
	Kid *string         `json:"kid"`
	JWK json.RawMessage `json:"jwk"`
	X5C []string        `json:"x5c"`
}

type proofClaims struct {
	Aud   audience `json:"aud"`
	Iat   *float64 `json:"iat"`
	Nonce *string  `json:"nonce"`
}

// audience accepts the string form the spec requires and, leniently, an
// array holding it.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("aud must be a string")
	}
	*a = many
	return nil
}

// verifyJWTProof checks one jwt proof (OID4VCI Appendix F.1 and F.4): typ,
// an allowed asymmetric alg, exactly one of jwk/kid/x5c, a public key, the
// signature, aud = issuer, iat within the window, and a well-formed nonce
// minted here.
func (s *Service) verifyJWTProof(raw string, cfg *credential.Configuration) (*verifiedProof, *Error) {
	fail := func(format string, args ...any) (*verifiedProof, *Error) {
		return nil, badRequest(CodeInvalidProof, format, args...)
	}
	hdr, err := decodeProofHeader(raw)
	if err != nil {
		return fail("proof is not a compact JWS: %v", err)
	}
	if hdr.Typ != ProofJWTType {
		return fail("proof typ must be %q", ProofJWTType)
	}
	if hasPrivateMembers(hdr.JWK) {
		return fail("proof jwk must be a public key, it holds private key material")
	}
	algs := make([]jose.SignatureAlgorithm, len(cfg.ProofSigningAlgs))
	for i, a := range cfg.ProofSigningAlgs {
		algs[i] = jose.SignatureAlgorithm(a)
	}
	jws, err := jose.ParseSigned(raw, algs)
	if err != nil || len(jws.Signatures) != 1 {
		return fail("proof must be a JWS signed with one of %s (alg %q)", strings.Join(cfg.ProofSigningAlgs, ", "), hdr.Alg)
	}
	key, err := proofKey(hdr, jws.Signatures[0].Protected)
	if err != nil {
		return fail("%v", err)
	}
	payload, err := jws.Verify(key.Key)
	if err != nil {
		return fail("proof signature does not verify with its key")
	}
	var claims proofClaims
	if err := json.Unmarshal(payload, &claims); err != nil {
		return fail("proof payload is not a JSON object with the expected claims: %v", err)
	}
	if len(claims.Aud) != 1 || claims.Aud[0] != s.Issuer {
		return fail("proof aud must be the credential issuer identifier %q", s.Issuer)
	}
	if claims.Iat == nil {
		return fail("proof iat is required")
	}
	iat := time.Unix(int64(*claims.Iat), 0)
	now := s.now()
	if iat.Before(now.Add(-s.Policy.ProofIATWindow)) || iat.After(now.Add(maxClockSkew)) {
		return fail("proof iat is outside the accepted window")
	}
	if claims.Nonce == nil || *claims.Nonce == "" {
		return fail("proof nonce is required: get a c_nonce from %s", s.NonceEndpoint())
	}
	tp, err := key.Thumbprint(crypto.SHA256)
	if err != nil {
		return fail("cannot compute the proof key's thumbprint")
	}
	return &verifiedProof{Key: key, Thumbprint: base64.RawURLEncoding.EncodeToString(tp), Nonce: *claims.Nonce}, nil
}

func decodeProofHeader(raw string) (*proofHeader, error) {
	seg, _, ok := strings.Cut(raw, ".")
	if !ok {
		return nil, fmt.Errorf("no header segment")
	}
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return nil, fmt.Errorf("header is not base64url")
	}
	var h proofHeader
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, fmt.Errorf("header is not a JSON object")
	}
	return &h, nil
}

// proofKey returns the public key a proof names: exactly one of jwk, kid or
// x5c must be present (Appendix F.1). credmint binds to JWKs, so kid (a DID
// URL) is refused; an x5c leaf's key is accepted as the holder key.
func proofKey(h *proofHeader, protected jose.Header) (jose.JSONWebKey, error) {
	n := 0
	for _, present := range []bool{h.Kid != nil, h.JWK != nil, h.X5C != nil} {
		if present {
			n++
		}
	}
	if n != 1 {
		return jose.JSONWebKey{}, fmt.Errorf("proof header must carry exactly one of jwk, kid and x5c")
	}
	switch {
	case h.JWK != nil:
		k := protected.JSONWebKey
		if k == nil || !k.Valid() {
			return jose.JSONWebKey{}, fmt.Errorf("proof jwk is not a valid key")
		}
		if !k.IsPublic() {
			return jose.JSONWebKey{}, fmt.Errorf("proof jwk must be a public key, it holds private key material")
		}
		return jose.JSONWebKey{Key: k.Key, Algorithm: k.Algorithm}, nil
	case h.X5C != nil:
		if len(h.X5C) == 0 {
			return jose.JSONWebKey{}, fmt.Errorf("proof x5c is empty")
		}
		der, err := base64.StdEncoding.DecodeString(h.X5C[0])
		if err != nil {
			return jose.JSONWebKey{}, fmt.Errorf("proof x5c[0] is not base64")
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return jose.JSONWebKey{}, fmt.Errorf("proof x5c[0] is not an X.509 certificate")
		}
		return jose.JSONWebKey{Key: cert.PublicKey}, nil
	default:
		return jose.JSONWebKey{}, fmt.Errorf("proof kid (DID) binding is not supported: send the key as jwk")
	}
}

// hasPrivateMembers reports whether a raw JWK carries private key members.
func hasPrivateMembers(raw json.RawMessage) bool {
	if raw == nil {
		return false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return false
	}
	for _, k := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}
