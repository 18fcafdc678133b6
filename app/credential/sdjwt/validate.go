package sdjwt

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"credmint/app/credential"
)

// reservedTopLevel are the names a credential claim cannot take at the top
// level: the registered claims of SD-JWT VC -13, which are never selectively
// disclosable and which Issue sets itself, and the SD-JWT structural names.
var reservedTopLevel = map[string]bool{
	"iss": true, "iat": true, "nbf": true, "exp": true, "cnf": true,
	"vct": true, "vct#integrity": true, "status": true,
	sdKey: true, sdAlgKey: true, arrayKey: true,
}

// reservedNested are the SD-JWT structural names, which no object at any
// depth may use as a claim name (RFC 9901 §4.2.1).
var reservedNested = map[string]bool{sdKey: true, sdAlgKey: true, arrayKey: true}

// signingAlgs are the credential signing algorithms credmint's keys support.
var signingAlgs = []string{"ES256"}

// Validate checks the SD-JWT VC rules of c: vct is a collision-resistant
// type identifier (an absolute URI), claim names do not clash with registered
// or structural SD-JWT names, no array is selected both by index and by
// wildcard, and signing_algs only lists algorithms credmint signs with.
// Errors are *credential.FieldError values; they name the plugin's own
// format id (dc+sd-jwt, or vc+sd-jwt for the draft plugin).
func (f *Format) Validate(c *credential.Configuration) error {
	if err := validateVCT(c.VCT, f.ID()); err != nil {
		return err
	}
	if err := validateClaimNames(c.Claims); err != nil {
		return err
	}
	if err := validateArrayTargets(c.Claims); err != nil {
		return err
	}
	for i, alg := range c.SigningAlgs {
		if !slices.Contains(signingAlgs, alg) {
			return &credential.FieldError{
				Field:  fmt.Sprintf("signing_algs[%d]", i),
				Reason: fmt.Sprintf("unsupported algorithm %q for %s (supported: %s)", alg, f.ID(), strings.Join(signingAlgs, ", ")),
			}
		}
	}
	return nil
}

// validateVCT requires an absolute URI such as urn:example:badge:1 or
// https://example.org/badge (SD-JWT VC -13: vct is a case-sensitive
// StringOrURI and must be collision-resistant). formatID names the format
// in the message of a missing vct.
func validateVCT(vct, formatID string) error {
	fail := func(reason string) error { return &credential.FieldError{Field: "vct", Reason: reason} }
	if vct == "" {
		return fail("is required for " + formatID)
	}
	if strings.ContainsFunc(vct, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fail(fmt.Sprintf("%q must not contain spaces or control characters", vct))
	}
	u, err := url.Parse(vct)
	if err != nil || u.Scheme == "" {
		return fail(fmt.Sprintf("%q must be an absolute URI, e.g. urn:example:credential:1 or https://example.org/credential", vct))
	}
	if u.Host == "" && u.Opaque == "" && u.Path == "" {
		return fail(fmt.Sprintf("%q has a scheme but nothing after it", vct))
	}
	if (u.Scheme == "https" || u.Scheme == "http") && u.Host == "" {
		return fail(fmt.Sprintf("%q has no host", vct))
	}
	return nil
}

// validateClaimNames rejects claim paths that name registered claims at the
// top level or SD-JWT structural names at any level.
func validateClaimNames(claims []credential.Claim) error {
	for i, cl := range claims {
		for j, el := range cl.Path {
			name, ok := el.(string)
			if !ok {
				continue
			}
			if (j == 0 && reservedTopLevel[name]) || reservedNested[name] {
				return &credential.FieldError{
					Field:  fmt.Sprintf("claims[%d].path[%d]", i, j),
					Reason: fmt.Sprintf("%q is reserved by SD-JWT and cannot be a claim name here", name),
				}
			}
		}
	}
	return nil
}

// validateArrayTargets rejects configurations where one path selects all
// elements of an array and another an index of the same array (OID4VCI 1.0
// Appendix B.2). Disclosing such an element twice would nest an array
// disclosure inside another.
func validateArrayTargets(claims []credential.Claim) error {
	kinds := map[string]string{}
	for i, cl := range claims {
		for j, el := range cl.Path {
			var kind string
			switch el.(type) {
			case nil:
				kind = "null"
			case int:
				kind = "index"
			default:
				continue
			}
			array := credential.PathString(cl.Path[:j])
			if k, seen := kinds[array]; seen && k != kind {
				return &credential.FieldError{
					Field:  fmt.Sprintf("claims[%d].path", i),
					Reason: fmt.Sprintf("%s is selected both by null (all elements) and by an index", array),
				}
			}
			kinds[array] = kind
		}
	}
	return nil
}
