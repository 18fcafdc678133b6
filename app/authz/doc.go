// Package authz is credmint as the wallet's OAuth 2.0 authorization server,
// for the authorization code flow of OpenID for Verifiable Credential
// Issuance 1.0 (Final): wallet clients, pushed authorization requests
// (RFC 9126), the authorization endpoint (RFC 6749 §4.1, OID4VCI §5) with
// PKCE S256 (RFC 7636), scope or authorization_details (RFC 9396) and
// issuer_state (OID4VCI §5.1.3), the iss response parameter (RFC 9207), the
// person's login at the upstream OpenID provider (OpenID Connect Core 1.0
// code flow with PKCE, state and nonce, through coreos/go-oidc), the mapping
// of upstream claims to credential datasets and the match to an uploaded
// applicant, consent, single-use authorization codes and the token
// endpoint's authorization_code grant (RFC 6749 §4.1.3, OID4VCI §6).
//
// Every piece of a request's state lives in the database (Store), so any
// credmint process can serve any step. Secrets are stored as hashes (request
// URIs, the upstream state and nonce, the browser binding, codes) or sealed
// with the master key (the upstream PKCE verifier, the datasets). It does
// not know HTTP frameworks, databases or templates: time comes from
// Deps.Now, randomness from Deps.Rand.
package authz
