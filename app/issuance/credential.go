package issuance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"credmint/app/audit"
	"credmint/app/credential"
)

// CredentialRequest is a credential endpoint request (OID4VCI §8.2). Unknown
// members are ignored.
type CredentialRequest struct {
	CredentialIdentifier         string                     `json:"credential_identifier"`
	CredentialConfigurationID    string                     `json:"credential_configuration_id"`
	Proofs                       map[string]json.RawMessage `json:"proofs"`
	CredentialResponseEncryption json.RawMessage            `json:"credential_response_encryption"`

	// Set by the translation of a draft request (draft.go), never from
	// JSON: shape is the request's draft shape, kept with a deferred
	// request so the deferred endpoint answers in it; twin serves the
	// draft twin of the configuration credential_identifier names.
	shape DraftShape
	twin  bool
}

// CredentialResponse is an immediate credential response (§8.3).
type CredentialResponse struct {
	Credentials    []IssuedValue `json:"credentials,omitempty"`
	NotificationID string        `json:"notification_id,omitempty"`
	// Deferred, when set, is the 202 answer instead (§8.3): the request
	// waits for a reviewer (see deferred.go).
	Deferred *Pending `json:"-"`
}

// IssuedValue is one entry of "credentials".
type IssuedValue struct {
	Credential any `json:"credential"`
}

// Authenticate resolves a bearer access token (RFC 6750) to its record.
func (s *Service) Authenticate(ctx context.Context, token string) (*AccessToken, error) {
	tok, err := s.knownToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if !s.now().Before(tok.ExpiresAt) {
		return nil, invalidToken("the access token has expired")
	}
	return tok, nil
}

// knownToken resolves a bearer access token to its record, refusing an
// absent, unknown or revoked one; expiry is the caller's rule.
func (s *Service) knownToken(ctx context.Context, token string) (*AccessToken, error) {
	if token == "" {
		return nil, invalidToken("an access token is required")
	}
	tok, err := s.Store.AccessToken(ctx, hashSecret(token))
	if errors.Is(err, ErrNotFound) {
		return nil, invalidToken("the access token is unknown")
	} else if err != nil {
		return nil, err
	}
	if tok.RevokedAt != nil {
		return nil, invalidToken("the access token was revoked")
	}
	return tok, nil
}

// Credential serves the credential endpoint for an authenticated token. The
// order of checks follows SPEC §9.2: identify the credential, encryption,
// proofs, nonce, then issue.
func (s *Service) Credential(ctx context.Context, tok *AccessToken, req CredentialRequest) (*CredentialResponse, error) {
	cfg, err := s.requestedConfiguration(ctx, tok, req)
	if err != nil {
		return nil, err
	}
	if len(req.CredentialResponseEncryption) > 0 && string(req.CredentialResponseEncryption) != "null" {
		return nil, badRequest(CodeInvalidEncryptionParameters, "credential response encryption is not supported by this issuer")
	}
	holders, err := s.holderKeys(ctx, cfg, req.Proofs)
	if err != nil {
		return nil, err
	}
	offer, err := s.tokenOffer(ctx, tok)
	if err != nil {
		return nil, err
	}
	claims, err := s.tokenClaims(tok, offer, cfg.ID)
	if err != nil {
		return nil, err
	}
	applicantID := applicantOf(tok, offer)
	// Review is decided before the dataset is checked: a reviewer fills
	// what is missing, and approval checks it (deferred_review.go).
	reasons, err := s.reviewReasons(ctx, cfg, tok, applicantID, claims)
	if err != nil {
		return nil, err
	}
	if len(reasons) > 0 { // deferred issuance (§8.3, §9)
		p, err := s.deferIssuance(ctx, tok, cfg, req.shape, claims, holders, applicantID, offer, reasons)
		if err != nil {
			return nil, err
		}
		return &CredentialResponse{Deferred: p}, nil
	}
	if errs := cfg.CheckDataset(claims); len(errs) > 0 {
		return nil, badRequest(CodeCredentialRequestDenied, "the issuer's data for this credential is incomplete (%s %s); contact the issuer", errs[0].Field, errs[0].Reason)
	}
	return s.issue(ctx, tok, cfg, claims, holders)
}

// requestedConfiguration applies the identification rules of §8.2: exactly
// one of credential_identifier (when the token response carried
// authorization_details) or credential_configuration_id (otherwise).
func (s *Service) requestedConfiguration(ctx context.Context, tok *AccessToken, req CredentialRequest) (*credential.Configuration, error) {
	byIdent, byConfig := req.CredentialIdentifier != "", req.CredentialConfigurationID != ""
	if byIdent == byConfig {
		return nil, badRequest(CodeInvalidCredentialRequest, "send exactly one of credential_identifier and credential_configuration_id")
	}
	var id string
	switch {
	case tok.CredentialIdentifiers != nil && byConfig:
		if base := twinBase(req.CredentialConfigurationID); base != req.CredentialConfigurationID && slices.Contains(slices.Collect(maps.Values(tok.CredentialIdentifiers)), base) {
			return nil, badRequest(CodeInvalidCredentialRequest, "this access token was issued with credential_identifiers: send credential_identifier, which issues %s; its draft twin %s is issued only to pre-1.0 wallets that ask for it by format and type", printable(base), printable(req.CredentialConfigurationID))
		}
		return nil, badRequest(CodeInvalidCredentialRequest, "this access token was issued with credential_identifiers: send credential_identifier")
	case tok.CredentialIdentifiers == nil && byIdent:
		return nil, badRequest(CodeInvalidCredentialRequest, "this access token has no credential_identifiers: send credential_configuration_id")
	case byIdent:
		var ok bool
		if id, ok = tok.CredentialIdentifiers[req.CredentialIdentifier]; !ok {
			return nil, badRequest(CodeUnknownIdentifier, "unknown credential_identifier")
		}
		if req.twin { // a draft request for the twin (draft.go, identify)
			id += DraftTwinSuffix
		}
	default:
		id = req.CredentialConfigurationID
	}
	cfg, err := s.Catalog.Configuration(ctx, id)
	if errors.Is(err, credential.ErrUnknownConfiguration) {
		return nil, badRequest(CodeUnknownConfiguration, "unknown credential configuration %q", id)
	} else if err != nil {
		return nil, err
	}
	if !covers(tok, cfg) { // its own id, or a draft twin's (draft_twin.go)
		return nil, newError(http.StatusForbidden, CodeInsufficientScope, "the access token does not cover credential configuration %q", id)
	}
	return cfg, nil
}

// holderKeys verifies the proofs and spends their nonce, returning one key
// per credential to issue. Without holder binding it returns one nil key.
func (s *Service) holderKeys(ctx context.Context, cfg *credential.Configuration, proofs map[string]json.RawMessage) ([]*verifiedProof, error) {
	if !cfg.RequiresBinding() {
		return []*verifiedProof{nil}, nil
	}
	if len(proofs) == 0 {
		return nil, badRequest(CodeInvalidProof, "proofs are required for credential configuration %q", cfg.ID)
	}
	if len(proofs) != 1 {
		return nil, badRequest(CodeInvalidProof, "proofs must have exactly one proof type")
	}
	raw, ok := proofs[credential.ProofTypeJWT]
	if !ok {
		return nil, badRequest(CodeInvalidProof, "unsupported proof type: only jwt proofs are accepted")
	}
	var jwts []string
	if err := json.Unmarshal(raw, &jwts); err != nil || len(jwts) == 0 {
		return nil, badRequest(CodeInvalidProof, "proofs.jwt must be a non-empty array of strings")
	}
	if len(jwts) > s.Policy.BatchSize {
		return nil, badRequest(CodeInvalidCredentialRequest, "at most %d proofs per request", s.Policy.BatchSize)
	}
	verified := make([]*verifiedProof, 0, len(jwts))
	seen := map[string]bool{}
	for i, p := range jwts {
		vp, perr := s.verifyJWTProof(p, cfg)
		if perr != nil {
			if len(jwts) > 1 {
				perr.Description = fmt.Sprintf("proofs.jwt[%d]: %s", i, perr.Description)
			}
			return nil, perr
		}
		if seen[vp.Thumbprint] {
			return nil, badRequest(CodeInvalidProof, "proofs.jwt[%d] uses the same key as an earlier proof", i)
		}
		seen[vp.Thumbprint] = true
		verified = append(verified, vp)
	}
	if err := s.spendNonces(ctx, verified); err != nil {
		return nil, err
	}
	return verified, nil
}

// spendNonces checks each distinct nonce of a request and spends it once: a
// batch shares one c_nonce.
func (s *Service) spendNonces(ctx context.Context, proofs []*verifiedProof) error {
	nonces := make([]string, len(proofs))
	for i, p := range proofs {
		nonces[i] = p.Nonce
	}
	for _, n := range sortedUnique(nonces) {
		expires, err := s.checkNonce(n)
		if err == nil {
			err = s.spendNonce(ctx, n, expires)
		}
		if errors.Is(err, errBadNonce) {
			return badRequest(CodeInvalidNonce, "%v: get a new one from %s", err, s.NonceEndpoint())
		} else if err != nil {
			return err
		}
	}
	return nil
}

// issue signs one credential per holder key and records the issuance.
func (s *Service) issue(ctx context.Context, tok *AccessToken, cfg *credential.Configuration, claims map[string]any, holders []*verifiedProof) (*CredentialResponse, error) {
	resp, records, err := s.sign(ctx, tok, cfg, claims, holders)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(records))
	for i := range records {
		ids[i] = records[i].ID
	}
	subjectType, subjectID := "offer", tok.OfferID
	if tok.OfferID == "" { // authorization code flow without an offer
		subjectType, subjectID = "access_token", tok.ID
	}
	ev := audit.New(ctx, s.now(), "credential.issued", subjectType, subjectID, map[string]string{
		"credential_configuration_id": cfg.ID, "count": fmt.Sprint(len(records)), "access_token_id": tok.ID,
		"credential_ids": strings.Join(ids, " "),
	})
	if err := s.publish(&ev, WebhookEvent{Type: WebhookCredentialIssued, OfferID: tok.OfferID, ConfigurationID: cfg.ID, CredentialIDs: ids}); err != nil {
		return nil, err
	}
	if err := s.Store.RecordIssuance(ctx, records, ev); err != nil {
		return nil, fmt.Errorf("issuance: recording issuance: %w", err)
	}
	s.queued(&ev)
	return resp, nil
}

// sign signs one credential per holder key and returns the response and
// the records to store (not yet stored).
func (s *Service) sign(ctx context.Context, tok *AccessToken, cfg *credential.Configuration, claims map[string]any, holders []*verifiedProof) (*CredentialResponse, []IssuedCredential, error) {
	format, ok := s.Formats.Lookup(cfg.Format)
	if !ok {
		return nil, nil, fmt.Errorf("issuance: configuration %s has unregistered format %s", cfg.ID, cfg.Format)
	}
	purpose := credential.KeyPurpose(format)
	signer, err := s.Signers.Active(purpose)
	if err != nil {
		return nil, nil, fmt.Errorf("issuance: no active %s signing key: %w", purpose, err)
	}
	var entries []StatusEntry
	if s.StatusLists != nil {
		if entries, err = s.StatusLists.Allocate(ctx, len(holders)); err != nil {
			return nil, nil, fmt.Errorf("issuance: allocating status list entries: %w", err)
		}
		if len(entries) != len(holders) {
			return nil, nil, fmt.Errorf("issuance: asked for %d status list entries, got %d", len(holders), len(entries))
		}
	}
	now := s.now()
	iat, exp := validityWindow(now, cfg.Validity)
	// A credential never outlives the certificate of the key that signed
	// it: verifiers check the x5c / x5chain at presentation, and key
	// rotation (app/keys) replaces keys before their certificates end.
	if chain := signer.Chain(); len(chain) > 0 && exp.After(chain[0].NotAfter) {
		exp = chain[0].NotAfter
	}
	notificationID, err := randomToken(s.Rand, 18)
	if err != nil {
		return nil, nil, err
	}
	resp := &CredentialResponse{NotificationID: notificationID}
	records := make([]IssuedCredential, 0, len(holders))
	for i, h := range holders {
		req := credential.IssueRequest{Configuration: cfg, Issuer: s.Issuer, Claims: claims, IssuedAt: iat, ExpiresAt: exp, Signer: signer, Rand: s.Rand}
		rec := IssuedCredential{OfferID: tok.OfferID, AccessTokenID: tok.ID, ConfigurationID: cfg.ID, Format: cfg.Format, NotificationID: notificationID, IssuedAt: now, ExpiresAt: exp, SigningKeyID: signer.KeyID()}
		if entries != nil {
			ref := entries[i].StatusReference
			req.Status = &ref
			rec.StatusListID, rec.StatusIndex = entries[i].ListID, entries[i].Index
		}
		if h != nil {
			key := h.Key
			req.HolderKey = &key
			rec.HolderKeyThumbprint = h.Thumbprint
		}
		if rec.ID, err = randomID(s.Rand, "crd_"); err != nil {
			return nil, nil, err
		}
		value, err := format.Issue(ctx, req)
		if err != nil {
			return nil, nil, fmt.Errorf("issuance: issuing %s: %w", cfg.ID, err)
		}
		resp.Credentials = append(resp.Credentials, IssuedValue{Credential: value})
		records = append(records, rec)
	}
	return resp, records, nil
}

// validityWindow returns the iat and exp of a credential issued at now. For
// privacy (OID4VCI §15.4) times are rounded down to the start of the UTC day
// when the validity is long enough for that not to matter, so credentials
// issued on the same day cannot be linked by their timestamps.
func validityWindow(now time.Time, validity time.Duration) (time.Time, time.Time) {
	if validity >= 48*time.Hour {
		day := now.Truncate(24 * time.Hour)
		return day, day.Add(validity)
	}
	iat := now.Truncate(time.Minute)
	return iat, iat.Add(validity)
}
