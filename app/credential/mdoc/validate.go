package mdoc

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"credmint/app/credential"
	"credmint/app/keys"
)

// reverseDomain matches document types and namespaces: dot-separated
// labels in reverse domain name form, e.g. org.iso.18013.5.1.mDL or
// eu.europa.ec.eudi.pid.1 (ISO/IEC 18013-5 §7.1 and §8.3.2.1.2.1).
var reverseDomain = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?)+$`)

// maxNameLength bounds doctypes, namespaces and element identifiers.
const maxNameLength = 256

// ConfigurationFields names the format-specific configuration fields this
// format uses (credential.Fielder).
func (*Format) ConfigurationFields() []string { return []string{"doctype"} }

// Validate checks the mso_mdoc rules of c: doctype is a reverse-domain
// document type, every claim path is [namespace, element identifier, ...] with a
// reverse-domain namespace, credentials are bound to a device key, vct is
// not used and signing_algs only lists algorithms credmint signs mdocs
// with. The selective flag is accepted and ignored: every mdoc element is
// selectively disclosable. Errors are *credential.FieldError values.
func (*Format) Validate(c *credential.Configuration) error {
	if err := validateDoctype(c.Doctype); err != nil {
		return err
	}
	if c.VCT != "" {
		return &credential.FieldError{Field: "vct", Reason: "is for dc+sd-jwt; an " + FormatID + " configuration names its type in doctype"}
	}
	if !c.RequiresBinding() {
		return &credential.FieldError{Field: "binding_methods", Reason: "an " + FormatID + " credential is always bound to the holder's device key (deviceKeyInfo); remove none"}
	}
	for i, cl := range c.Claims {
		if err := validatePath(i, cl.Path); err != nil {
			return err
		}
	}
	for i, alg := range c.SigningAlgs {
		if _, ok := keys.COSEAlgorithm(alg); !ok {
			return &credential.FieldError{
				Field:  fmt.Sprintf("signing_algs[%d]", i),
				Reason: fmt.Sprintf("unsupported algorithm %q for %s (supported: %s)", alg, FormatID, strings.Join(keys.COSEAlgorithms(), ", ")),
			}
		}
	}
	return nil
}

func validateDoctype(doctype string) error {
	fail := func(reason string) error { return &credential.FieldError{Field: "doctype", Reason: reason} }
	switch {
	case doctype == "":
		return fail("is required for " + FormatID + ", e.g. org.iso.18013.5.1.mDL")
	case len(doctype) > maxNameLength:
		return fail(fmt.Sprintf("must be at most %d characters", maxNameLength))
	case !reverseDomain.MatchString(doctype):
		return fail(fmt.Sprintf("%q is not a document type in reverse domain form, e.g. org.iso.18013.5.1.mDL", doctype))
	}
	return nil
}

// validatePath requires [namespace, element identifier, ...]: a path may go
// on inside the element's value (a map key, null for every array element or
// an array index, checked by the configuration) to give a nested value its
// type, e.g. [org.iso.18013.5.1, driving_privileges, null, issue_date].
func validatePath(i int, path []any) error {
	field := fmt.Sprintf("claims[%d].path", i)
	if len(path) < 2 {
		return &credential.FieldError{Field: field, Reason: fmt.Sprintf("an %s claim path is [namespace, element identifier, ...], not %s", FormatID, credential.PathString(path))}
	}
	ns, ok := path[0].(string)
	if !ok || !reverseDomain.MatchString(ns) || len(ns) > maxNameLength {
		return &credential.FieldError{Field: field + "[0]", Reason: fmt.Sprintf("%v is not a namespace in reverse domain form, e.g. org.iso.18013.5.1", path[0])}
	}
	id, ok := path[1].(string)
	if !ok || id == "" || len(id) > maxNameLength || strings.ContainsFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return &credential.FieldError{Field: field + "[1]", Reason: fmt.Sprintf("%v is not an element identifier (a name without spaces, e.g. family_name)", path[1])}
	}
	return nil
}
