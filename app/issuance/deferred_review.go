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
	"time"

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

// CountPendingDeferred counts the requests waiting for a reviewer: pending
// and unexpired.
func (s *Service) CountPendingDeferred(ctx context.Context) (int, error) {
	st, err := s.deferredStore()
	if err != nil {
		return 0, err
	}
	return st.CountPendingDeferred(ctx, s.now())
}

// ReviewSLA is how long a deferred request may wait for a decision before
// the review queue marks it overdue (Policy.ReviewSLA).
func (s *Service) ReviewSLA() time.Duration { return s.Policy.ReviewSLA }

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
	out := &DeferredDetail{DeferredRequest: *d, Claims: claims}
	if out.Upstream, err = s.openUpstream(d); err != nil {
		return nil, err
	}
	cfg, err := s.Catalog.Configuration(ctx, d.ConfigurationID)
	if errors.Is(err, credential.ErrUnknownConfiguration) {
		return out, nil // deleted since: shown as stored, approval refuses
	} else if err != nil {
		return nil, err
	}
	out.Problems = cfg.CheckDataset(claims)
	out.Missing = missingClaims(cfg, claims)
	return out, nil
}

// missingClaims lists the top-level claims of cfg that claims lack, in the
// configuration's order.
func missingClaims(cfg *credential.Configuration, claims map[string]any) []MissingClaim {
	var out []MissingClaim
	seen := map[string]int{}
	for _, cl := range cfg.Claims {
		name, ok := cl.Path[0].(string)
		if !ok {
			continue
		}
		if v, has := claims[name]; has && v != nil {
			continue
		}
		if i, dup := seen[name]; dup { // a nested claim of a missing object
			out[i].Mandatory = out[i].Mandatory || cl.Mandatory
			continue
		}
		seen[name] = len(out)
		out = append(out, MissingClaim{Name: name, Mandatory: cl.Mandatory,
			String: len(cl.Path) == 1 && slices.Contains([]string{"", credential.TypeString, credential.TypeDate, credential.TypeDateTime}, cl.Type)})
	}
	return out
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
	old, err := s.deferredClaims(d)
	if err != nil {
		return nil, err
	}
	final := old
	if editedClaims != nil {
		final = editedClaims
	}
	// The stored claims may be incomplete (deferred before the dataset
	// was checked): what is issued must fit the configuration.
	if errs := cfg.CheckDataset(final); len(errs) > 0 {
		return nil, &ClaimsError{Fields: errs}
	}
	var sealed []byte
	if editedClaims != nil {
		if changed := changedClaimNames(old, editedClaims); len(changed) > 0 {
			details["edited_claims"] = strings.Join(changed, " ")
			if sealed, err = s.sealDeferredClaims(d.ID, editedClaims); err != nil {
				return nil, err
			}
		}
	}
	now := s.now()
	ev := audit.New(ctx, now, "deferred.approved", "deferred_request", d.ID, details)
	if err := s.publish(&ev, WebhookEvent{Type: WebhookIssuanceApproved, OfferID: d.OfferID, TransactionID: d.ID, ConfigurationID: d.ConfigurationID}); err != nil {
		return nil, err
	}
	if err := s.Deferred.DecideDeferred(ctx, d.ID, DeferredApproved, reviewerID, "", sealed, now, ev); err != nil {
		return nil, err
	}
	s.queued(&ev)
	d.State, d.ApprovedBy, d.DecidedAt = DeferredApproved, reviewerID, &now
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
	if err := s.publish(&ev, WebhookEvent{Type: WebhookIssuanceRejected, OfferID: d.OfferID, TransactionID: d.ID, ConfigurationID: d.ConfigurationID, Reason: reason}); err != nil {
		return nil, err
	}
	if err := s.Deferred.DecideDeferred(ctx, d.ID, DeferredRejected, reviewerID, reason, nil, now, ev); err != nil {
		return nil, err
	}
	s.queued(&ev)
	d.State, d.RejectedBy, d.RejectReason, d.DecidedAt = DeferredRejected, reviewerID, reason, &now
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
