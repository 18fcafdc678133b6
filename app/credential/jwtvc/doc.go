// Package jwtvc is the "jwt_vc_json" credential format: W3C Verifiable
// Credentials signed as a JWT, not using JSON-LD (OpenID4VCI 1.0 Final
// Appendix A.1.1). A configuration selects the data model version:
//
//   - VCDM 1.1 (vcdm: "1.1"), the JWT encoding of VC Data Model 1.1 §6.3.1:
//     typ "JWT", the credential in the vc claim, and the registered claims
//     iss (= issuer), nbf (= issuanceDate), exp (= expirationDate) and sub
//     (= credentialSubject.id, only when the holder is named by a DID).
//   - VCDM 2.0 (vcdm: "2.0", the default), as secured by VC-JOSE-COSE §3.1.1:
//     typ "vc+jwt", cty "vc", and the credential itself as the JWT payload
//     (@context, type, issuer, validFrom, validUntil, credentialSubject),
//     plus the JWT claims iss, iat, exp and cnf for verifiers that read those.
//
// Both are signed with the issuer's credential key (ES256, kid and x5c in the
// header, like dc+sd-jwt). Holder binding is cnf.jwk (RFC 7800) with the
// holder's public key; with holder_did_jwk the holder is also named as
// credentialSubject.id and sub = did:jwk of that key. Status is the Token
// Status List reference status.status_list.{idx, uri} as a JWT claim, in
// both versions (no credentialStatus). There is no selective disclosure: the
// dataset's top-level members named by the configuration's claim paths go
// into credentialSubject as they are.
//
// The issuer metadata entry is credential_definition.type; OpenID4VCI 1.0
// defines credential_definition.@context only for jwt_vc_json-ld and ldp_vc,
// so it is not published for this format.
package jwtvc
