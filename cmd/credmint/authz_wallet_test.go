package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"credmint/app/credential"
	"credmint/config"
)

// The wallet registered for the authorization code flow in these tests.
const (
	testWalletClient   = "wallet.test"
	testWalletName     = "Test Wallet"
	testWalletRedirect = "https://wallet.test/callback"
)

// withAuthz registers the test wallet and maps the development provider's
// claims into the staff badge, and adds member_card, whose data comes from
// an uploaded applicant matched by email.
func withAuthz(mutate ...func(*config.Config)) harnessOption {
	return func(c *config.Config, _ *harnessSettings) {
		c.WalletClients = append(c.WalletClients, config.WalletClient{ClientID: testWalletClient, Name: testWalletName, RedirectURIs: []string{testWalletRedirect}})
		c.CredentialConfigurations[0].UpstreamClaims = []credential.UpstreamClaim{
			{Claim: "given_name", From: "given_name"},
			{Claim: "family_name", From: "family_name"},
			{Claim: "employee_id", From: "employee_id", Transform: credential.TransformUpper},
			{Claim: "birthdate", From: "birthdate", Transform: credential.TransformDate},
		}
		c.CredentialConfigurations = append(c.CredentialConfigurations, credential.Configuration{
			ID: "member_card", Format: "dc+sd-jwt", VCT: "urn:credmint:test:member:1", Scope: "member_card",
			Display: []credential.Display{{Name: "Member card", Locale: "en"}},
			Claims: []credential.Claim{
				{Path: []any{"given_name"}, Mandatory: true, Type: credential.TypeString, Display: []credential.ClaimDisplay{{Name: "First name"}}},
				{Path: []any{"family_name"}, Mandatory: true, Type: credential.TypeString},
				{Path: []any{"full_name"}, Type: credential.TypeString},
				{Path: []any{"member_number"}, Mandatory: true, Type: credential.TypeString, Display: []credential.ClaimDisplay{{Name: "Member number"}}},
				{Path: []any{"country"}, Type: credential.TypeString},
			},
			UpstreamClaims: []credential.UpstreamClaim{
				{Claim: "given_name", From: "given_name"},
				{Claim: "family_name", From: "family_name"},
				{Claim: "full_name", FromAll: []string{"given_name", "family_name"}},
				{Claim: "country", Constant: "NL"},
			},
			ApplicantMatch: &credential.ApplicantMatch{By: credential.MatchByEmail, UpstreamClaim: "email"},
		})
		for _, m := range mutate {
			m(c)
		}
	}
}

// authzWallet is a wallet using the authorization code flow, written for
// the tests: it speaks HTTP, and plays the person's browser (a cookie jar,
// redirects looked at one by one) through the logins and consent.
type authzWallet struct {
	*wallet
	browser  *http.Client
	verifier string
}

func newAuthzWallet(t *testing.T, h *harness) *authzWallet {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &authzWallet{wallet: newWallet(t, h), browser: b, verifier: base64.RawURLEncoding.EncodeToString(randomBytes(t, 32))}
}

func (aw *authzWallet) challenge() string {
	sum := sha256.Sum256([]byte(aw.verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// parForm is a pushed authorization request asking for params (which
// replace the defaults: S256 PKCE, state, the test wallet).
func (aw *authzWallet) parForm(params map[string]string) map[string]string {
	form := map[string]string{
		"response_type": "code", "client_id": testWalletClient, "redirect_uri": testWalletRedirect,
		"code_challenge": aw.challenge(), "code_challenge_method": "S256", "state": "st-" + aw.verifier[:8], "unknown_parameter": "ignored",
	}
	for k, v := range params {
		if v == "" {
			delete(form, k)
		} else {
			form[k] = v
		}
	}
	return form
}

// par pushes the request and returns its request_uri.
func (aw *authzWallet) par(params map[string]string) string {
	aw.t.Helper()
	res := aw.h.postForm(aw.h.url+"/par", aw.parForm(params))
	if res.Status != http.StatusCreated {
		aw.t.Fatalf("PAR: got %d, want 201\n%s", res.Status, res.Body)
	}
	if !strings.Contains(res.Header.Get("Cache-Control"), "no-store") {
		aw.t.Errorf("PAR Cache-Control: got %q, want no-store", res.Header.Get("Cache-Control"))
	}
	var body struct {
		RequestURI string `json:"request_uri"`
		ExpiresIn  int    `json:"expires_in"`
	}
	res.JSON(aw.t, &body)
	if !strings.HasPrefix(body.RequestURI, "urn:ietf:params:oauth:request_uri:") || body.ExpiresIn != 60 {
		aw.t.Fatalf("PAR response: got %s", res.Body)
	}
	return body.RequestURI
}

// get makes a browser request without following redirects.
func (aw *authzWallet) get(target string) *response {
	aw.t.Helper()
	return aw.send(http.MethodGet, target, nil)
}

func (aw *authzWallet) send(method, target string, form url.Values) *response {
	aw.t.Helper()
	return aw.sendWith(method, target, form, nil)
}

// sendWith is send with extra request headers.
func (aw *authzWallet) sendWith(method, target string, form url.Values, header map[string]string) *response {
	aw.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		aw.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := aw.browser.Do(req)
	if err != nil {
		aw.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// authorizeURL is the authorization endpoint with client_id and request_uri.
func (aw *authzWallet) authorizeURL(requestURI string) string {
	return aw.h.url + "/authorize?" + url.Values{"client_id": {testWalletClient}, "request_uri": {requestURI}}.Encode()
}

// redirected checks res is a redirect and returns its target.
func redirected(t *testing.T, res *response, what string) *url.URL {
	t.Helper()
	if res.Status != http.StatusFound && res.Status != http.StatusSeeOther {
		t.Fatalf("%s: got %d, want a redirect\n%s", what, res.Status, res.Body)
	}
	u, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatalf("%s: Location %q: %v", what, res.Header.Get("Location"), err)
	}
	return u
}

// login opens the development provider's sign-in page at loginURL and
// signs in as subject, as a person pressing the button would, then follows
// the provider's redirect to credmint's callback. It returns the callback's
// answer.
func (aw *authzWallet) login(loginURL, subject string) *response {
	aw.t.Helper()
	page := aw.get(loginURL)
	if page.Status != http.StatusOK {
		aw.t.Fatalf("provider sign-in page: got %d\n%s", page.Status, page.Body)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(page.Body)))
	if err != nil {
		aw.t.Fatal(err)
	}
	action, _ := doc.Find("form").Attr("action")
	handle, _ := doc.Find(`input[name=login]`).Attr("value")
	if doc.Find(`button[name=subject][value="`+subject+`"]`).Length() != 1 {
		aw.t.Fatalf("sign-in page offers no button for %s", subject)
	}
	base, _ := url.Parse(loginURL)
	target, _ := base.Parse(action)
	back := redirected(aw.t, aw.send(http.MethodPost, target.String(), url.Values{"login": {handle}, "subject": {subject}}), "provider sign-in")
	return aw.get(back.String())
}

// consentPage is the consent page as the person sees it.
type consentPage struct {
	Heading, Client string
	Credentials     []string
	// Claims maps each label to its value, over all credentials.
	Claims    map[string]string
	RequestID string
}

// consent opens the consent page at consentURL and reads it.
func (aw *authzWallet) consent(consentURL string) consentPage {
	aw.t.Helper()
	res := aw.get(consentURL)
	if res.Status != http.StatusOK {
		aw.t.Fatalf("consent page: got %d\n%s", res.Status, res.Body)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || res.Header.Get("X-Frame-Options") != "DENY" {
		aw.t.Errorf("consent page may be framed: CSP %q, X-Frame-Options %q", csp, res.Header.Get("X-Frame-Options"))
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(res.Body)))
	if err != nil {
		aw.t.Fatal(err)
	}
	p := consentPage{Heading: doc.Find("h1").Text(), Client: doc.Find(".client-name").Text(), Claims: map[string]string{}}
	p.RequestID, _ = doc.Find(`input[name=request]`).Attr("value")
	doc.Find(".credential-name").Each(func(_ int, s *goquery.Selection) { p.Credentials = append(p.Credentials, s.Text()) })
	doc.Find("dl.claims dt").Each(func(_ int, s *goquery.Selection) { p.Claims[s.Text()] = s.Next().Text() })
	return p
}

// decide posts the consent decision and returns where the browser is sent.
func (aw *authzWallet) decide(requestID, decision string) *url.URL {
	aw.t.Helper()
	res := aw.send(http.MethodPost, aw.h.url+"/authorize/consent", url.Values{"request": {requestID}, "decision": {decision}})
	return redirected(aw.t, res, "consent decision")
}

// throughConsent runs a pushed request through the authorization endpoint,
// the login as subject and consent (approved), checks the response
// parameters and returns the code.
func (aw *authzWallet) throughConsent(requestURI, subject string) (string, consentPage) {
	aw.t.Helper()
	loginURL := redirected(aw.t, aw.get(aw.authorizeURL(requestURI)), "authorize")
	consentURL := redirected(aw.t, aw.login(loginURL.String(), subject), "callback")
	page := aw.consent(consentURL.String())
	back := aw.decide(page.RequestID, "approve")
	q := back.Query()
	if got := back.Scheme + "://" + back.Host + back.Path; got != testWalletRedirect {
		aw.t.Fatalf("response went to %s, want %s", got, testWalletRedirect)
	}
	if q.Get("iss") != aw.h.url || q.Get("state") != "st-"+aw.verifier[:8] || q.Get("code") == "" {
		aw.t.Fatalf("authorization response: got %s, want code, state and iss %s (RFC 9207)", back.RawQuery, aw.h.url)
	}
	return q.Get("code"), page
}

// token redeems code at the token endpoint.
func (aw *authzWallet) token(code string, params map[string]string) *response {
	aw.t.Helper()
	form := map[string]string{"grant_type": "authorization_code", "code": code, "code_verifier": aw.verifier,
		"redirect_uri": testWalletRedirect, "client_id": testWalletClient}
	for k, v := range params {
		if v == "" {
			delete(form, k)
		} else {
			form[k] = v
		}
	}
	return aw.h.postForm(aw.h.url+"/token", form)
}

// credential asks for a credential with a fresh proof.
func (aw *authzWallet) credential(accessToken string, body map[string]any) *response {
	aw.t.Helper()
	md, _ := aw.metadata(aw.h.url)
	nonce := aw.nonce(md.NonceEndpoint)
	body["proofs"] = map[string]any{"jwt": []string{aw.proof(aw.h.url, nonce, proofOpts{})}}
	return aw.h.postJSON(md.CredentialEndpoint, accessToken, body)
}

// errorOf reads the error of an authorization response.
func errorOf(u *url.URL) string { return u.Query().Get("error") }

// mustJSON marshals v.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// returnLink reads the "Back to your wallet" link of a problem page.
func returnLink(t *testing.T, res *response) *url.URL {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(res.Body)))
	if err != nil {
		t.Fatal(err)
	}
	href, ok := doc.Find("a#return").Attr("href")
	if !ok {
		t.Fatalf("the page has no way back to the wallet:\n%s", res.Body)
	}
	u, err := url.Parse(href)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
