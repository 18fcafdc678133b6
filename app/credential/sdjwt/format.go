package sdjwt

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"credmint/app/credential"
	"credmint/app/keys"
)

// FormatID is the OID4VCI format identifier of SD-JWT VCs (OID4VCI 1.0
// Appendix A.3). It is also the typ header of the issuer-signed JWT.
const FormatID = "dc+sd-jwt"

// Format issues SD-JWT VCs. It implements credential.Format and is
// stateless. The zero value is the dc+sd-jwt plugin; NewDraft (draft.go)
// returns the vc+sd-jwt one.
type Format struct {
	draft bool
}

var _ credential.Format = (*Format)(nil)

// New returns the dc+sd-jwt format plugin.
func New() *Format { return &Format{} }

// ID returns FormatID, or DraftFormatID for the draft plugin.
func (f *Format) ID() string {
	if f.draft {
		return DraftFormatID
	}
	return FormatID
}

// Metadata returns the dc+sd-jwt members of c's entry in
// credential_configurations_supported: {"vct": c.VCT}.
func (*Format) Metadata(c *credential.Configuration) map[string]any {
	return map[string]any{"vct": c.VCT}
}

// Issue builds and signs one SD-JWT VC and returns it, as a string, in the
// issuance form <issuer-signed JWT>~<disclosure>~…~ (no Key Binding JWT).
//
// Only top-level members of req.Claims named by a declared claim path are
// included (all of them when c declares no claims); every claim marked
// Selective becomes a disclosure, deepest paths first, so that selective
// children of a selective claim yield recursive disclosures.
func (f *Format) Issue(ctx context.Context, req credential.IssueRequest) (any, error) {
	if err := checkRequest(req); err != nil {
		return nil, err
	}
	claims, err := includedClaims(req.Configuration, req.Claims)
	if err != nil {
		return nil, err
	}
	d := &discloser{rand: req.Rand}
	for _, path := range selectivePaths(req.Configuration) {
		if err := d.disclose(claims, path); err != nil {
			return nil, err
		}
	}
	payload, err := buildPayload(req, claims, len(d.disclosures) > 0)
	if err != nil {
		return nil, err
	}
	jwt, err := keys.SignJWT(ctx, req.Signer, f.ID(), "", payload)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(jwt)
	b.WriteByte('~')
	for _, disc := range d.disclosures {
		b.WriteString(disc)
		b.WriteByte('~')
	}
	return b.String(), nil
}

// checkRequest rejects requests Issue cannot turn into a sound credential.
func checkRequest(req credential.IssueRequest) error {
	c := req.Configuration
	switch {
	case c == nil:
		return errors.New("sdjwt: no configuration")
	case c.VCT == "":
		return fmt.Errorf("sdjwt: configuration %s has no vct", c.ID)
	case req.Signer == nil:
		return errors.New("sdjwt: no signer")
	case req.Rand == nil:
		return errors.New("sdjwt: no source of randomness for salts")
	case req.IssuedAt.IsZero():
		return errors.New("sdjwt: no issuance time")
	case req.HolderKey == nil && c.RequiresBinding():
		return fmt.Errorf("sdjwt: configuration %s binds credentials to a holder key, but none was given", c.ID)
	}
	if alg := req.Signer.Algorithm(); len(c.SigningAlgs) > 0 && !slices.Contains(c.SigningAlgs, alg) {
		return fmt.Errorf("sdjwt: key %s signs %s, which configuration %s does not allow", req.Signer.KeyID(), alg, c.ID)
	}
	return nil
}

// buildPayload adds the registered claims, which are never selectively
// disclosable (SD-JWT VC -13), to claims and encodes the JWT payload.
func buildPayload(req credential.IssueRequest, claims map[string]any, disclosed bool) ([]byte, error) {
	if req.Issuer != "" {
		claims["iss"] = req.Issuer
	}
	claims["iat"] = req.IssuedAt.Unix()
	if !req.ExpiresAt.IsZero() {
		claims["exp"] = req.ExpiresAt.Unix()
	}
	claims["vct"] = req.Configuration.VCT
	if req.HolderKey != nil {
		jwk, err := credential.HolderJWK(req.HolderKey)
		if err != nil {
			return nil, err
		}
		claims["cnf"] = map[string]any{"jwk": jwk}
	}
	if req.Status != nil {
		// Token Status List -14 §6.1 (SD-JWT VC -13 §3.2.2.2): the
		// Referenced Token's entry, never selectively disclosable.
		claims["status"] = map[string]any{"status_list": map[string]any{"idx": req.Status.Index, "uri": req.Status.URI}}
	}
	if disclosed {
		claims["_sd_alg"] = "sha-256" // RFC 9901 §4.1.1
	}
	return marshal(claims)
}
