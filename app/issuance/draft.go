package issuance

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"credmint/app/credential"
)

// Compatibility with wallets on the drafts before 1.0 (SPEC §20): draft 13
// (ID1) identified the credential by format + type parameters and sent one
// proof as "proof"; drafts 14 and 15 (ID2) kept "proof" beside "proofs".
// This file turns such requests into 1.0 ones, so Credential never sees a
// draft, and answers them in their shape. Who may use them: the wallet
// clients marked pre_1_0 (DraftClients), or everyone with compat.drafts
// (Drafts).

// Credential error codes of draft 13 (§7.3.1), used for format-style
// requests instead of unknown_credential_configuration.
const (
	CodeUnsupportedCredentialFormat = "unsupported_credential_format"
	CodeUnsupportedCredentialType   = "unsupported_credential_type"
)

// DraftShape says which request shape a credential request used.
type DraftShape int

const (
	// Shape10 is OID4VCI 1.0: credential_configuration_id or
	// credential_identifier, and proofs.
	Shape10 DraftShape = iota
	// ShapeID2 is a 1.0 identifier with the singular proof (drafts 14, 15).
	ShapeID2
	// ShapeID1 is format + vct / doctype / credential_definition instead of
	// an identifier (drafts 13, 14).
	ShapeID1
)

// Code is the shape as stored with a deferred request: "" for 1.0, "id2"
// or "id1".
func (s DraftShape) Code() string {
	switch s {
	case ShapeID2:
		return "id2"
	case ShapeID1:
		return "id1"
	}
	return ""
}

// ParseDraftShape reads a Code back.
func ParseDraftShape(code string) (DraftShape, error) {
	for _, s := range []DraftShape{Shape10, ShapeID2, ShapeID1} {
		if s.Code() == code {
			return s, nil
		}
	}
	return Shape10, fmt.Errorf("issuance: unknown request shape %q", code)
}

// DraftCredentialRequest is a credential request that may use the draft
// shapes beside the 1.0 members.
type DraftCredentialRequest struct {
	CredentialRequest
	// Proof is {"proof_type": "jwt", "jwt": "…"} (draft 13 §7.2.1).
	Proof json.RawMessage `json:"proof"`
	// Format and the type parameters of draft 13 Appendix A.
	Format               string          `json:"format"`
	VCT                  string          `json:"vct"`
	Doctype              string          `json:"doctype"`
	CredentialDefinition json.RawMessage `json:"credential_definition"`
}

// present says whether a raw member was sent with a value.
func present(raw json.RawMessage) bool { return len(raw) > 0 && string(raw) != "null" }

// Shape returns the shape of r. Legacy identification members beside a 1.0
// identifier are ignored, as 1.0 requires of unknown members.
func (r *DraftCredentialRequest) Shape() DraftShape {
	identified := r.CredentialIdentifier != "" || r.CredentialConfigurationID != ""
	switch {
	case !identified && (r.Format != "" || r.VCT != "" || r.Doctype != "" || present(r.CredentialDefinition)):
		return ShapeID1
	case present(r.Proof):
		return ShapeID2
	}
	return Shape10
}

// draftIdentification is what a format-style request asks for.
type draftIdentification struct {
	Format, VCT, Doctype string
	// Types is credential_definition.type, nil when not sent.
	Types []string
}

// matches says whether c is a configuration of that format and type.
func (d *draftIdentification) matches(c *credential.Configuration) bool {
	switch {
	case d.Format != "" && d.Format != c.Format,
		d.VCT != "" && d.VCT != c.VCT,
		d.Doctype != "" && d.Doctype != c.Doctype,
		d.Types != nil && (len(c.Types) == 0 || !sameTypes(d.Types, c.Types)):
		return false
	}
	return true
}

// sameTypes compares W3C types as sets, VerifiableCredential implied.
func sameTypes(a, b []string) bool {
	norm := func(ts []string) []string {
		out := slices.DeleteFunc(slices.Clone(ts), func(t string) bool { return t == "VerifiableCredential" })
		slices.Sort(out)
		return slices.Compact(out)
	}
	return slices.Equal(norm(a), norm(b))
}

// String names the identification in error descriptions.
func (d *draftIdentification) String() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+" "+v)
		}
	}
	add("format", d.Format)
	add("vct", d.VCT)
	add("doctype", d.Doctype)
	if d.Types != nil {
		add("credential_definition.type", strings.Join(d.Types, ","))
	}
	return strings.Join(parts, ", ")
}

// translateDraft turns a draft-shaped request into a 1.0 CredentialRequest,
// without the identification of a ShapeID1 request, which it returns for
// resolveDraft.
func translateDraft(r DraftCredentialRequest) (CredentialRequest, *draftIdentification, error) {
	req := r.CredentialRequest
	if present(r.Proof) {
		if len(req.Proofs) > 0 {
			return req, nil, badRequest(CodeInvalidCredentialRequest, "send proof or proofs, not both")
		}
		proofs, err := draftProofs(r.Proof)
		if err != nil {
			return req, nil, err
		}
		req.Proofs = proofs
	}
	if r.Shape() != ShapeID1 {
		return req, nil, nil
	}
	id := &draftIdentification{Format: r.Format, VCT: r.VCT, Doctype: r.Doctype}
	if present(r.CredentialDefinition) {
		var def struct {
			Type []string `json:"type"`
		}
		if err := json.Unmarshal(r.CredentialDefinition, &def); err != nil || len(def.Type) == 0 {
			return req, nil, badRequest(CodeInvalidCredentialRequest, "credential_definition.type must be a non-empty array of strings")
		}
		id.Types = def.Type
	}
	if id.VCT == "" && id.Doctype == "" && id.Types == nil {
		return req, nil, badRequest(CodeInvalidCredentialRequest, "format %s needs its type parameter (vct, doctype or credential_definition), or send credential_configuration_id", printable(id.Format))
	}
	return req, id, nil
}

// draftProofs turns the singular proof into the proofs object of 1.0.
func draftProofs(raw json.RawMessage) (map[string]json.RawMessage, error) {
	var p struct {
		ProofType string `json:"proof_type"`
		JWT       string `json:"jwt"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, badRequest(CodeInvalidProof, "proof must be an object with proof_type and jwt")
	}
	if p.ProofType != credential.ProofTypeJWT {
		return nil, badRequest(CodeInvalidProof, "unsupported proof_type %s: only jwt proofs are accepted", printable(p.ProofType))
	}
	if p.JWT == "" {
		return nil, badRequest(CodeInvalidProof, "proof.jwt is required with proof_type jwt")
	}
	jwts, _ := json.Marshal([]string{p.JWT})
	return map[string]json.RawMessage{credential.ProofTypeJWT: jwts}, nil
}

// printable keeps wallet input short and safe inside an error description.
func printable(s string) string {
	if s == "" {
		return "(none)"
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '?'
		}
		return r
	}, s)
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return s
}

// resolveDraft picks the one configuration the token covers that matches id
// (among the covered configurations, their twins and twins' bases).
// Nothing covered matching: 403 when an enabled configuration matches (the
// token does not cover it), else the draft's unsupported_credential_format
// or unsupported_credential_type. Several: invalid_credential_request.
func resolveDraft(enabled []credential.Configuration, tok *AccessToken, id *draftIdentification) (*credential.Configuration, error) {
	var matched, elsewhere []*credential.Configuration
	formatKnown := false
	for i := range enabled {
		c := &enabled[i]
		formatKnown = formatKnown || id.Format == "" || c.Format == id.Format
		switch {
		case !id.matches(c):
		case covers(tok, c):
			matched = append(matched, c)
		default:
			elsewhere = append(elsewhere, c)
		}
	}
	matched = withoutTwinsOfBases(matched)
	switch {
	case len(matched) == 1:
		return matched[0], nil
	case len(matched) > 1:
		ids := make([]string, len(matched))
		for i, c := range matched {
			ids[i] = c.ID
		}
		return nil, badRequest(CodeInvalidCredentialRequest, "%s matches several credential configurations of this access token (%s): send format with a type parameter that tells them apart, or credential_configuration_id", printable(id.String()), strings.Join(ids, ", "))
	case len(elsewhere) > 0:
		return nil, newError(http.StatusForbidden, CodeInsufficientScope, "the access token does not cover the credential with %s", printable(id.String()))
	case !formatKnown:
		return nil, badRequest(CodeUnsupportedCredentialFormat, "format %s is not issued here", printable(id.Format))
	}
	return nil, badRequest(CodeUnsupportedCredentialType, "no credential with %s is issued here", printable(id.String()))
}

// withoutTwinsOfBases drops the twins whose base matched too: a request
// without format that names a vct gets the 1.0 configuration.
func withoutTwinsOfBases(cs []*credential.Configuration) []*credential.Configuration {
	return slices.DeleteFunc(slices.Clone(cs), func(c *credential.Configuration) bool {
		return slices.ContainsFunc(cs, func(b *credential.Configuration) bool { return b.DraftTwin && b.ID+DraftTwinSuffix == c.ID })
	})
}

// identify fills the identifier of a resolved configuration into req: the
// credential_identifier when the token was issued with them, else the
// credential_configuration_id. A twin of a configuration an identifier
// names is served through that identifier: the twin is the same dataset in
// its draft encoding, and a draft wallet asking for it by format has no
// identifier of its own to send.
func identify(req *CredentialRequest, tok *AccessToken, cfg *credential.Configuration) error {
	if tok.CredentialIdentifiers == nil {
		req.CredentialConfigurationID = cfg.ID
		return nil
	}
	idents := slices.Sorted(maps.Keys(tok.CredentialIdentifiers))
	for _, ident := range idents {
		if tok.CredentialIdentifiers[ident] == cfg.ID {
			req.CredentialIdentifier = ident
			return nil
		}
	}
	for _, ident := range idents {
		if tok.CredentialIdentifiers[ident]+DraftTwinSuffix == cfg.ID {
			req.CredentialIdentifier, req.twin = ident, true
			return nil
		}
	}
	return badRequest(CodeInvalidCredentialRequest, "this access token was issued with credential_identifiers, none of which is for %s: send credential_identifier", cfg.ID)
}

// CredentialAnyShape serves the credential endpoint for a request in the
// 1.0 shape (handed to Credential unchanged) or, for a draft wallet, in a
// draft shape: translated to 1.0, then answered in the draft's shape
// (DraftCredentialResponse). Errors of draft requests that mean "get a new
// nonce" are *DraftError values carrying one.
func (s *Service) CredentialAnyShape(ctx context.Context, tok *AccessToken, r DraftCredentialRequest) (*CredentialResponse, *DraftCredentialResponse, error) {
	shape := r.Shape()
	if shape == Shape10 {
		resp, err := s.Credential(ctx, tok, r.CredentialRequest)
		return resp, nil, err
	}
	draft, err := s.DraftWallet(ctx, tok.ClientID)
	if err != nil {
		return nil, nil, err
	}
	if !draft {
		if shape == ShapeID2 && len(r.Proofs) > 0 {
			// A complete 1.0 request: to 1.0, proof is an unknown member,
			// which it must ignore (SPEC §0).
			resp, err := s.Credential(ctx, tok, r.CredentialRequest)
			return resp, nil, err
		}
		return nil, nil, badRequest(CodeInvalidCredentialRequest, "this issuer implements OpenID4VCI 1.0: identify the credential with credential_configuration_id or credential_identifier and send proofs as {jwt: [...]}; the draft members proof and format are accepted only from wallets registered as pre-1.0")
	}
	resp, err := s.draftCredential(ctx, tok, r)
	if err != nil {
		return nil, nil, s.draftError(ctx, shape, err)
	}
	dr, err := s.draftResponse(ctx, shape, resp)
	return nil, dr, err
}

// draftCredential translates r to 1.0, resolving a format-style
// identification among the configurations tok covers, and serves it.
func (s *Service) draftCredential(ctx context.Context, tok *AccessToken, r DraftCredentialRequest) (*CredentialResponse, error) {
	req, id, err := translateDraft(r)
	if err != nil {
		return nil, err
	}
	req.shape = r.Shape() // a deferred request answers in it
	if id != nil {
		enabled, err := s.Catalog.Enabled(ctx)
		if err != nil {
			return nil, err
		}
		cfg, err := resolveDraft(enabled, tok, id)
		if err != nil {
			return nil, err
		}
		if err := identify(&req, tok, cfg); err != nil {
			return nil, err
		}
	}
	return s.Credential(ctx, tok, req)
}
