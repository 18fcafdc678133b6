package jwtvc

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// publicMembers are the JWK members kept for each key type: the public key
// only, never d, kid, alg, use or x5c.
var publicMembers = map[string][]string{
	"EC":  {"kty", "crv", "x", "y"},
	"OKP": {"kty", "crv", "x"},
	"RSA": {"kty", "n", "e"},
}

// holderInfo is the holder's public key as cnf.jwk and as a did:jwk.
type holderInfo struct {
	jwk map[string]any
	did string
}

// newHolderInfo returns the public JWK of k for cnf.jwk (RFC 7800 §3.2) and
// its did:jwk, "did:jwk:" + base64url of the JWK's JSON (did:jwk method
// specification). The JSON has its members in lexicographic order.
func newHolderInfo(k *jose.JSONWebKey) (*holderInfo, error) {
	pub := k.Public()
	if pub.Key == nil || !pub.IsPublic() || !pub.Valid() {
		return nil, fmt.Errorf("jwtvc: holder key is not a usable asymmetric key (%T)", k.Key)
	}
	raw, err := (&jose.JSONWebKey{Key: pub.Key}).MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("jwtvc: holder key: %w", err)
	}
	var all map[string]any
	if err := json.Unmarshal(raw, &all); err != nil {
		return nil, fmt.Errorf("jwtvc: holder key: %w", err)
	}
	kty, _ := all["kty"].(string)
	members, ok := publicMembers[kty]
	if !ok {
		return nil, fmt.Errorf("jwtvc: holder key type %q is not supported", kty)
	}
	jwk := make(map[string]any, len(members))
	for _, m := range members {
		if v, ok := all[m]; ok {
			jwk[m] = v
		}
	}
	doc, err := json.Marshal(jwk) // map keys are sorted
	if err != nil {
		return nil, fmt.Errorf("jwtvc: holder key: %w", err)
	}
	return &holderInfo{jwk: jwk, did: "did:jwk:" + base64.RawURLEncoding.EncodeToString(doc)}, nil
}
