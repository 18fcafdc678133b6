package devidp

import (
	"maps"
	"net/http"
	"slices"

	"github.com/go-jose/go-jose/v4"
)

// metadata is the OpenID Provider Metadata (OpenID Connect Discovery 1.0
// §3); issuer must equal the URL the document was fetched from (§4.3).
type metadata struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
	// AuthorizationResponseIssParameterSupported: RFC 9207 §3.
	AuthorizationResponseIssParameterSupported bool `json:"authorization_response_iss_parameter_supported"`
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	claims := map[string]bool{"sub": true, "iss": true, "aud": true, "exp": true, "iat": true, "auth_time": true, "nonce": true}
	for _, person := range p.people {
		for k := range person.Claims {
			claims[k] = true
		}
	}
	writeJSON(w, http.StatusOK, metadata{
		Issuer:                                     p.issuer,
		AuthorizationEndpoint:                      p.endpoint("authorize"),
		TokenEndpoint:                              p.endpoint("token"),
		UserinfoEndpoint:                           p.endpoint("userinfo"),
		JWKSURI:                                    p.endpoint("jwks"),
		ResponseTypesSupported:                     []string{"code"},
		ResponseModesSupported:                     []string{"query"},
		GrantTypesSupported:                        []string{"authorization_code"},
		SubjectTypesSupported:                      []string{"public"},
		IDTokenSigningAlgValuesSupported:           []string{string(jose.ES256)},
		CodeChallengeMethodsSupported:              []string{"S256"},
		TokenEndpointAuthMethodsSupported:          []string{"client_secret_basic", "client_secret_post"},
		ScopesSupported:                            []string{"openid", "profile", "email"},
		ClaimsSupported:                            slices.Sorted(maps.Keys(claims)),
		AuthorizationResponseIssParameterSupported: true,
	})
}

// jwks is the provider's JWK Set (RFC 7517 §5): the public key only.
func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{p.public}})
}
