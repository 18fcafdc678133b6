package delivery

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"credmint/app/applicants"
	"credmint/app/audit"
	"credmint/app/issuance"
)

// Batch states.
const (
	BatchRunning = "running"
	BatchDone    = "done"
	BatchFailed  = "failed"
)

// Batch creates one offer per applicant of a selection (an import, or a
// filter of the applicant list) in the background, in chunks: each chunk's
// offers, messages and the batch's resume point are stored in one
// transaction, so a batch survives a restart and never creates an offer
// twice for the same applicant.
type Batch struct {
	ID        string
	Selection applicants.Filter
	Order     Order
	State     string
	// Total is how many applicants the selection had when the batch
	// started (0 until counted).
	Total int
	// Created offers, and Skipped applicants (missing address for the
	// channel, or a dataset the configuration refuses).
	Created, Skipped int
	// After is the resume point: the id of the last applicant done (it
	// guards each chunk against a second process working the batch).
	After     string
	LastError string
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
	// FinishedAt is set when the batch is done or failed.
	FinishedAt *time.Time
}

// Done is how many applicants the batch has worked through.
func (b *Batch) Done() int { return b.Created + b.Skipped }

// batchChunk is how many applicants one transaction of a batch covers.
const batchChunk = 2000

// batchLease is how long a process holds a batch between two chunks.
const batchLease = 2 * time.Minute

// StartBatch records a batch for the applicants sel selects; the batch
// worker creates the offers.
//
// With o.Grant issuance.GrantAuthorizationCode every offer carries its own
// issuer_state (OID4VCI 1.0 §4.1.1), bound to its applicant, and no PIN.
func (s *Service) StartBatch(ctx context.Context, sel applicants.Filter, o Order) (*Batch, error) {
	o = o.normalized()
	if err := s.Check(o); err != nil {
		return nil, err
	}
	if o.Grant == issuance.GrantAuthorizationCode && s.Issuance.CodeGrant == nil {
		// Checked here: in the batch, every offer would be skipped.
		return nil, &issuance.ValidationError{Fields: map[string]string{"grant": "this issuer has no authorization endpoint (configure upstream_oidc)"}}
	}
	if sel.ImportJobID == "" && sel.ConfigurationID == "" {
		return nil, &issuance.ValidationError{Fields: map[string]string{"selection": "choose an import or a credential configuration"}}
	}
	id, err := randomID(s.Rand, "bat_")
	if err != nil {
		return nil, err
	}
	now := s.now()
	b := &Batch{ID: id, Selection: sel, Order: o, State: BatchRunning, CreatedBy: audit.ActorFrom(ctx).ID, CreatedAt: now, UpdatedAt: now}
	ev := audit.New(ctx, now, "offer_batch.started", "offer_batch", id, map[string]string{
		"import_job_id": sel.ImportJobID, "configuration_id": sel.ConfigurationID,
		"delivery_channel": o.DeliveryChannel, "tx_code_channel": o.TxCodeChannel, "grant": cmp.Or(o.Grant, issuance.GrantPreAuthorizedCode),
	})
	if err := s.Store.CreateBatch(ctx, b, ev); err != nil {
		return nil, err
	}
	s.Wake()
	return b, nil
}

// Batch returns the batch with id.
func (s *Service) Batch(ctx context.Context, id string) (*Batch, error) {
	return s.Store.Batch(ctx, id)
}

// RecentBatches returns the latest batches, newest first.
func (s *Service) RecentBatches(ctx context.Context) ([]Batch, error) {
	return s.Store.RecentBatches(ctx, 20)
}

// RunBatches works every running batch no other process holds, until none
// is left, as owner.
func (s *Service) RunBatches(ctx context.Context, owner string) error {
	for {
		now := s.now()
		b, err := s.Store.ClaimBatch(ctx, owner, now, now.Add(batchLease))
		if errors.Is(err, issuance.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if err := s.runBatch(ctx, b, owner); err != nil {
			return err
		}
	}
}

// errStopBatch stops the selection walk after a chunk could not be stored.
var errStopBatch = errors.New("batch chunk not stored")

// runBatch creates the offers of b from its resume point on.
func (s *Service) runBatch(ctx context.Context, b *Batch, owner string) error {
	// The offers are the staff member's who started the batch.
	actx := audit.WithActor(ctx, audit.Actor{Kind: audit.ActorStaff, ID: b.CreatedBy})
	total := 0
	if b.Total == 0 && b.After == "" {
		if err := s.Applicants.Select(ctx, b.Selection, func(*applicants.Applicant) error { total++; return nil }); err != nil {
			return s.failBatch(actx, b, owner, err)
		}
	}
	// After a restart, the applicants that already have an offer of this
	// batch are left out: the offers and the resume point were stored in
	// the same transaction, so the set is exact.
	var done map[string]bool
	if b.After != "" {
		var err error
		if done, err = s.Store.BatchApplicants(ctx, b.ID); err != nil {
			return err
		}
	}
	after, last := b.After, b.After
	var chunk []NewOffer
	skipped, seen := 0, 0
	var stepErr error
	flush := func() error {
		now := s.now()
		step := BatchStep{BatchID: b.ID, Owner: owner, After: after, Next: last, Offers: chunk, Skipped: skipped, Total: total, At: now, LeaseUntil: now.Add(batchLease)}
		if err := s.Store.StoreBatchStep(ctx, step); err != nil {
			stepErr = err
			return errStopBatch
		}
		if len(chunk) > 0 {
			s.Wake()
		}
		after, chunk, skipped, seen, total = last, nil, 0, 0, 0
		return nil
	}
	err := s.Applicants.Select(ctx, b.Selection, func(a *applicants.Applicant) error {
		if done[a.ID] {
			return nil
		}
		if len(checkApplicant(a, b.Order)) > 0 {
			skipped++
		} else {
			n, _, err := s.prepare(actx, a, b.Order, b.ID)
			var ve *issuance.ValidationError
			switch {
			case errors.As(err, &ve):
				skipped++ // the dataset does not fit the configuration (any more)
			case err != nil:
				return err
			default:
				chunk = append(chunk, *n)
			}
		}
		last = a.ID
		seen++
		if seen >= batchChunk {
			return flush()
		}
		return nil
	})
	if err == nil && (last != after || total > 0) {
		err = flush()
	}
	switch {
	case errors.Is(err, errStopBatch) && errors.Is(stepErr, issuance.ErrConflict):
		return nil // another process took the batch over
	case errors.Is(err, errStopBatch):
		return s.failBatch(actx, b, owner, stepErr)
	case err != nil:
		return s.failBatch(actx, b, owner, err)
	}
	now := s.now()
	ev := audit.New(actx, now, "offer_batch.done", "offer_batch", b.ID, nil)
	if err := s.Store.FinishBatch(ctx, b.ID, owner, BatchDone, "", now, ev); err != nil && !errors.Is(err, issuance.ErrConflict) {
		return err
	}
	return nil
}

// failBatch ends b as failed. The cause is logged; the batch shows a safe
// message.
func (s *Service) failBatch(ctx context.Context, b *Batch, owner string, cause error) error {
	s.Log.Error("offer batch failed", "batch_id", b.ID, "error", cause.Error())
	now := s.now()
	ev := audit.New(ctx, now, "offer_batch.failed", "offer_batch", b.ID, nil)
	if err := s.Store.FinishBatch(ctx, b.ID, owner, BatchFailed, "the batch stopped on an internal error; see the server log", now, ev); err != nil && !errors.Is(err, issuance.ErrConflict) {
		return errors.Join(cause, err)
	}
	return nil
}

// SelectionLabel describes a batch's selection for people.
func SelectionLabel(f applicants.Filter) string {
	var parts []string
	if f.ImportJobID != "" {
		parts = append(parts, "import "+f.ImportJobID)
	}
	if f.ConfigurationID != "" {
		parts = append(parts, "configuration "+f.ConfigurationID)
	}
	if f.Query != "" {
		parts = append(parts, fmt.Sprintf("matching %q", f.Query))
	}
	if f.Flagged {
		parts = append(parts, "flagged")
	}
	return strings.Join(parts, ", ")
}
