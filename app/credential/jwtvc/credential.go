package jwtvc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"credmint/app/credential"
)

// subjectClaims returns the members of credentialSubject: the top-level
// members of data named by a declared claim path (all of them when c
// declares no claims), deep-copied so the caller's dataset is never changed.
// Nested paths keep their nesting: the whole top-level member is copied.
func subjectClaims(c *credential.Configuration, data map[string]any) (map[string]any, error) {
	out := map[string]any{}
	if len(c.Claims) == 0 {
		for name, v := range data {
			out[name] = v
		}
	} else {
		for _, name := range c.TopLevelClaims() {
			if v, ok := data[name]; ok {
				out[name] = v
			}
		}
	}
	if _, clash := out["id"]; clash && c.HolderDIDJWK {
		return nil, fmt.Errorf("jwtvc: dataset member \"id\" clashes with credentialSubject.id, which holder_did_jwk sets to the holder's did:jwk")
	}
	// A JSON round trip is the deep copy: datasets are JSON values.
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("jwtvc: dataset is not JSON: %w", err)
	}
	var copied map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep integers beyond 2^53 exact
	if err := dec.Decode(&copied); err != nil {
		return nil, fmt.Errorf("jwtvc: dataset is not JSON: %w", err)
	}
	return copied, nil
}

// payloadVC11 is the JWT claims set of a VCDM 1.1 credential (VC Data Model
// 1.1 §6.3.1): the credential in vc, with issuer, issuanceDate and
// expirationDate both there and as iss, nbf and exp ("in addition to", which
// §6.3.1 allows), so that verifiers reading either find them; sub is
// credentialSubject.id when there is one. No jti: the credential has no id.
func payloadVC11(req credential.IssueRequest, subject map[string]any, h *holderInfo) map[string]any {
	c := req.Configuration
	vc := map[string]any{
		"@context":     Contexts(c),
		"type":         Types(c),
		"issuer":       req.Issuer,
		"issuanceDate": timestamp(req.IssuedAt),
	}
	claims := map[string]any{
		"iss": req.Issuer,
		"nbf": req.IssuedAt.Unix(),
		"iat": req.IssuedAt.Unix(),
	}
	if !req.ExpiresAt.IsZero() {
		vc["expirationDate"] = timestamp(req.ExpiresAt)
		claims["exp"] = req.ExpiresAt.Unix()
	}
	addHolder(claims, subject, c, h)
	if id, ok := subject["id"].(string); ok && claims["sub"] == nil {
		claims["sub"] = id // §6.3.1: sub represents credentialSubject.id
	}
	vc["credentialSubject"] = subject
	claims["vc"] = vc
	addStatus(claims, req.Status)
	return claims
}

// payloadVC20 is the payload of a VCDM 2.0 credential secured with JOSE
// (VC-JOSE-COSE §3.1.1): the credential itself, plus the JWT claims iss, iat,
// exp, sub and cnf, which carry the same facts as issuer, validFrom,
// validUntil and credentialSubject.id.
func payloadVC20(req credential.IssueRequest, subject map[string]any, h *holderInfo) map[string]any {
	c := req.Configuration
	claims := map[string]any{
		"@context":  Contexts(c),
		"type":      Types(c),
		"issuer":    req.Issuer,
		"validFrom": timestamp(req.IssuedAt),
		"iss":       req.Issuer,
		"iat":       req.IssuedAt.Unix(),
	}
	if !req.ExpiresAt.IsZero() {
		claims["validUntil"] = timestamp(req.ExpiresAt)
		claims["exp"] = req.ExpiresAt.Unix()
	}
	addHolder(claims, subject, c, h)
	claims["credentialSubject"] = subject
	addStatus(claims, req.Status)
	return claims
}

// addHolder binds the credential to the holder key: cnf.jwk (RFC 7800 §3.2)
// and, with holder_did_jwk, sub and credentialSubject.id = did:jwk.
func addHolder(claims, subject map[string]any, c *credential.Configuration, h *holderInfo) {
	if h == nil {
		return
	}
	claims["cnf"] = map[string]any{"jwk": h.jwk}
	if c.HolderDIDJWK {
		claims["sub"] = h.did
		subject["id"] = h.did
	}
}

// addStatus puts the Token Status List reference in the status claim
// (draft-ietf-oauth-status-list §6.1, JWT form).
func addStatus(claims map[string]any, s *credential.StatusReference) {
	if s == nil {
		return
	}
	claims["status"] = map[string]any{
		"status_list": map[string]any{"idx": s.Index, "uri": s.URI},
	}
}

// timestamp is the XML Schema dateTimeStamp of t in UTC, second precision,
// as both data model versions use for their dates.
func timestamp(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}
