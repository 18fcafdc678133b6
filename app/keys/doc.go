// Package keys owns the issuer's signing keys: their generation, their
// certificates (so credentials and metadata can carry x5c), their storage
// sealed under the master key, their lifecycle (rotation with a grace
// period, CSRs and imported chains, retirement) and the public JWKS.
//
// Everything else signs through a [Signer]: formats, metadata and status
// lists ask the [Ring] for the [Ring.Active] signer of a purpose and never
// see a private key. [SignJWT] makes every JWS credmint signs (typ, kid,
// x5c), and [COSE] with [X5Chain] every COSE_Sign1 (mdoc issuerAuth, CWT
// status lists). Raw key material does not leave this package; at rest
// it exists only as PKCS#8 sealed by a [Sealer] (AES-256-GCM under an
// HKDF-SHA256 key derived from the master key, with the key id as
// additional authenticated data), in memory only inside the local signer.
//
// # Lifecycle
//
// One key per purpose is active: of the usable keys (not retired, with a
// certificate, NotBefore come, NotAfter not) the one with the latest
// NotBefore. [Ring.Rotate] makes a new key that is published at once and
// signs from a given time; [Ring.Housekeep] rotates generated keys before
// their certificate expires (when configured) and retires superseded keys
// once nothing they signed can still be verified: credential and document
// signer keys when the last credential they signed has expired (the
// issued_credentials.signing_key_id column), status list and metadata keys
// after a grace period, an IACA when no document signer it issued remains.
// [Ring.Retire] retires a key at once (a compromise or a mistake) and, when
// it was the active one, creates its replacement. Retired keys are never
// deleted.
//
// Certificates are self-signed for development. For production,
// [Ring.RequestCertificate] makes a key in state [CertificatePending] (it
// neither signs nor is published) with a PKCS#10 CSR, and
// [Ring.ImportChain] installs the chain the CA issued. For mso_mdoc the Ring
// creates an IACA root ([PurposeMdocIACA], [IACACertificate]) and issues
// document signer certificates from it ([DocumentSignerCertificate]) with
// the extensions of ISO/IEC 18013-5 Annex B; real deployments import a
// document signer chain issued by their issuing authority instead.
//
// The master key is 32 random bytes given to credmint in base64
// ([ParseMasterKey], [GenerateMasterKey]). The Sealer also derives
// per-purpose keys from it ([Sealer.Subkey]) for the HMACs other packages
// need, such as hashing nonces and tx_codes. Starting with a different
// master key than the keys were sealed with fails loudly
// ([ErrMasterKeyMismatch]); the Ring never creates a new key over
// unreadable ones.
//
// # The HSM seam
//
// Hardware keys are the planned second [Signer]; no PKCS#11 code exists
// yet. The seam is:
//
//   - [Signer] is the only way to sign. A PKCS#11 signer implements it by
//     calling C_Sign on the token (CKM_ECDSA over the SHA-256 digest,
//     returning r||s, which is already the JOSE and COSE form); KeyID,
//     Public and Chain come from the stored record, not the token.
//   - Its [Record] would hold, instead of PrivateKeySealed, a reference to
//     the token object: module path, token label or slot, the key's
//     CKA_LABEL and CKA_ID; the PIN stays in configuration, never in the
//     database. A Record field such as Backend ("local" or "pkcs11")
//     would tell the two apart.
//   - The Ring opens records in one place, Ring.open: for a PKCS#11
//     record it would open a session and find the key object instead of
//     unsealing PKCS#8. Key creation (Ring.generate and newKey) would call
//     C_GenerateKeyPair on the token; CSRs and certificates only need a
//     crypto.Signer, which such a signer can also provide.
//   - Issuing document signer certificates uses the IACA's private key
//     through the local signer today (generateDocumentSigner); with an HSM
//     the IACA would live on the token too.
package keys
