package devidp

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"time"
)

// grant is an issued authorization code.
type grant struct {
	clientID, redirectURI, subject, nonce, challenge, scope string
	authTime, expires                                       time.Time
	// spent is set by the first redemption; token is the hash of the
	// access token issued then, revoked if the code comes back.
	spent bool
	token string
}

// accessToken is an issued Bearer token for UserInfo.
type accessToken struct {
	subject string
	expires time.Time
}

// verifierPattern is a code_verifier's syntax (RFC 7636 §4.1).
var verifierPattern = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// tokenResponse is the successful token response (RFC 6749 §5.1, Core
// §3.1.3.3).
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	IDToken     string `json:"id_token"`
	Scope       string `json:"scope"`
}

// token is the token endpoint: the authorization_code grant only
// (RFC 6749 §4.1.3, Core §3.1.3).
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		writeError(w, failure(http.StatusBadRequest, errInvalidRequest, "the body must be application/x-www-form-urlencoded"))
		return
	}
	form := r.PostForm
	client, e := p.authenticate(r, form)
	if e != nil {
		if _, _, basic := r.BasicAuth(); basic {
			// RFC 6749 §5.2: 401 with the scheme the client used.
			w.Header().Set("WWW-Authenticate", `Basic realm="devidp"`)
		}
		writeError(w, e)
		return
	}
	code, redirectURI, verifier, e := tokenParams(form)
	if e != nil {
		writeError(w, e)
		return
	}
	accessTok, err := p.random(32)
	if err != nil {
		writeError(w, failure(http.StatusInternalServerError, "server_error", "no token could be issued"))
		return
	}
	g, e := p.redeem(code, client.ID, redirectURI, verifier, accessTok)
	if e != nil {
		writeError(w, e)
		return
	}
	idToken, err := p.idToken(g, client.ID, accessTok)
	if err != nil {
		writeError(w, failure(http.StatusInternalServerError, "server_error", "no ID token could be signed"))
		return
	}
	writeJSON(w, http.StatusOK, tokenResponse{AccessToken: accessTok, TokenType: "Bearer", ExpiresIn: int(tokenLifetime / time.Second), IDToken: idToken, Scope: g.scope})
}

// authenticate checks client_secret_basic or client_secret_post (RFC 6749
// §2.3.1); using both at once is refused (§2.3).
func (p *Provider) authenticate(r *http.Request, form url.Values) (Client, *oauthError) {
	id, secret, basic := r.BasicAuth()
	if basic {
		if form.Has("client_secret") {
			return Client{}, failure(http.StatusBadRequest, errInvalidRequest, "use one client authentication method, not two")
		}
		// §2.3.1: both are form-urlencoded before base64.
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return Client{}, failure(http.StatusUnauthorized, errInvalidClient, "malformed client credentials")
		}
		if form.Has("client_id") && form.Get("client_id") != id {
			return Client{}, failure(http.StatusBadRequest, errInvalidRequest, "client_id differs from the authenticated client")
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	c, ok := p.clients[id]
	// Compare digests so the time does not depend on how much matched.
	want, got := sha256.Sum256([]byte(c.Secret)), sha256.Sum256([]byte(secret))
	if !ok || secret == "" || subtle.ConstantTimeCompare(want[:], got[:]) != 1 {
		return Client{}, failure(http.StatusUnauthorized, errInvalidClient, "client authentication failed")
	}
	return c, nil
}

// tokenParams reads the grant's parameters; each must appear once
// (RFC 6749 §3.2).
func tokenParams(form url.Values) (code, redirectURI, verifier string, e *oauthError) {
	for _, name := range []string{"grant_type", "code", "redirect_uri", "code_verifier"} {
		if _, once := single(form, name); !once {
			return "", "", "", failure(http.StatusBadRequest, errInvalidRequest, "%s appears more than once", name)
		}
	}
	switch gt := form.Get("grant_type"); {
	case gt == "":
		return "", "", "", failure(http.StatusBadRequest, errInvalidRequest, "grant_type is required")
	case gt != "authorization_code":
		return "", "", "", failure(http.StatusBadRequest, errUnsupportedGrantType, "only authorization_code is supported")
	}
	code, redirectURI, verifier = form.Get("code"), form.Get("redirect_uri"), form.Get("code_verifier")
	switch {
	case code == "":
		return "", "", "", failure(http.StatusBadRequest, errInvalidRequest, "code is required")
	case redirectURI == "":
		// §4.1.3: required when the authorization request had one, and
		// here it always has.
		return "", "", "", failure(http.StatusBadRequest, errInvalidRequest, "redirect_uri is required")
	case verifier == "":
		return "", "", "", failure(http.StatusBadRequest, errInvalidRequest, "code_verifier is required (PKCE)")
	case !verifierPattern.MatchString(verifier):
		return "", "", "", failure(http.StatusBadRequest, errInvalidRequest, "code_verifier must be 43 to 128 unreserved characters")
	}
	return code, redirectURI, verifier, nil
}

// redeem spends the code and records the access token, under one lock. The
// first presentation spends it whatever the outcome; a code that comes back
// after it was spent also revokes the token issued with it (RFC 6749
// §4.1.2, §10.5).
func (p *Provider) redeem(code, clientID, redirectURI, verifier, accessTok string) (grant, *oauthError) {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.codes[hash(code)]
	switch {
	case !ok:
		return grant{}, failure(http.StatusBadRequest, errInvalidGrant, "unknown or expired code")
	case g.spent:
		delete(p.tokens, g.token)
		return grant{}, failure(http.StatusBadRequest, errInvalidGrant, "the code was already used; the tokens issued with it are revoked")
	}
	g.spent = true
	switch {
	case now.After(g.expires):
		return grant{}, failure(http.StatusBadRequest, errInvalidGrant, "unknown or expired code")
	case g.clientID != clientID:
		return grant{}, failure(http.StatusBadRequest, errInvalidGrant, "the code was issued to another client")
	case g.redirectURI != redirectURI: // §4.1.3: identical
		return grant{}, failure(http.StatusBadRequest, errInvalidGrant, "redirect_uri differs from the authorization request")
	case !pkceMatches(verifier, g.challenge): // RFC 7636 §4.6
		return grant{}, failure(http.StatusBadRequest, errInvalidGrant, "code_verifier does not match the code_challenge")
	}
	g.token = hash(accessTok)
	p.tokens[g.token] = &accessToken{subject: g.subject, expires: now.Add(tokenLifetime)}
	return *g, nil
}

// pkceMatches is the S256 check: BASE64URL(SHA256(verifier)) == challenge.
func pkceMatches(verifier, challenge string) bool {
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// issueCode stores a new code for the person's sign-in.
func (p *Provider) issueCode(l login, subject string) (string, error) {
	code, err := p.random(32)
	if err != nil {
		return "", err
	}
	now := p.now()
	g := &grant{clientID: l.clientID, redirectURI: l.redirectURI, subject: subject, nonce: l.nonce, challenge: l.challenge,
		scope: l.scope, authTime: now, expires: now.Add(codeLifetime)}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prune(now)
	p.codes[hash(code)] = g
	return code, nil
}

// prune forgets codes once neither they nor their tokens can be used, and
// expired access tokens. The caller holds the lock.
func (p *Provider) prune(now time.Time) {
	for k, g := range p.codes {
		if now.After(g.expires.Add(tokenLifetime)) {
			delete(p.codes, k)
		}
	}
	for k, t := range p.tokens {
		if now.After(t.expires) {
			delete(p.tokens, k)
		}
	}
}
