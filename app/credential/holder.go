package credential

import (
	"encoding/json"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// publicMembers are the JWK members a holder key keeps for each key type:
// the public key only, never d, kid, alg, use or x5c.
var publicMembers = map[string][]string{
	"EC":  {"kty", "crv", "x", "y"},
	"OKP": {"kty", "crv", "x"},
	"RSA": {"kty", "n", "e"},
}

// HolderJWK returns the public JWK of the holder key k as the formats put
// it into a credential: cnf.jwk (RFC 7800 §3.2) of SD-JWT VCs and
// jwt_vc_json, and the did:jwk of jwt_vc_json. Only the public members of
// its key type are kept.
func HolderJWK(k *jose.JSONWebKey) (map[string]any, error) {
	pub := k.Public()
	if pub.Key == nil || !pub.IsPublic() || !pub.Valid() {
		return nil, fmt.Errorf("credential: holder key is not a usable asymmetric key (%T)", k.Key)
	}
	raw, err := (&jose.JSONWebKey{Key: pub.Key}).MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("credential: holder key: %w", err)
	}
	var all map[string]any
	if err := json.Unmarshal(raw, &all); err != nil {
		return nil, fmt.Errorf("credential: holder key: %w", err)
	}
	kty, _ := all["kty"].(string)
	members, ok := publicMembers[kty]
	if !ok {
		return nil, fmt.Errorf("credential: holder key type %q is not supported", kty)
	}
	jwk := make(map[string]any, len(members))
	for _, m := range members {
		if v, ok := all[m]; ok {
			jwk[m] = v
		}
	}
	return jwk, nil
}
