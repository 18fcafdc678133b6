package authz

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"sort"
	"strings"

	"credmint/app/credential"
	"credmint/app/issuance"
)

// ConsentView is what the consent page shows: which wallet asks, for which
// credentials, with which claims and values.
type ConsentView struct {
	RequestID  string
	ClientName string
	// ClientRegistered is false for a wallet admitted without
	// registration: the page says the issuer does not know it.
	ClientRegistered bool
	Credentials      []ConsentCredential
	// RedirectOrigin is where the decision sends the browser (scheme and
	// host, or the scheme alone for a custom scheme), for the page's
	// Content-Security-Policy form-action.
	RedirectOrigin string
	// Locale is the language the names are in, chosen among the display
	// locales of the credentials: the page's own words follow it.
	Locale string
}

// ConsentCredential is one credential on the consent page.
type ConsentCredential struct {
	Name   string
	Claims []ConsentClaim
}

// ConsentClaim is one claim with its value. A yes/no claim has Bool set
// (Value is then "yes" or "no"), so the page can say it in its language.
type ConsentClaim struct {
	Label, Value string
	Bool         *bool
}

// Consent returns the consent page of request id for this browser (OID4VCI
// §15.1: the person sees what will be issued, to whom), with the names of
// the credentials and claims in the display locale acceptLanguage (the
// browser's Accept-Language header) prefers, else in the issuer's locale.
func (s *Service) Consent(ctx context.Context, id string, browser Browser, acceptLanguage string) (*ConsentView, error) {
	r, err := s.consentRequest(ctx, id, browser)
	if err != nil {
		return nil, err
	}
	datasets, err := s.openDatasets(r.ID, r.DatasetsSealed)
	if err != nil {
		return nil, s.internal(r, err)
	}
	v := &ConsentView{RequestID: r.ID, ClientName: r.ClientID, RedirectOrigin: origin(r.RedirectURI)}
	if cl := s.Clients.Lookup(ctx, r.ClientID, r.RedirectURI); cl != nil {
		v.ClientName, v.ClientRegistered = cl.Name, cl.Registered
	}
	configs := make([]*credential.Configuration, len(r.ConfigurationIDs))
	var locales []string
	for i, cid := range r.ConfigurationIDs {
		if configs[i], err = s.Catalog.Configuration(ctx, cid); err != nil {
			return nil, s.internal(r, err)
		}
		for _, l := range configs[i].DisplayLocales() {
			if !slices.Contains(locales, l) {
				locales = append(locales, l)
			}
		}
	}
	v.Locale = credential.BestLocale(acceptLanguage, locales, s.Locale)
	for i, cfg := range configs {
		v.Credentials = append(v.Credentials, ConsentCredential{Name: cfg.DisplayIn(v.Locale).Name,
			Claims: consentClaims(cfg, datasets[r.ConfigurationIDs[i]], v.Locale)})
	}
	return v, nil
}

// Decide records the person's decision on request id and returns where the
// browser goes: the wallet's redirect URI with a code, state and iss
// (RFC 6749 §4.1.2, RFC 9207), or with access_denied when the person
// cancelled (OID4VCI §5.2; RFC 6749 §4.1.2.1).
func (s *Service) Decide(ctx context.Context, id string, approve bool, browser Browser) (string, error) {
	r, err := s.consentRequest(ctx, id, browser)
	if err != nil {
		return "", err
	}
	if !approve {
		if err := s.close(ctx, r, StageConsent, nil, "authorization.denied", "consent_cancelled"); err != nil {
			return "", err
		}
		return (&RedirectError{Code: CodeAccessDenied, Description: "the person cancelled", RedirectURI: r.RedirectURI, State: r.State}).Location(s.Issuer), nil
	}
	value, err := s.random(32)
	if err != nil {
		return "", s.internal(r, err)
	}
	now := s.now()
	c := &Code{Hash: hash(value), RequestID: r.ID, ClientID: r.ClientID, RedirectURI: r.RedirectURI, CodeChallenge: r.CodeChallenge,
		ConfigurationIDs: r.ConfigurationIDs, AuthorizationDetails: r.AuthorizationDetails, OfferID: r.OfferID, ApplicantID: r.ApplicantID,
		DatasetsSealed: r.DatasetsSealed, CreatedAt: now, ExpiresAt: now.Add(s.Policy.CodeLifetime)}
	if c.ID, err = s.randomID("azc_"); err != nil {
		return "", s.internal(r, err)
	}
	if err := s.close(ctx, r, StageConsent, c, "authorization.approved", ""); err != nil {
		return "", err
	}
	q := url.Values{"code": {value}, "iss": {s.Issuer}}
	if r.State != "" {
		q.Set("state", r.State)
	}
	return addQuery(r.RedirectURI, q), nil
}

// consentRequest finds request id waiting for consent in this browser.
func (s *Service) consentRequest(ctx context.Context, id string, browser Browser) (*Request, error) {
	if id == "" {
		return nil, expiredLogin()
	}
	r, err := s.Store.AuthRequest(ctx, id)
	if errors.Is(err, issuance.ErrNotFound) {
		return nil, expiredLogin()
	} else if err != nil {
		return nil, err
	}
	if r.Stage != StageConsent || !s.now().Before(r.ExpiresAt) {
		return nil, expiredLogin()
	}
	if err := s.checkBrowser(r, browser); err != nil {
		return nil, err
	}
	return r, nil
}

// consentClaims lists the claims of a dataset as label (in locale) and
// value, objects flattened to their members, in the configuration's order
// of claims.
func consentClaims(cfg *credential.Configuration, data map[string]any, locale string) []ConsentClaim {
	type row struct {
		path  []string
		value any
	}
	var rows []row
	var walk func(prefix []string, m map[string]any)
	walk = func(prefix []string, m map[string]any) {
		for k, v := range m {
			p := append(slices.Clone(prefix), k)
			if obj, ok := v.(map[string]any); ok {
				walk(p, obj)
				continue
			}
			rows = append(rows, row{p, v})
		}
	}
	walk(nil, data)
	rank := func(p []string) int {
		for i, cl := range cfg.Claims {
			if top, ok := cl.Path[0].(string); ok && top == p[0] {
				return i
			}
		}
		return len(cfg.Claims)
	}
	sort.Slice(rows, func(i, j int) bool {
		ri, rj := rank(rows[i].path), rank(rows[j].path)
		if ri != rj {
			return ri < rj
		}
		return strings.Join(rows[i].path, ".") < strings.Join(rows[j].path, ".")
	})
	out := make([]ConsentClaim, len(rows))
	for i, r := range rows {
		out[i] = ConsentClaim{Label: claimLabel(cfg, r.path, locale), Value: describeValue(r.value)}
		if b, ok := r.value.(bool); ok {
			out[i].Bool = &b
		}
	}
	return out
}

// claimLabel is the display name of the claim at path in locale, else its
// path.
func claimLabel(cfg *credential.Configuration, path []string, locale string) string {
	for i := range cfg.Claims {
		cl := &cfg.Claims[i]
		if len(cl.Path) != len(path) {
			continue
		}
		same := true
		for i, el := range cl.Path {
			if s, ok := el.(string); !ok || s != path[i] {
				same = false
				break
			}
		}
		if name := cl.NameIn(locale); same && name != "" {
			return name
		}
	}
	return strings.Join(path, ".")
}

// origin is the scheme and host of a redirect URI (the scheme alone for a
// custom scheme).
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if u.Host == "" {
		return u.Scheme + ":"
	}
	return u.Scheme + "://" + u.Host
}
