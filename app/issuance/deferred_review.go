package issuance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"credmint/app/audit"
	"credmint/app/credential"
)

// ClaimsError is returned by ApproveDeferred when edited claims do not fit
// the configuration; Fields name the problems (claim paths).
type ClaimsError struct {
	Fields []credential.FieldError
}

func (e *ClaimsError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + " " + f.Reason
	}
	return "the edited claims do not fit the configuration: " + strings.Join(parts, "; ")
}

// ListDeferred returns the deferred requests f selects, oldest first,
// without their claims.
func (s *Service) ListDeferred(ctx context.Context, f DeferredFilter) ([]DeferredRequest, error) {
	st, err := s.deferredStore()
	if err != nil {
		return nil, err
	}
	return st.ListDeferred(ctx, f)
}

// GetDeferred returns the request whose id or wallet transaction_id is
// idOrTransactionID, with its claims opened. ErrNotFound when none.
func (s *Service) GetDeferred(ctx context.Context, idOrTransactionID string) (*DeferredDetail, error) {
	d, err := s.findDeferred(ctx, idOrTransactionID)
	if err != nil {
		return nil, err
	}
	claims, err := s.deferredClaims(d)
	if err != nil {
		return nil, err
	}
	return &DeferredDetail{DeferredRequest: *d, Claims: claims}, nil
}

// ApproveDeferred approves a pending request (id or transaction_id) as
// reviewerID. editedClaims, when not nil, replace the claims to issue; they
// are checked against the configuration (*ClaimsError) and the audit event
// lists the changed claim names, never their values. ErrFourEyes when the
// configuration asks for four-eyes and reviewerID created the offer;
// ErrConflict when the request is no longer pending; ErrNotFound when
// unknown.
func (s *Service) ApproveDeferred(ctx context.Context, idOrTransactionID, reviewerID string, editedClaims map[string]any) (*DeferredRequest, error) {
	d, err := s.findDeferred(ctx, idOrTransactionID)
	if err != nil {
		return nil, err
	}
	cfg, err := s.Catalog.Configuration(ctx, d.ConfigurationID)
	if err != nil {
		return nil, err
	}
	if cfg.FourEyes && (reviewerID == "" || reviewerID == d.OfferCreatedBy) {
		return nil, ErrFourEyes
	}
	details := map[string]string{"reviewer_id": reviewerID, "credential_configuration_id": d.ConfigurationID}
	var sealed []byte
	if editedClaims != nil {
		if errs := cfg.CheckDataset(editedClaims); len(errs) > 0 {
			return nil, &ClaimsError{Fields: errs}
		}
		old, err := s.deferredClaims(d)
		if err != nil {
			return nil, err
		}
		if changed := changedClaimNames(old, editedClaims); len(changed) > 0 {
			details["edited_claims"] = strings.Join(changed, " ")
			if sealed, err = s.sealDeferredClaims(d.ID, editedClaims); err != nil {
				return nil, err
			}
		}
	}
	now := s.now()
	ev := audit.New(ctx, now, "deferred.approved", "deferred_request", d.ID, details)
	if err := s.Deferred.DecideDeferred(ctx, d.ID, DeferredApproved, reviewerID, "", sealed, now, ev); err != nil {
		return nil, err
	}
	d.State, d.ApprovedBy, d.DecidedAt = DeferredApproved, reviewerID, &now
	if err := s.emit(ctx, WebhookEvent{Type: WebhookIssuanceApproved, At: now, OfferID: d.OfferID, TransactionID: d.ID, ConfigurationID: d.ConfigurationID}); err != nil {
		return nil, fmt.Errorf("issuance: queueing %s: %w", WebhookIssuanceApproved, err)
	}
	return d, nil
}

// RejectDeferred rejects a pending request (id or transaction_id) as
// reviewerID with reason (shown to staff, sent in webhooks; never to the
// wallet). *ValidationError without a reason; ErrConflict when no longer
// pending; ErrNotFound when unknown.
func (s *Service) RejectDeferred(ctx context.Context, idOrTransactionID, reviewerID, reason string) (*DeferredRequest, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, fieldError("reason", "a reason is required to reject a request")
	}
	d, err := s.findDeferred(ctx, idOrTransactionID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	ev := audit.New(ctx, now, "deferred.rejected", "deferred_request", d.ID, map[string]string{
		"reviewer_id": reviewerID, "credential_configuration_id": d.ConfigurationID,
	})
	if err := s.Deferred.DecideDeferred(ctx, d.ID, DeferredRejected, reviewerID, reason, nil, now, ev); err != nil {
		return nil, err
	}
	d.State, d.RejectedBy, d.RejectReason, d.DecidedAt = DeferredRejected, reviewerID, reason, &now
	if err := s.emit(ctx, WebhookEvent{Type: WebhookIssuanceRejected, At: now, OfferID: d.OfferID, TransactionID: d.ID, ConfigurationID: d.ConfigurationID, Reason: reason}); err != nil {
		return nil, fmt.Errorf("issuance: queueing %s: %w", WebhookIssuanceRejected, err)
	}
	return d, nil
}

// ExpireDeferred is housekeeping: it moves pending requests past their
// lifetime to expired and returns how many.
func (s *Service) ExpireDeferred(ctx context.Context) (int, error) {
	st, err := s.deferredStore()
	if err != nil {
		return 0, err
	}
	return st.ExpireDeferred(ctx, s.now())
}

// findDeferred resolves a request id or a wallet transaction_id.
func (s *Service) findDeferred(ctx context.Context, idOrTransactionID string) (*DeferredRequest, error) {
	st, err := s.deferredStore()
	if err != nil {
		return nil, err
	}
	if idOrTransactionID == "" {
		return nil, ErrNotFound
	}
	d, err := st.Deferred(ctx, idOrTransactionID)
	if errors.Is(err, ErrNotFound) {
		d, err = st.DeferredByTransaction(ctx, hashSecret(idOrTransactionID))
	}
	return d, err
}

// sealDeferredClaims seals claims for request id.
func (s *Service) sealDeferredClaims(id string, claims map[string]any) ([]byte, error) {
	raw, err := json.Marshal(claims)
	if err != nil {
		return nil, fmt.Errorf("issuance: encoding deferred claims: %w", err)
	}
	return s.Sealer.Seal(raw, deferredAAD(id))
}

// deferredClaims opens the claims snapshot of d.
func (s *Service) deferredClaims(d *DeferredRequest) (map[string]any, error) {
	raw, err := s.Sealer.Open(d.ClaimsSealed, deferredAAD(d.ID))
	if err != nil {
		return nil, fmt.Errorf("issuance: opening claims of deferred request %s: %w", d.ID, err)
	}
	return decodeClaims(raw)
}

// changedClaimNames lists the top-level claim names whose values differ
// between a and b, sorted.
func changedClaimNames(a, b map[string]any) []string {
	var out []string
	for k, v := range b {
		if w, ok := a[k]; !ok || !reflect.DeepEqual(normalizeJSON(v), normalizeJSON(w)) {
			out = append(out, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// normalizeJSON round-trips v through JSON so numbers compare equal however
// they were decoded.
func normalizeJSON(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(raw, &out) != nil {
		return v
	}
	return out
}
