// Package mdoc is the "mso_mdoc" credential format: ISO/IEC 18013-5 mobile
// documents as profiled by OpenID4VCI 1.0 Final Appendix A.2 and HAIP 1.0.
//
// It implements credential.Format on top of ISO/IEC 18013-5:2021:
//   - §8.3.2.1.2.2 IssuerSigned: the issuer-signed data elements, one
//     IssuerSignedItem per element (digestID, random salt,
//     elementIdentifier, elementValue), each wrapped in tag 24
//     (IssuerSignedItemBytes), grouped by namespace;
//   - §9.1.2.4 the Mobile Security Object (MSO): version "1.0",
//     digestAlgorithm "SHA-256", valueDigests over the tag-24 bytes of every
//     item, deviceKeyInfo with the holder's key as a COSE_Key (RFC 9052 §7),
//     docType and validityInfo (tdate, tag 0);
//   - §9.1.2.4 issuerAuth: the tag-24-wrapped MSO signed as an untagged
//     COSE_Sign1 (RFC 9052 §4.2) with ES256 (-7) in the protected header and
//     the document signer certificate in x5chain (label 33, RFC 9360) in the
//     unprotected header.
//
// Full dates (credential.TypeDate claims) are encoded as full-date, tag 1004
// (RFC 8943); date-times as tdate, tag 0. When the issuer keeps a status for
// the credential, the MSO carries status.status_list {idx, uri} (Token
// Status List draft-14 §6.3, ISO/IEC 18013-5 second edition).
//
// The claim paths of an mdoc configuration are [namespace, element
// identifier]; a dataset is {namespace: {element: value}}. Every element is
// selectively disclosable by construction, so the claims' selective flag is
// ignored. The credential response carries the IssuerSigned structure as
// unpadded base64url. Salts and digest IDs come from the injected
// IssueRequest.Rand; credentials are signed with the document signer key
// (keys.PurposeMdocDocumentSigner).
//
// CBOR is encoded with fxamacker/cbor in Core Deterministic Encoding
// (RFC 8949 §4.2.1); COSE_Sign1 is produced by veraison/go-cose.
package mdoc
