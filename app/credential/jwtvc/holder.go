package jwtvc

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/go-jose/go-jose/v4"

	"credmint/app/credential"
)

// holderInfo is the holder's public key as cnf.jwk and as a did:jwk.
type holderInfo struct {
	jwk map[string]any
	did string
}

// newHolderInfo returns the public JWK of k for cnf.jwk (RFC 7800 §3.2) and
// its did:jwk, "did:jwk:" + base64url of the JWK's JSON (did:jwk method
// specification). The JSON has its members in lexicographic order.
func newHolderInfo(k *jose.JSONWebKey) (*holderInfo, error) {
	jwk, err := credential.HolderJWK(k)
	if err != nil {
		return nil, fmt.Errorf("jwtvc: %w", err)
	}
	doc, err := json.Marshal(jwk) // map keys are sorted
	if err != nil {
		return nil, fmt.Errorf("jwtvc: holder key: %w", err)
	}
	return &holderInfo{jwk: jwk, did: "did:jwk:" + base64.RawURLEncoding.EncodeToString(doc)}, nil
}
