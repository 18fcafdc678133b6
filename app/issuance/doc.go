// Package issuance is the OpenID for Verifiable Credential Issuance 1.0
// (Final, September 2025) core of credmint: credential offers with the
// pre-authorized code grant (§4, §6), the nonce endpoint (§7), the credential
// endpoint with jwt key proofs (§8, Appendix F.1), the notification endpoint
// (§11) and the issuer and authorization server metadata (§12). Wallets on
// draft 13 (ID1) and ID2 are served by draft*.go, which translate their
// requests to 1.0 and answer in their shapes (SPEC §20).
//
// It takes typed requests and returns typed results or an *Error carrying the
// protocol's error code and HTTP status. It does not know HTTP frameworks,
// databases or templates: persistence is the Store interface, time comes from
// Deps.Now and randomness from Deps.Rand.
package issuance
