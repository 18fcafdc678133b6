package devidp

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// idToken signs the ID token of a redeemed code (OpenID Connect Core §2,
// §3.1.3.6): the person's claims, then the registered claims, which the
// person's cannot override (checkPeople refuses them).
func (p *Provider) idToken(g grant, clientID, accessTok string) (string, error) {
	person, ok := p.person(g.subject)
	if !ok {
		return "", fmt.Errorf("devidp: subject %q vanished", g.subject)
	}
	now := p.now()
	claims := person.claims()
	claims["iss"] = p.issuer
	claims["aud"] = clientID
	claims["exp"] = now.Add(tokenLifetime).Unix()
	claims["iat"] = now.Unix()
	claims["auth_time"] = g.authTime.Unix()
	claims["nonce"] = g.nonce
	// at_hash: the left half of SHA-256 of the access token (§3.1.3.6).
	sum := sha256.Sum256([]byte(accessTok))
	claims["at_hash"] = base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("devidp: ID token claims: %w", err)
	}
	jws, err := p.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("devidp: signing the ID token: %w", err)
	}
	return jws.CompactSerialize()
}

// userinfo answers the person's claims for a Bearer access token (Core §5.3;
// RFC 6750 §2.1, §3.1 for the errors).
func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	scheme, tok, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		// §3.1: no error code when the request had no authentication.
		w.Header().Set("WWW-Authenticate", `Bearer realm="devidp"`)
		writeError(w, failure(http.StatusUnauthorized, errInvalidToken, "a Bearer access token is required"))
		return
	}
	p.mu.Lock()
	t, ok := p.tokens[hash(tok)]
	p.mu.Unlock()
	if !ok || p.now().After(t.expires) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="devidp", error="invalid_token", error_description="unknown or expired access token"`)
		writeError(w, failure(http.StatusUnauthorized, errInvalidToken, "unknown or expired access token"))
		return
	}
	person, ok := p.person(t.subject)
	if !ok {
		writeError(w, failure(http.StatusUnauthorized, errInvalidToken, "unknown subject"))
		return
	}
	writeJSON(w, http.StatusOK, person.claims())
}
