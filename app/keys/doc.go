// Package keys owns the issuer's signing keys: their generation, their
// certificates (so credentials and metadata can carry x5c), their storage
// sealed under the master key, rotation by NotBefore, and the public JWKS.
//
// Everything else signs through a [Signer]: formats, metadata and status
// lists ask the [Ring] for the [Ring.Active] signer of a purpose and never
// see a private key. Raw key material does not leave this package; at rest
// it exists only as PKCS#8 sealed by a [Sealer] (AES-256-GCM under an
// HKDF-SHA256 key derived from the master key, with the key id as
// additional authenticated data), in memory only inside the local signer.
//
// The master key is 32 random bytes given to credmint in base64
// ([ParseMasterKey], [GenerateMasterKey]). The Sealer also derives
// per-purpose keys from it ([Sealer.Subkey]) for the HMACs other packages
// need, such as hashing nonces and tx_codes. Starting with a different
// master key than the keys were sealed with fails loudly
// ([ErrMasterKeyMismatch]); the Ring never creates a new key over
// unreadable ones.
//
// Hardware keys are the planned second [Signer]: a PKCS#11 signer (HSM or
// cloud KMS) would implement Signer by calling the token, and its Record
// would hold a reference to the token object (slot, label, key id) instead
// of a sealed private key; the Ring would open such records into that
// signer. It is not built yet; only the local ES256 signer exists.
package keys
