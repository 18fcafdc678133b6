package authz

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	"credmint/app/credential"
	"credmint/app/issuance"
)

// pkceChallenge is a code_challenge: 43 to 128 unreserved characters
// (RFC 7636 §4.2); S256 gives 43.
var pkceChallenge = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// singleValued refuses repeated parameters (RFC 6749 §3.1).
func singleValued(q url.Values) error {
	for k, v := range q {
		if len(v) > 1 {
			return badParam(CodeInvalidRequest, "parameter %s appears more than once", k)
		}
	}
	return nil
}

// newRequest checks the authorization request parameters q (OID4VCI §5.1,
// RFC 6749 §4.1.1) of trusted client cl and redirect URI and returns the
// request they make. Errors are *paramError.
func (s *Service) newRequest(ctx context.Context, cl *Client, redirectURI string, q url.Values) (*Request, error) {
	if err := singleValued(q); err != nil {
		return nil, err
	}
	switch rt := q.Get("response_type"); rt {
	case "code":
	case "":
		return nil, badParam(CodeInvalidRequest, "response_type is required")
	default:
		// Only the authorization code flow (OID4VCI §5, FAPI 2.0).
		return nil, badParam(CodeUnsupportedResponseType, "response_type must be code")
	}
	if err := checkPKCE(q.Get("code_challenge"), q.Get("code_challenge_method")); err != nil {
		return nil, err
	}
	r := &Request{ClientID: cl.ID, RedirectURI: redirectURI, State: q.Get("state"), CodeChallenge: q.Get("code_challenge")}
	fromDetails, err := s.detailsConfigurations(ctx, q.Get("authorization_details"))
	if err != nil {
		return nil, err
	}
	r.AuthorizationDetails = q.Get("authorization_details") != ""
	fromScope, err := s.scopeConfigurations(ctx, q.Get("scope"))
	if err != nil {
		return nil, err
	}
	if err := s.applyIssuerState(ctx, r, q.Get("issuer_state"), fromDetails, fromScope); err != nil {
		return nil, err
	}
	return r, nil
}

// checkPKCE requires PKCE with S256 (RFC 7636 §4.3; FAPI 2.0 and HAIP
// refuse plain, and a missing method means plain).
func checkPKCE(challenge, method string) error {
	switch {
	case challenge == "":
		return badParam(CodeInvalidRequest, "code_challenge is required (PKCE with S256)")
	case method != "S256":
		return badParam(CodeInvalidRequest, "code_challenge_method must be S256 (plain is not accepted)")
	case !pkceChallenge.MatchString(challenge):
		return badParam(CodeInvalidRequest, "code_challenge is not a valid S256 challenge")
	}
	return nil
}

// detailsConfigurations reads authorization_details (RFC 9396 §2, OID4VCI
// §5.1.1): openid_credential entries naming enabled configurations. Other
// members of an entry are ignored.
func (s *Service) detailsConfigurations(ctx context.Context, raw string) ([]string, error) {
	if raw == "" {
		return nil, nil
	}
	var entries []map[string]any
	if err := json.Unmarshal([]byte(raw), &entries); err != nil || len(entries) == 0 {
		return nil, badParam(CodeInvalidAuthorizationDetails, "authorization_details must be a non-empty JSON array of objects")
	}
	var ids []string
	for i, e := range entries {
		if typ, _ := e["type"].(string); typ != issuance.AuthDetailsType {
			return nil, badParam(CodeInvalidAuthorizationDetails, "authorization_details[%d].type must be %s", i, issuance.AuthDetailsType)
		}
		id, _ := e["credential_configuration_id"].(string)
		if id == "" {
			return nil, badParam(CodeInvalidAuthorizationDetails, "authorization_details[%d].credential_configuration_id is required", i)
		}
		if _, err := s.Catalog.Configuration(ctx, id); errors.Is(err, credential.ErrUnknownConfiguration) {
			return nil, badParam(CodeInvalidAuthorizationDetails, "authorization_details[%d]: unknown credential configuration %q", i, id)
		} else if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// scopeConfigurations maps each scope to the enabled configurations with
// that scope; unknown scopes are ignored (OID4VCI §5.1.2).
func (s *Service) scopeConfigurations(ctx context.Context, scope string) ([]string, error) {
	if strings.TrimSpace(scope) == "" {
		return nil, nil
	}
	configs, err := s.Catalog.Enabled(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, tok := range strings.Fields(scope) {
		for _, c := range configs {
			if c.Scope == tok {
				ids = append(ids, c.ID)
			}
		}
	}
	return ids, nil
}

// applyIssuerState sets the configurations of r and, with issuer_state, its
// offer. issuer_state may be injected by an attacker (OID4VCI §13.5): it
// counts only for a live authorization_code offer, and the person still
// logs in. The offer is redeemed once, with the code (RedeemAuthCode).
func (s *Service) applyIssuerState(ctx context.Context, r *Request, issuerState string, fromDetails, fromScope []string) error {
	requested := sortedUnique(append(slices.Clone(fromDetails), fromScope...))
	if issuerState == "" {
		if len(requested) == 0 {
			return badParam(CodeInvalidScope, "no credential was requested: send a credential configuration's scope or authorization_details")
		}
		r.ConfigurationIDs = requested
		return nil
	}
	o, err := s.Store.OfferByCode(ctx, hash(issuerState))
	if errors.Is(err, issuance.ErrNotFound) || (err == nil && o.Grant != issuance.GrantAuthorizationCode) {
		return badParam(CodeInvalidRequest, "issuer_state is unknown")
	} else if err != nil {
		return err
	}
	if !o.Redeemable(s.now()) {
		return badParam(CodeInvalidRequest, "the credential offer of issuer_state is no longer valid")
	}
	if len(requested) == 0 {
		requested = o.ConfigurationIDs
	}
	for _, id := range requested {
		if !slices.Contains(o.ConfigurationIDs, id) {
			code := CodeInvalidScope
			if slices.Contains(fromDetails, id) {
				code = CodeInvalidAuthorizationDetails
			}
			return badParam(code, "credential configuration %q is not part of the offer of issuer_state", id)
		}
	}
	r.ConfigurationIDs, r.OfferID = requested, o.ID
	return nil
}

// sortedUnique returns the distinct values of ss, sorted.
func sortedUnique(ss []string) []string {
	out := slices.Clone(ss)
	sort.Strings(out)
	return slices.Compact(out)
}
