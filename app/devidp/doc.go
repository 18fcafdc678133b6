// Package devidp is a small OpenID Connect provider for DEVELOPMENT AND TESTS
// ONLY. Anyone who reaches it can sign in as any of its demo people by
// pressing a button: there are no passwords. credmint mounts it at
// {public_url}/dev-idp when no upstream provider is configured and the
// environment is not production, so the authorization code flow works on a
// fresh machine; configuration validation refuses it in production.
//
// It implements the part of OpenID Connect Core 1.0 a relying party such as
// github.com/coreos/go-oidc/v3 with golang.org/x/oauth2 uses, and nothing
// more:
//   - Discovery 1.0 §3 metadata at /.well-known/openid-configuration and the
//     JWK Set at /jwks (one ES256 key generated at start);
//   - the authorization code flow (Core §3.1) with PKCE S256 required
//     (RFC 7636; plain is refused), state and nonce required, and the iss
//     authorization response parameter (RFC 9207);
//   - the token endpoint with client_secret_basic and client_secret_post
//     (RFC 6749 §2.3.1), single-use 60-second codes, an ES256 ID token
//     (Core §2) and an opaque Bearer access token;
//   - the UserInfo endpoint (Core §5.3).
//
// Every claim of the chosen person is released in the ID token and at
// UserInfo, whatever the scope, so claim mapping can be tried without tuning
// scopes. State (pending sign-ins, codes, access tokens) lives in memory,
// hashed, behind a mutex, and is lost on restart. The pages come from
// views/devidp and carry a "DEVELOPMENT IDENTITY PROVIDER" banner.
package devidp
