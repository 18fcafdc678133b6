package jwtvc

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"credmint/app/credential"
)

// signingAlgs are the credential signing algorithms credmint's keys support.
var signingAlgs = []string{"ES256"}

// ConfigurationFields names the format-specific configuration fields this
// format uses (credential.Fielder).
func (*Format) ConfigurationFields() []string {
	return []string{"vcdm", "types", "contexts", "holder_did_jwk"}
}

// Validate checks the jwt_vc_json rules of c: vcdm is "", "1.1" or "2.0";
// types are non-empty type names and name at least one type besides
// VerifiableCredential; contexts are absolute http(s) URLs other than the
// base contexts; holder_did_jwk needs holder binding; no claim is selective
// (this format has no selective disclosure) or uses a JSON-LD keyword or,
// with holder_did_jwk, the name "id"; signing_algs only lists algorithms
// credmint signs with; vct and doctype, which belong to other formats, are
// empty. Errors are *credential.FieldError values.
func (*Format) Validate(c *credential.Configuration) error {
	fail := func(field, reason string) error { return &credential.FieldError{Field: field, Reason: reason} }
	if c.VCDM != "" && c.VCDM != VCDM11 && c.VCDM != VCDM20 {
		return fail("vcdm", fmt.Sprintf("must be %q or %q (the default), not %q", VCDM11, VCDM20, c.VCDM))
	}
	if c.VCT != "" {
		return fail("vct", "belongs to dc+sd-jwt; "+FormatID+" names its credential types in types")
	}
	if c.Doctype != "" {
		return fail("doctype", "belongs to mso_mdoc; "+FormatID+" names its credential types in types")
	}
	if err := validateTypes(c.Types); err != nil {
		return err
	}
	if err := validateContexts(c.Contexts); err != nil {
		return err
	}
	if c.HolderDIDJWK && !c.RequiresBinding() {
		return fail("holder_did_jwk", "needs holder binding (binding_methods must not be none)")
	}
	if err := validateClaims(c); err != nil {
		return err
	}
	for i, alg := range c.SigningAlgs {
		if !slices.Contains(signingAlgs, alg) {
			return fail(fmt.Sprintf("signing_algs[%d]", i), fmt.Sprintf("unsupported algorithm %q for %s (supported: %s)", alg, FormatID, strings.Join(signingAlgs, ", ")))
		}
	}
	return nil
}

// validateTypes checks credential_definition.type entries (VC Data Model
// §4.3 / §4.5): each a non-empty term or URL without spaces, none twice, and
// at least one besides VerifiableCredential so wallets can tell the
// credential apart.
func validateTypes(types []string) error {
	specific := false
	for i, t := range types {
		field := fmt.Sprintf("types[%d]", i)
		if t == "" {
			return &credential.FieldError{Field: field, Reason: "must not be empty"}
		}
		if strings.ContainsFunc(t, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return &credential.FieldError{Field: field, Reason: fmt.Sprintf("%q must not contain spaces or control characters", t)}
		}
		if slices.Contains(types[:i], t) {
			return &credential.FieldError{Field: field, Reason: fmt.Sprintf("%q appears twice", t)}
		}
		if t != BaseType {
			specific = true
		}
	}
	if !specific {
		return &credential.FieldError{Field: "types", Reason: fmt.Sprintf("must name the credential's type besides %s, e.g. [UniversityDegreeCredential]", BaseType)}
	}
	return nil
}

// validateContexts requires absolute http(s) URLs; the data model's base
// context is added by Issue and may not be listed.
func validateContexts(contexts []string) error {
	for i, raw := range contexts {
		fail := func(reason string) error {
			return &credential.FieldError{Field: fmt.Sprintf("contexts[%d]", i), Reason: reason}
		}
		if raw == ContextV1 || raw == ContextV2 {
			return fail(fmt.Sprintf("%q is a base context; it is added for the configured vcdm and must not be listed", raw))
		}
		u, err := url.Parse(raw)
		if err != nil || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return fail(fmt.Sprintf("%q is not a URL", raw))
		}
		if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fail(fmt.Sprintf("%q must be an absolute https (or http) URL, e.g. https://example.org/contexts/diploma/v1", raw))
		}
		if u.Fragment != "" {
			return fail(fmt.Sprintf("%q must not have a fragment", raw))
		}
		if slices.Contains(contexts[:i], raw) {
			return fail(fmt.Sprintf("%q appears twice", raw))
		}
	}
	return nil
}

// validateClaims rejects selective claims and claim names a credential
// subject cannot carry.
func validateClaims(c *credential.Configuration) error {
	for i, cl := range c.Claims {
		if cl.Selective {
			return &credential.FieldError{Field: fmt.Sprintf("claims[%d].selective", i), Reason: FormatID + " has no selective disclosure; use dc+sd-jwt for selectively disclosable claims"}
		}
		for j, el := range cl.Path {
			name, ok := el.(string)
			if !ok {
				continue
			}
			field := fmt.Sprintf("claims[%d].path[%d]", i, j)
			if strings.HasPrefix(name, "@") {
				return &credential.FieldError{Field: field, Reason: fmt.Sprintf("%q is a JSON-LD keyword and cannot be a claim name", name)}
			}
			if j == 0 && name == "id" && c.HolderDIDJWK {
				return &credential.FieldError{Field: field, Reason: "credentialSubject.id is the holder's did:jwk with holder_did_jwk and cannot be a claim"}
			}
		}
	}
	return nil
}
