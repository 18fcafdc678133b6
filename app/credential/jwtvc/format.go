package jwtvc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"credmint/app/credential"
	"credmint/app/keys"
)

// FormatID is the OID4VCI format identifier (OpenID4VCI 1.0 Appendix A.1.1).
const FormatID = "jwt_vc_json"

// Data model versions a configuration may select with vcdm.
const (
	VCDM11 = "1.1"
	VCDM20 = "2.0"
	// DefaultVCDM is the version used when a configuration names none.
	DefaultVCDM = VCDM20
)

// Base JSON-LD contexts of the data model versions; each credential's
// @context starts with its version's.
const (
	ContextV1 = "https://www.w3.org/2018/credentials/v1"
	ContextV2 = "https://www.w3.org/ns/credentials/v2"
)

// JOSE typ (and cty) header values: RFC 7519 "JWT" for VCDM 1.1 (VC-JWT),
// VC-JOSE-COSE §3.1.1 "vc+jwt" with cty "vc" for VCDM 2.0.
const (
	TypVC11 = "JWT"
	TypVC20 = "vc+jwt"
	CtyVC20 = "vc"
)

// BaseType is the type every credential has, listed first.
const BaseType = "VerifiableCredential"

// BindingDIDJWK is the cryptographic binding method published with
// holder_did_jwk.
const BindingDIDJWK = "did:jwk"

// Format issues jwt_vc_json credentials. It implements credential.Format and
// credential.KeyPurposer and is stateless.
type Format struct{}

var (
	_ credential.Format      = (*Format)(nil)
	_ credential.KeyPurposer = (*Format)(nil)
)

// New returns the jwt_vc_json format plugin.
func New() *Format { return &Format{} }

// ID returns FormatID.
func (*Format) ID() string { return FormatID }

// KeyPurpose returns keys.PurposeCredentialJWTVC: W3C credentials have a
// signing key of their own.
func (*Format) KeyPurpose() string { return keys.PurposeCredentialJWTVC }

// Metadata returns the jwt_vc_json members of c's entry in
// credential_configurations_supported: credential_definition.type, and with
// holder_did_jwk the binding methods with "did:jwk" added (the core's entry
// is replaced).
func (*Format) Metadata(c *credential.Configuration) map[string]any {
	m := map[string]any{
		"credential_definition": map[string]any{"type": Types(c)},
	}
	if c.HolderDIDJWK && c.RequiresBinding() {
		methods := slices.Clone(c.BindingMethods)
		if len(methods) == 0 {
			methods = []string{credential.BindingJWK}
		}
		if !slices.Contains(methods, BindingDIDJWK) {
			methods = append(methods, BindingDIDJWK)
		}
		m["cryptographic_binding_methods_supported"] = methods
	}
	return m
}

// Types returns the credential types of c: "VerifiableCredential" first,
// then c.Types in order, each once.
func Types(c *credential.Configuration) []string {
	out := []string{BaseType}
	for _, t := range c.Types {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// Contexts returns the @context of credentials of c: the base context of its
// data model version, then c.Contexts.
func Contexts(c *credential.Configuration) []string {
	base := ContextV2
	if Version(c) == VCDM11 {
		base = ContextV1
	}
	out := []string{base}
	for _, ctx := range c.Contexts {
		if !slices.Contains(out, ctx) {
			out = append(out, ctx)
		}
	}
	return out
}

// Version returns c's data model version, DefaultVCDM when unset.
func Version(c *credential.Configuration) string {
	if c.VCDM == "" {
		return DefaultVCDM
	}
	return c.VCDM
}

// Issue builds and signs one credential and returns it as the compact JWS
// string, the form OpenID4VCI Appendix A.1.1 puts in the credential response.
func (*Format) Issue(ctx context.Context, req credential.IssueRequest) (any, error) {
	if err := checkRequest(req); err != nil {
		return nil, err
	}
	subject, err := subjectClaims(req.Configuration, req.Claims)
	if err != nil {
		return nil, err
	}
	var holder *holderInfo
	if req.HolderKey != nil {
		if holder, err = newHolderInfo(req.HolderKey); err != nil {
			return nil, err
		}
	}
	var payload map[string]any
	var typ, cty string
	if Version(req.Configuration) == VCDM11 {
		payload, typ = payloadVC11(req, subject, holder), TypVC11
	} else {
		payload, typ, cty = payloadVC20(req, subject, holder), TypVC20, CtyVC20
	}
	raw, err := marshal(payload)
	if err != nil {
		return nil, err
	}
	return keys.SignJWT(ctx, req.Signer, typ, cty, raw)
}

// checkRequest rejects requests Issue cannot turn into a sound credential.
func checkRequest(req credential.IssueRequest) error {
	c := req.Configuration
	switch {
	case c == nil:
		return errors.New("jwtvc: no configuration")
	case req.Issuer == "":
		return fmt.Errorf("jwtvc: no issuer for configuration %s (a verifiable credential names its issuer)", c.ID)
	case req.Signer == nil:
		return errors.New("jwtvc: no signer")
	case req.IssuedAt.IsZero():
		return errors.New("jwtvc: no issuance time")
	case !req.ExpiresAt.IsZero() && !req.ExpiresAt.After(req.IssuedAt):
		return fmt.Errorf("jwtvc: expiry %s is not after issuance %s", req.ExpiresAt, req.IssuedAt)
	case req.HolderKey == nil && c.RequiresBinding():
		return fmt.Errorf("jwtvc: configuration %s binds credentials to a holder key, but none was given", c.ID)
	case req.HolderKey == nil && c.HolderDIDJWK:
		return fmt.Errorf("jwtvc: configuration %s names the holder by did:jwk, but no holder key was given", c.ID)
	}
	if v := c.VCDM; v != "" && v != VCDM11 && v != VCDM20 {
		return fmt.Errorf("jwtvc: configuration %s has unsupported vcdm %q", c.ID, v)
	}
	if alg := req.Signer.Algorithm(); len(c.SigningAlgs) > 0 && !slices.Contains(c.SigningAlgs, alg) {
		return fmt.Errorf("jwtvc: key %s signs %s, which configuration %s does not allow", req.Signer.KeyID(), alg, c.ID)
	}
	return nil
}

// marshal encodes v as JSON without HTML escaping (claim values such as
// "R&D" stay readable) and without the trailing newline.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("jwtvc: encode JSON: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
