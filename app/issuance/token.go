package issuance

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"

	"credmint/app/audit"
)

// TokenRequest is a token endpoint request (RFC 6749 §4.1.3, OID4VCI §6.1).
type TokenRequest struct {
	GrantType         string
	PreAuthorizedCode string
	// TxCode is nil when the parameter was absent.
	TxCode   *string
	ClientID string
	// AuthorizationDetails is the raw JSON of the parameter, "" when absent.
	AuthorizationDetails string
	// Code, CodeVerifier and RedirectURI are the authorization_code grant's
	// (RFC 6749 §4.1.3, RFC 7636 §4.5).
	Code         string
	CodeVerifier string
	RedirectURI  string
	// RefreshToken is the refresh_token grant's (RFC 6749 §6).
	RefreshToken string
}

// TokenResponse is the successful token response (OID4VCI §6.2).
type TokenResponse struct {
	AccessToken          string                `json:"access_token"`
	TokenType            string                `json:"token_type"`
	ExpiresIn            int                   `json:"expires_in"`
	AuthorizationDetails []AuthorizationDetail `json:"authorization_details,omitempty"`
	// RefreshToken is set when refresh tokens are on (RFC 6749 §5.1).
	RefreshToken string `json:"refresh_token,omitempty"`
	// CNonce and CNonceExpiresIn are the drafts' (draft 13 §6.2), for
	// draft wallets only (draft.go).
	CNonce          string `json:"c_nonce,omitempty"`
	CNonceExpiresIn int    `json:"c_nonce_expires_in,omitempty"`
}

// AuthorizationDetail is an openid_credential authorization details entry
// (RFC 9396, OID4VCI §5.1.1 and §6.2).
type AuthorizationDetail struct {
	Type                      string   `json:"type"`
	CredentialConfigurationID string   `json:"credential_configuration_id"`
	CredentialIdentifiers     []string `json:"credential_identifiers,omitempty"`
}

// Token serves the token endpoint. Draft wallets also get a c_nonce.
func (s *Service) Token(ctx context.Context, req TokenRequest) (*TokenResponse, error) {
	// Asked before the grant, which spends the code: a failed lookup
	// leaves it for the wallet's retry.
	draft, err := s.DraftWallet(ctx, req.ClientID)
	if err != nil {
		return nil, err
	}
	resp, err := s.grant(ctx, req)
	if err != nil || !draft {
		return resp, err
	}
	return s.withDraftNonce(ctx, resp)
}

// grant runs the requested grant.
func (s *Service) grant(ctx context.Context, req TokenRequest) (*TokenResponse, error) {
	switch req.GrantType {
	case "":
		return nil, badRequest(CodeInvalidRequest, "grant_type is required")
	case GrantPreAuthorizedCode:
		return s.preAuthorizedToken(ctx, req)
	case GrantAuthorizationCode:
		if s.CodeGrant == nil {
			return nil, badRequest(CodeUnsupportedGrantType, "this issuer has no authorization endpoint: use the pre-authorized code grant")
		}
		return s.CodeGrant.ExchangeCode(ctx, req)
	case GrantRefreshToken:
		if s.CodeGrant == nil {
			return nil, badRequest(CodeUnsupportedGrantType, "refresh tokens are not enabled on this issuer")
		}
		return s.CodeGrant.Refresh(ctx, req)
	default:
		return nil, badRequest(CodeUnsupportedGrantType, "grant_type %q is not supported", req.GrantType)
	}
}

func (s *Service) preAuthorizedToken(ctx context.Context, req TokenRequest) (*TokenResponse, error) {
	if req.PreAuthorizedCode == "" {
		return nil, badRequest(CodeInvalidRequest, "pre-authorized_code is required")
	}
	if req.ClientID == "" && !s.Policy.AnonymousPreAuthorized {
		// 400, not 401: no client authentication was attempted (RFC 6749 §5.2).
		return nil, badRequest(CodeInvalidClient, "client_id is required: anonymous access is not allowed")
	}
	requested, err := parseAuthorizationDetails(req.AuthorizationDetails)
	if err != nil {
		return nil, err
	}
	o, err := s.Store.OfferByCode(ctx, hashSecret(req.PreAuthorizedCode))
	if errors.Is(err, ErrNotFound) {
		return nil, badRequest(CodeInvalidGrant, "unknown pre-authorized code")
	} else if err != nil {
		return nil, err
	}
	if o.Grant == GrantAuthorizationCode {
		// Its code_hash is the hash of issuer_state, which must not
		// redeem the offer without the person's login (OID4VCI §5.1.3).
		return nil, badRequest(CodeInvalidGrant, "unknown pre-authorized code")
	}
	now := s.now()
	if st := o.EffectiveState(now); st != OfferCreated && st != OfferFetched {
		return nil, badRequest(CodeInvalidGrant, "the pre-authorized code is %s", describeState(st))
	}
	granted, err := grantedConfigurations(o, requested)
	if err != nil {
		return nil, err
	}
	if err := s.checkTxCode(ctx, o, req.TxCode); err != nil {
		return nil, err
	}

	value, err := randomToken(s.Rand, 32)
	if err != nil {
		return nil, err
	}
	tok := &AccessToken{
		Hash: hashSecret(value), OfferID: o.ID, ConfigurationIDs: granted,
		ClientID: req.ClientID, CreatedAt: now, ExpiresAt: now.Add(s.Policy.AccessTokenLifetime),
	}
	if tok.ID, err = randomID(s.Rand, "tok_"); err != nil {
		return nil, err
	}
	resp := &TokenResponse{AccessToken: value, TokenType: TokenTypeBearer, ExpiresIn: int(s.Policy.AccessTokenLifetime.Seconds())}
	if requested != nil {
		tok.CredentialIdentifiers = map[string]string{}
		for _, id := range granted {
			ident := credentialIdentifier(o.ID, id)
			tok.CredentialIdentifiers[ident] = id
			resp.AuthorizationDetails = append(resp.AuthorizationDetails, AuthorizationDetail{
				Type: AuthDetailsType, CredentialConfigurationID: id, CredentialIdentifiers: []string{ident},
			})
		}
	}
	ev := audit.New(ctx, now, "offer.redeemed", "offer", o.ID, map[string]string{"access_token_id": tok.ID})
	if err := s.Store.RedeemOffer(ctx, o.ID, now, tok, ev); errors.Is(err, ErrConflict) {
		return nil, badRequest(CodeInvalidGrant, "the pre-authorized code was already used or has expired")
	} else if err != nil {
		return nil, err
	}
	return resp, nil
}

// checkTxCode enforces the tx_code rules of §6.1 and the attempt limit of the
// errata: an attempt is reserved atomically before the code is compared, so
// no more than MaxTxCodeAttempts guesses are ever evaluated, even in parallel.
// A wrong code does not consume the pre-authorized code; the last wrong one
// locks the offer.
func (s *Service) checkTxCode(ctx context.Context, o *Offer, given *string) error {
	if o.TxCode == nil {
		if given != nil {
			return badRequest(CodeInvalidRequest, "tx_code was sent but this offer has none")
		}
		return nil
	}
	if given == nil || *given == "" {
		return badRequest(CodeInvalidRequest, "tx_code is required for this offer")
	}
	now := s.now()
	attempt, err := s.Store.ReserveTxCodeAttempt(ctx, o.ID, now)
	if errors.Is(err, ErrConflict) {
		return badRequest(CodeInvalidGrant, "too many wrong tx_code attempts: the offer is locked, ask the issuer for a new code")
	} else if err != nil {
		return err
	}
	want, _ := hex.DecodeString(o.TxCodeHash)
	got, _ := hex.DecodeString(s.hashTxCode(o.ID, *given))
	if subtle.ConstantTimeCompare(want, got) == 1 {
		return nil
	}
	left := o.MaxTxCodeAttempts - attempt
	if left <= 0 {
		ev := audit.New(ctx, now, "offer.locked", "offer", o.ID, map[string]string{"reason": "tx_code attempts exhausted"})
		if err := s.Store.LockOffer(ctx, o.ID, now, ev); err != nil && !errors.Is(err, ErrConflict) {
			return err
		}
		return badRequest(CodeInvalidGrant, "wrong tx_code: the offer is now locked, ask the issuer for a new code")
	}
	return badRequest(CodeInvalidGrant, "wrong tx_code (%d attempt(s) left)", left)
}

// parseAuthorizationDetails parses the token request's authorization_details
// (RFC 9396 §2). It returns nil when the parameter was absent.
func parseAuthorizationDetails(raw string) ([]AuthorizationDetail, error) {
	if raw == "" {
		return nil, nil
	}
	var entries []map[string]any
	if err := json.Unmarshal([]byte(raw), &entries); err != nil || len(entries) == 0 {
		return nil, badRequest(CodeInvalidAuthorizationDetails, "authorization_details must be a non-empty JSON array of objects")
	}
	out := make([]AuthorizationDetail, 0, len(entries))
	for i, e := range entries {
		typ, _ := e["type"].(string)
		id, _ := e["credential_configuration_id"].(string)
		if typ != AuthDetailsType {
			return nil, badRequest(CodeInvalidAuthorizationDetails, "authorization_details[%d].type must be %q", i, AuthDetailsType)
		}
		if id == "" {
			return nil, badRequest(CodeInvalidAuthorizationDetails, "authorization_details[%d].credential_configuration_id is required", i)
		}
		out = append(out, AuthorizationDetail{Type: typ, CredentialConfigurationID: id})
	}
	return out, nil
}

// grantedConfigurations is what the access token will cover: the offered
// configurations, or the requested subset of them.
func grantedConfigurations(o *Offer, requested []AuthorizationDetail) ([]string, error) {
	if requested == nil {
		return o.ConfigurationIDs, nil
	}
	var ids []string
	for _, d := range requested {
		if !slices.Contains(o.ConfigurationIDs, d.CredentialConfigurationID) {
			return nil, badRequest(CodeInvalidAuthorizationDetails, "credential configuration %q was not offered", d.CredentialConfigurationID)
		}
		ids = append(ids, d.CredentialConfigurationID)
	}
	return sortedUnique(ids), nil
}

// credentialIdentifier names the one credential dataset of an offer for a
// configuration. It is stable for the offer, so repeated token responses
// agree.
func credentialIdentifier(offerID, configID string) string {
	sum := sha256.Sum256([]byte(offerID + "\x00" + configID))
	return configID + "." + base64.RawURLEncoding.EncodeToString(sum[:9])
}
