package devidp

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"
)

// HTTPClient returns a client that answers requests for the provider's own
// URLs in process, without the network, and sends every other request
// through http.DefaultTransport. An application that mounts the provider
// gives it to its OpenID client (go-oidc's oidc.ClientContext, oauth2's
// oauth2.HTTPClient), so discovery works before its listener is up and
// whether or not the public URL can be reached from inside.
func (p *Provider) HTTPClient() *http.Client {
	return &http.Client{Transport: inProcess{p: p, next: http.DefaultTransport}, Timeout: 10 * time.Second}
}

type inProcess struct {
	p    *Provider
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	if !t.p.owns(r.URL) {
		return t.next.RoundTrip(r)
	}
	in := r.Clone(r.Context())
	if in.Body == nil {
		in.Body = http.NoBody
	}
	in.RequestURI = in.URL.RequestURI()
	rec := httptest.NewRecorder()
	t.p.handler.ServeHTTP(rec, in)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// owns reports whether u is one of the provider's URLs.
func (p *Provider) owns(u *url.URL) bool {
	iss, _ := url.Parse(p.issuer)
	return u.Scheme == iss.Scheme && u.Host == iss.Host && (u.Path == p.path || strings.HasPrefix(u.Path, p.path+"/"))
}
