// Package sdjwt is the "dc+sd-jwt" credential format: SD-JWT VCs as profiled
// by OpenID4VCI 1.0 Final Appendix A.3 and HAIP 1.0.
//
// It implements credential.Format on top of:
//   - RFC 9901, Selective Disclosure for JSON Web Tokens (SD-JWT): the
//     issuer-signed JWT and _sd_alg (§4.1), disclosures for object properties
//     and array elements (§4.2.1, §4.2.2), digests and their placement in _sd
//     arrays and {"...": digest} elements (§4.2.3, §4.2.4), recursive
//     disclosures (§4.2.6) and the issuance form <JWT>~<D1>~…~<DN>~ (§4).
//   - draft-ietf-oauth-sd-jwt-vc-13, SD-JWT-based Verifiable Credentials (the
//     version HAIP 1.0 pins): the "dc+sd-jwt" typ header, the vct claim, the
//     registered claims that are never selectively disclosable (iss, nbf,
//     exp, cnf, vct, vct#integrity, status) and x5c issuer key discovery.
//
// The issuer-signed JWT carries iss, iat, exp, vct and cnf in the clear; the
// credential configuration decides which dataset claims become disclosures.
// Salts come from the injected IssueRequest.Rand, never from crypto/rand
// directly, so tests can make issuance deterministic.
//
// NewDraft (draft.go) is the same plugin under the pre-1.0 format identifier
// and typ "vc+sd-jwt", for the draft twins of dc+sd-jwt configurations.
package sdjwt
