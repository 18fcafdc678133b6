package devidp

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	views "credmint/views/devidp"
)

// login is a validated authorization request waiting for the person to
// choose who they are.
type login struct {
	clientID, redirectURI, scope, state, nonce, challenge string
	expires                                               time.Time
}

// challengePattern: an S256 code_challenge is the unpadded base64url of a
// SHA-256 digest (RFC 7636 §4.2).
var challengePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// authorize validates an authentication request (OpenID Connect Core
// §3.1.2.1) and shows the sign-in page.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	client, redirectURI, ok := p.trustedClient(w, r, q)
	if !ok {
		return
	}
	l, e := parseAuthRequest(q)
	if e != nil {
		p.redirectError(w, r, redirectURI, l.state, e)
		return
	}
	l.clientID, l.redirectURI = client.ID, redirectURI
	handle, err := p.startLogin(l)
	if err != nil {
		p.errorPage(w, r, http.StatusInternalServerError, "Something went wrong", "The sign-in could not be started.")
		return
	}
	props := views.SignInProps{Action: p.path + "/authorize", Login: handle, ClientID: client.ID, Scope: l.scope}
	for _, person := range p.people {
		props.People = append(props.People, person.card())
	}
	p.render(w, r, http.StatusOK, views.SignIn(props), origin(redirectURI))
}

// trustedClient checks client_id and redirect_uri. Until both are known
// errors go to an error page, never to the redirect URI (RFC 6749
// §4.1.2.1; Core §3.1.2.1 requires an exact redirect_uri match).
func (p *Provider) trustedClient(w http.ResponseWriter, r *http.Request, q url.Values) (Client, string, bool) {
	id, once := single(q, "client_id")
	client, known := p.clients[id]
	if !once || !known {
		p.errorPage(w, r, http.StatusBadRequest, "Unknown application",
			"The request's client_id is missing, repeated or not registered with this provider, so you are not sent back to the application.")
		return Client{}, "", false
	}
	redirectURI, once := single(q, "redirect_uri")
	if !once || !slices.Contains(client.RedirectURIs, redirectURI) {
		p.errorPage(w, r, http.StatusBadRequest, "Redirect URI not registered",
			"The request's redirect_uri is missing or is not exactly one registered for "+client.ID+", so you are not sent back to it.")
		return Client{}, "", false
	}
	return client, redirectURI, true
}

// parseAuthRequest checks the rest of the request; the returned login holds
// the state even on error, so the error can carry it back.
func parseAuthRequest(q url.Values) (login, *oauthError) {
	l := login{scope: q.Get("scope"), state: q.Get("state"), nonce: q.Get("nonce"), challenge: q.Get("code_challenge")}
	// RFC 6749 §3.1: parameters must not be included more than once.
	for _, name := range []string{"response_type", "scope", "state", "nonce", "code_challenge", "code_challenge_method", "response_mode", "prompt"} {
		if _, once := single(q, name); !once {
			return l, failure(0, errInvalidRequest, "%s appears more than once", name)
		}
	}
	switch {
	case q.Get("response_type") != "code": // only the code flow (Core §3.1.2.1)
		return l, failure(0, errUnsupportedResponseType, "response_type must be code")
	case !slices.Contains(strings.Fields(l.scope), "openid"):
		return l, failure(0, errInvalidScope, "scope must contain openid")
	case q.Get("response_mode") != "" && q.Get("response_mode") != "query":
		return l, failure(0, errInvalidRequest, "response_mode must be query")
	case slices.Contains(strings.Fields(q.Get("prompt")), "none"):
		// Core §3.1.2.6: the provider keeps no session, so it cannot
		// sign anyone in without showing its page.
		return l, failure(0, errLoginRequired, "this provider always shows its sign-in page")
	case l.state == "":
		// Optional in RFC 6749; required here so relying parties are
		// tested with CSRF protection (RFC 6749 §10.12).
		return l, failure(0, errInvalidRequest, "state is required")
	case l.nonce == "":
		// Optional for the code flow (Core §3.1.2.1); required here so ID
		// tokens can always be tied to the request (Core §15.5.2).
		return l, failure(0, errInvalidRequest, "nonce is required")
	case l.challenge == "":
		return l, failure(0, errInvalidRequest, "code_challenge is required (PKCE with S256)")
	case q.Get("code_challenge_method") != "S256":
		// RFC 7636 §4.4.1; a missing method means plain (§4.3).
		return l, failure(0, errInvalidRequest, "code_challenge_method must be S256; plain is refused")
	case !challengePattern.MatchString(l.challenge):
		return l, failure(0, errInvalidRequest, "code_challenge is not a base64url SHA-256 digest")
	}
	return l, nil
}

// signIn is the form post of the sign-in page: the chosen person gets a code
// (Core §3.1.2.5), or cancel returns access_denied (Core §3.1.2.6).
func (p *Provider) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		p.errorPage(w, r, http.StatusBadRequest, "Bad request", "The form could not be read.")
		return
	}
	cancel := r.PostForm.Get("cancel") != ""
	person, known := p.person(r.PostForm.Get("subject"))
	if !cancel && !known {
		p.errorPage(w, r, http.StatusBadRequest, "Unknown person", "Choose one of the people on the sign-in page.")
		return
	}
	l, ok := p.takeLogin(r.PostForm.Get("login"))
	if !ok {
		p.errorPage(w, r, http.StatusBadRequest, "Sign-in expired",
			"This sign-in has expired or was already used. Go back to the application and start again.")
		return
	}
	if cancel {
		p.redirectError(w, r, l.redirectURI, l.state, failure(0, errAccessDenied, "the person cancelled the sign-in"))
		return
	}
	code, err := p.issueCode(l, person.Subject)
	if err != nil {
		p.errorPage(w, r, http.StatusInternalServerError, "Something went wrong", "No code could be issued.")
		return
	}
	p.redirect(w, r, l.redirectURI, url.Values{"code": {code}, "state": {l.state}})
}

// startLogin keeps a validated request under a fresh random handle.
func (p *Provider) startLogin(l login) (string, error) {
	handle, err := p.random(32)
	if err != nil {
		return "", err
	}
	now := p.now()
	l.expires = now.Add(loginLifetime)
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, v := range p.logins {
		if now.After(v.expires) {
			delete(p.logins, k)
		}
	}
	p.logins[hash(handle)] = &l
	return handle, nil
}

// takeLogin removes and returns the pending sign-in: a handle works once.
func (p *Provider) takeLogin(handle string) (login, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok := p.logins[hash(handle)]
	delete(p.logins, hash(handle))
	if !ok || p.now().After(l.expires) {
		return login{}, false
	}
	return *l, true
}

// single returns the parameter's value and whether it appears at most once.
func single(q url.Values, name string) (string, bool) {
	vs := q[name]
	if len(vs) > 1 {
		return "", false
	}
	return q.Get(name), true
}

// origin is the scheme://host of a URL, for the page's form-action.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
