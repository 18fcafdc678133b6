package devidp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Lifetimes of what the provider hands out.
const (
	// loginLifetime is how long the sign-in page stays usable.
	loginLifetime = 10 * time.Minute
	// codeLifetime: authorization codes are short-lived (RFC 6749 §4.1.2
	// recommends at most 10 minutes; FAPI 2.0 and credmint use 60 s).
	codeLifetime = 60 * time.Second
	// tokenLifetime is the life of access tokens and ID tokens.
	tokenLifetime = 5 * time.Minute
)

// Deps are what a Provider needs.
type Deps struct {
	// Issuer is the absolute URL of the provider (http or https, no query
	// or fragment); every endpoint is served under its path.
	Issuer string
	// People can sign in; empty means DefaultPeople.
	People []Person
	// Clients are the relying parties allowed to use the provider.
	Clients []Client
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Rand is the source of codes, tokens and the signing key (default
	// crypto/rand.Reader).
	Rand io.Reader
}

// Person is a demo person: Subject is the sub claim, Claims the other claims
// released about them (email, name, birthdate, employee_id …).
type Person struct {
	Subject string
	Claims  map[string]any
}

// Client is a registered relying party: a confidential client that
// authenticates with its secret (client_secret_basic or client_secret_post).
type Client struct {
	ID, Secret string
	// RedirectURIs are compared with the request's redirect_uri exactly
	// (OpenID Connect Core §3.1.2.1).
	RedirectURIs []string
}

// Provider is the development OpenID provider. It is safe for concurrent use.
type Provider struct {
	issuer  string
	path    string // the issuer's URL path: "" or e.g. "/dev-idp"
	people  []Person
	clients map[string]Client
	now     func() time.Time
	rand    io.Reader
	kid     string
	public  jose.JSONWebKey
	signer  jose.Signer
	handler http.Handler

	mu     sync.Mutex
	logins map[string]*login       // pending sign-ins by hash of their handle
	codes  map[string]*grant       // authorization codes by hash
	tokens map[string]*accessToken // access tokens by hash
}

// New validates deps, generates the ES256 signing key and builds the
// provider.
func New(d Deps) (*Provider, error) {
	u, err := url.Parse(strings.TrimSuffix(d.Issuer, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("devidp: Issuer %q is not an absolute http(s) URL without query or fragment", d.Issuer)
	}
	if strings.ContainsAny(u.Path, "{} ") {
		return nil, fmt.Errorf("devidp: Issuer path %q has characters the router cannot serve", u.Path)
	}
	p := &Provider{issuer: u.String(), path: u.Path, now: d.Now, rand: d.Rand, people: d.People,
		clients: map[string]Client{}, logins: map[string]*login{}, codes: map[string]*grant{}, tokens: map[string]*accessToken{}}
	if p.now == nil {
		p.now = time.Now
	}
	if p.rand == nil {
		p.rand = rand.Reader
	}
	if len(p.people) == 0 {
		p.people = DefaultPeople()
	}
	if err := checkPeople(p.people); err != nil {
		return nil, err
	}
	if err := p.addClients(d.Clients); err != nil {
		return nil, err
	}
	if err := p.generateKey(); err != nil {
		return nil, err
	}
	p.handler = p.routes()
	return p, nil
}

func (p *Provider) addClients(cs []Client) error {
	if len(cs) == 0 {
		return errors.New("devidp: at least one client is required")
	}
	for _, c := range cs {
		if c.ID == "" || c.Secret == "" {
			return errors.New("devidp: every client needs an ID and a Secret")
		}
		if _, dup := p.clients[c.ID]; dup {
			return fmt.Errorf("devidp: client %q appears twice", c.ID)
		}
		if len(c.RedirectURIs) == 0 {
			return fmt.Errorf("devidp: client %q has no redirect URI", c.ID)
		}
		for _, r := range c.RedirectURIs {
			// OpenID Connect Core §3.1.2.1: absolute, no fragment.
			if ru, err := url.Parse(r); err != nil || !ru.IsAbs() || ru.Host == "" || ru.Fragment != "" || strings.Contains(r, "#") {
				return fmt.Errorf("devidp: client %q: redirect URI %q is not an absolute URL without fragment", c.ID, r)
			}
		}
		p.clients[c.ID] = c
	}
	return nil
}

// generateKey makes the ES256 key of this run; its kid is the RFC 7638
// thumbprint.
func (p *Provider) generateKey() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), p.rand)
	if err != nil {
		return fmt.Errorf("devidp: generating the signing key: %w", err)
	}
	jwk := jose.JSONWebKey{Key: &key.PublicKey, Algorithm: string(jose.ES256), Use: "sig"}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return fmt.Errorf("devidp: key thumbprint: %w", err)
	}
	p.kid = base64.RawURLEncoding.EncodeToString(tp)
	jwk.KeyID = p.kid
	p.public = jwk
	p.signer, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: p.kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return fmt.Errorf("devidp: signer: %w", err)
	}
	return nil
}

// Issuer is the provider's issuer identifier.
func (p *Provider) Issuer() string { return p.issuer }

// Handler serves the provider's endpoints under the issuer's path; requests
// for other paths get 404.
func (p *Provider) Handler() http.Handler { return p.handler }

func (p *Provider) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+p.path+"/.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET "+p.path+"/jwks", p.jwks)
	mux.HandleFunc("GET "+p.path+"/authorize", p.authorize)
	mux.HandleFunc("POST "+p.path+"/authorize", p.signIn)
	mux.HandleFunc("POST "+p.path+"/token", p.token)
	mux.HandleFunc("GET "+p.path+"/userinfo", p.userinfo)
	mux.HandleFunc("POST "+p.path+"/userinfo", p.userinfo)
	mux.HandleFunc(p.path+"/", func(w http.ResponseWriter, r *http.Request) {
		p.errorPage(w, r, http.StatusNotFound, "Not found", "The development identity provider has no page here.")
	})
	return mux
}

// endpoint is the absolute URL of one of the provider's endpoints.
func (p *Provider) endpoint(name string) string { return p.issuer + "/" + name }
