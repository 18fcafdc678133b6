package sdjwt

import (
	"encoding/json"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// publicMembers are the JWK members cnf.jwk keeps for each key type: the
// public key only, never d, kid, alg, use or x5c.
var publicMembers = map[string][]string{
	"EC":  {"kty", "crv", "x", "y"},
	"OKP": {"kty", "crv", "x"},
	"RSA": {"kty", "n", "e"},
}

// holderJWK returns the public JWK of k for the cnf claim (RFC 7800 §3.2,
// SD-JWT VC -13 holder binding).
func holderJWK(k *jose.JSONWebKey) (map[string]any, error) {
	pub := k.Public()
	if pub.Key == nil || !pub.IsPublic() || !pub.Valid() {
		return nil, fmt.Errorf("sdjwt: holder key is not a usable asymmetric key (%T)", k.Key)
	}
	raw, err := (&jose.JSONWebKey{Key: pub.Key}).MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("sdjwt: holder key: %w", err)
	}
	var all map[string]any
	if err := json.Unmarshal(raw, &all); err != nil {
		return nil, fmt.Errorf("sdjwt: holder key: %w", err)
	}
	kty, _ := all["kty"].(string)
	members, ok := publicMembers[kty]
	if !ok {
		return nil, fmt.Errorf("sdjwt: holder key type %q is not supported", kty)
	}
	jwk := make(map[string]any, len(members))
	for _, m := range members {
		if v, ok := all[m]; ok {
			jwk[m] = v
		}
	}
	return jwk, nil
}
