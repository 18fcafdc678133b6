package issuance

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"

	"credmint/app/audit"
	"credmint/app/credential"
)

// Deferred endpoint error codes (OID4VCI 1.0 §9.3; issuance_pending is the
// draft ≤ 15 answer for "not yet", SPEC §10).
const (
	CodeInvalidTransactionID = "invalid_transaction_id"
	CodeIssuancePending      = "issuance_pending"
)

// ApplicantFacts tells the review rules about an applicant.
type ApplicantFacts interface {
	// ApplicantFacts returns the applicant's flags and current claims;
	// ErrNotFound when there is no such applicant.
	ApplicantFacts(ctx context.Context, id string) (flags []string, claims map[string]any, err error)
}

// reviewReasons says why a request for cfg needs a reviewer; nil when it is
// answered at once. A manual configuration without review_rules always
// needs one; with rules, only when one fires. Whatever the policy, a
// person who signed in (authorization code flow) without matching an
// applicant of a configuration with no_match: review needs one.
func (s *Service) reviewReasons(ctx context.Context, cfg *credential.Configuration, tok *AccessToken, applicantID string, claims map[string]any) ([]string, error) {
	if s.Deferred == nil {
		return nil, nil
	}
	if cfg.ApplicantMatch != nil && cfg.NoMatchPolicy() == credential.NoMatchReview {
		u, err := s.tokenUpstream(tok, cfg.ID)
		if err != nil {
			return nil, err
		}
		if u.unmatched(cfg.ID) {
			return []string{ReasonNoApplicantMatch}, nil
		}
	}
	if cfg.Review() != credential.ReviewManual {
		return nil, nil
	}
	if len(cfg.ReviewRules) == 0 {
		return []string{ReasonManualPolicy}, nil
	}
	var (
		reasons []string
		flags   []string
		current map[string]any
	)
	if applicantID != "" && s.Applicants != nil {
		var err error
		flags, current, err = s.Applicants.ApplicantFacts(ctx, applicantID)
		if errors.Is(err, ErrNotFound) {
			applicantID = "" // deleted since: no match any more
		} else if err != nil {
			return nil, err
		}
	}
	for _, r := range cfg.ReviewRules {
		switch {
		case r == credential.ReviewRuleNoApplicantMatch && applicantID == "",
			r == credential.ReviewRuleFlagged && len(flags) > 0,
			r == credential.ReviewRuleClaimsChanged && current != nil && len(changedClaimNames(current, claims)) > 0:
			reasons = append(reasons, r)
		}
	}
	return reasons, nil
}

// applicantOf is the applicant behind tok: the token's own (authorization
// code flow) or that of its offer o (tokenOffer).
func applicantOf(tok *AccessToken, o *Offer) string {
	if tok.ApplicantID != "" || o == nil {
		return tok.ApplicantID
	}
	return o.ApplicantID
}

// deferIssuance stores a deferred request with the verified holder keys and
// the sealed claims, and returns the 202 answer (§8.3). The wallet never
// sends its proofs again.
func (s *Service) deferIssuance(ctx context.Context, tok *AccessToken, cfg *credential.Configuration, shape DraftShape, claims map[string]any, holders []*verifiedProof, applicantID string, offer *Offer, reasons []string) (*Pending, error) {
	keysJSON, err := holderKeysJSON(holders)
	if err != nil {
		return nil, err
	}
	now := s.now()
	d := &DeferredRequest{AccessTokenID: tok.ID, OfferID: tok.OfferID, ApplicantID: applicantID, ConfigurationID: cfg.ID,
		HolderKeys: keysJSON, Reasons: reasons, Shape: shape, State: DeferredPending, CreatedAt: now, ExpiresAt: now.Add(s.Policy.DeferredLifetime)}
	if offer != nil {
		d.OfferCreatedBy = offer.CreatedBy
	}
	if d.ID, err = randomID(s.Rand, "dfr_"); err != nil {
		return nil, err
	}
	txID, err := randomToken(s.Rand, 32)
	if err != nil {
		return nil, err
	}
	d.TransactionHash = hashSecret(txID)
	if d.ClaimsSealed, err = s.sealDeferredClaims(d.ID, claims); err != nil {
		return nil, err
	}
	upstream, err := s.tokenUpstream(tok, cfg.ID)
	if err != nil {
		return nil, err
	}
	if upstream.unmatched(cfg.ID) {
		// The person matched no applicant: the request is not the
		// applicant's of an issuer_state offer, whoever that was for.
		d.ApplicantID = ""
	}
	if d.UpstreamSealed, err = s.sealUpstream(d.ID, upstream); err != nil {
		return nil, err
	}
	ev := audit.New(ctx, now, "deferred.created", "deferred_request", d.ID, map[string]string{
		"credential_configuration_id": cfg.ID, "access_token_id": tok.ID, "offer_id": tok.OfferID,
		"reasons": fmt.Sprint(reasons),
	})
	if err := s.publish(&ev, WebhookEvent{Type: WebhookIssuancePending, OfferID: d.OfferID, TransactionID: d.ID, ConfigurationID: cfg.ID}); err != nil {
		return nil, err
	}
	if err := s.Deferred.CreateDeferred(ctx, d, ev); err != nil {
		return nil, fmt.Errorf("issuance: storing deferred request: %w", err)
	}
	s.queued(&ev)
	return &Pending{TransactionID: txID, Interval: s.interval()}, nil
}

func (s *Service) interval() int {
	return max(1, int(s.Policy.DeferredInterval.Seconds()))
}

// DeferredCredential serves the deferred credential endpoint (§9) for the
// access token of the original request. Once a reviewer approved it returns
// the credentials (the transaction is then dead): a *CredentialResponse,
// or a *DraftCredentialResponse ({"credential": …}) when the original
// request had the draft 13 shape. While the request waits it returns
// *Pending (400 issuance_pending instead of 202 for a client registered as
// pre-1.0 or a request that had a draft shape).
func (s *Service) DeferredCredential(ctx context.Context, tok *AccessToken, req DeferredCredentialRequest) (*CredentialResponse, *DraftCredentialResponse, *Pending, error) {
	unknown := badRequest(CodeInvalidTransactionID, "the transaction_id is unknown, expired or already used")
	if s.Deferred == nil || req.TransactionID == "" {
		return nil, nil, nil, unknown
	}
	if len(req.CredentialResponseEncryption) > 0 && string(req.CredentialResponseEncryption) != "null" {
		return nil, nil, nil, badRequest(CodeInvalidEncryptionParameters, "credential response encryption is not supported by this issuer")
	}
	d, err := s.Deferred.DeferredByTransaction(ctx, hashSecret(req.TransactionID))
	if errors.Is(err, ErrNotFound) {
		return nil, nil, nil, unknown
	} else if err != nil {
		return nil, nil, nil, err
	}
	if d.AccessTokenID != tok.ID { // §9.1: the token of the original request only
		return nil, nil, nil, unknown
	}
	switch d.EffectiveState(s.now()) {
	case DeferredPending:
		// Drafts ≤ 15 answer "not yet" with 400 issuance_pending (SPEC §10).
		pre, err := s.preDraftClient(ctx, tok.ClientID)
		if err != nil {
			return nil, nil, nil, err
		}
		return nil, nil, &Pending{TransactionID: req.TransactionID, Interval: s.interval(), Draft: pre || d.Shape != Shape10}, nil
	case DeferredRejected:
		return nil, nil, nil, badRequest(CodeCredentialRequestDenied, "the issuer did not approve this credential")
	case DeferredApproved:
		resp, err := s.collect(ctx, tok, d)
		switch {
		case errors.Is(err, ErrConflict): // collected concurrently
			return nil, nil, nil, unknown
		case err != nil:
			return nil, nil, nil, err
		case d.Shape == ShapeID1:
			return nil, draftDeferredResponse(resp), nil, nil
		}
		return resp, nil, nil, nil
	default: // issued, expired
		return nil, nil, nil, unknown
	}
}

// collect signs the approved request's credentials with its stored holder
// keys and moves it to issued in the same transaction as the issuance
// record.
func (s *Service) collect(ctx context.Context, tok *AccessToken, d *DeferredRequest) (*CredentialResponse, error) {
	cfg, err := s.Catalog.Configuration(ctx, d.ConfigurationID)
	if errors.Is(err, credential.ErrUnknownConfiguration) {
		// Disabled or removed since the approval: nothing to poll for
		// unless staff enable it again.
		return nil, badRequest(CodeCredentialRequestDenied, "credential configuration %s is no longer issued", d.ConfigurationID)
	} else if err != nil {
		return nil, err
	}
	claims, err := s.deferredClaims(d)
	if err != nil {
		return nil, err
	}
	holders, err := parseHolderKeys(d.HolderKeys)
	if err != nil {
		return nil, err
	}
	resp, records, err := s.sign(ctx, tok, cfg, claims, holders)
	if err != nil {
		return nil, err
	}
	now := s.now()
	ev := audit.New(ctx, now, "credential.issued", "deferred_request", d.ID, map[string]string{
		"credential_configuration_id": cfg.ID, "count": fmt.Sprint(len(records)), "access_token_id": tok.ID,
		"offer_id": d.OfferID,
	})
	ids := make([]string, len(records))
	for i := range records {
		ids[i] = records[i].ID
	}
	if err := s.publish(&ev, WebhookEvent{Type: WebhookCredentialIssued, OfferID: d.OfferID, TransactionID: d.ID, ConfigurationID: cfg.ID, CredentialIDs: ids}); err != nil {
		return nil, err
	}
	if err := s.Deferred.CollectDeferred(ctx, d.ID, now, records, ev); err != nil {
		return nil, err
	}
	s.queued(&ev)
	return resp, nil
}

// holderKeysJSON is the JSON array of the public holder keys; "[]" without
// holder binding.
func holderKeysJSON(holders []*verifiedProof) ([]byte, error) {
	ks := []jose.JSONWebKey{}
	for _, h := range holders {
		if h != nil {
			ks = append(ks, h.Key.Public())
		}
	}
	return json.Marshal(ks)
}

// parseHolderKeys turns stored holder keys back into verified proofs; no
// key gives one credential without cnf.
func parseHolderKeys(raw []byte) ([]*verifiedProof, error) {
	var ks []jose.JSONWebKey
	if err := json.Unmarshal(raw, &ks); err != nil {
		return nil, fmt.Errorf("issuance: decoding stored holder keys: %w", err)
	}
	if len(ks) == 0 {
		return []*verifiedProof{nil}, nil
	}
	out := make([]*verifiedProof, len(ks))
	for i, k := range ks {
		tp, err := k.Thumbprint(crypto.SHA256)
		if err != nil {
			return nil, fmt.Errorf("issuance: stored holder key: %w", err)
		}
		out[i] = &verifiedProof{Key: k, Thumbprint: base64.RawURLEncoding.EncodeToString(tp)}
	}
	return out, nil
}

// decodeClaims decodes a JSON claims object keeping numbers exact.
func decodeClaims(raw []byte) (map[string]any, error) {
	var claims map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		return nil, fmt.Errorf("issuance: decoding claims: %w", err)
	}
	return claims, nil
}

// AuthenticateDeferred resolves the access token of a deferred credential
// request. §9.1 asks for the token of the original request; an access
// token lives minutes while a review takes hours, so here it is accepted
// past its expiry (never when revoked, or its offer revoked): the
// transaction_id, itself a 256-bit secret bound to this token and dead
// after one collection or DeferredLifetime, limits what it can do.
func (s *Service) AuthenticateDeferred(ctx context.Context, token string) (*AccessToken, error) {
	return s.knownToken(ctx, token)
}
