package db

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"credmint/app/audit"
	"credmint/app/issuance"
)

var _ issuance.DeferredStore = (*Store)(nil)

// deferredRow is a row of deferred_requests.
type deferredRow struct {
	ID              string     `gorm:"column:id;primaryKey"`
	TransactionHash string     `gorm:"column:transaction_hash"`
	AccessTokenID   string     `gorm:"column:access_token_id"`
	OfferID         *string    `gorm:"column:offer_id"`
	ApplicantID     *string    `gorm:"column:applicant_id"`
	ConfigurationID string     `gorm:"column:configuration_id"`
	HolderKeys      string     `gorm:"column:holder_keys"`
	ClaimsSealed    []byte     `gorm:"column:claims_sealed"`
	UpstreamSealed  []byte     `gorm:"column:upstream_sealed"`
	Reasons         string     `gorm:"column:reasons"`
	RequestShape    string     `gorm:"column:request_shape"`
	State           string     `gorm:"column:state"`
	OfferCreatedBy  string     `gorm:"column:offer_created_by"`
	ApprovedBy      string     `gorm:"column:approved_by"`
	RejectedBy      string     `gorm:"column:rejected_by"`
	RejectReason    string     `gorm:"column:reject_reason"`
	CreatedAt       time.Time  `gorm:"column:created_at"`
	ExpiresAt       time.Time  `gorm:"column:expires_at"`
	DecidedAt       *time.Time `gorm:"column:decided_at"`
	CollectedAt     *time.Time `gorm:"column:collected_at"`
}

func (deferredRow) TableName() string { return "deferred_requests" }

func toDeferredRow(d *issuance.DeferredRequest) (deferredRow, error) {
	reasons, err := encodeJSON("reasons", append([]string{}, d.Reasons...))
	if err != nil {
		return deferredRow{}, err
	}
	keys := string(d.HolderKeys)
	if keys == "" {
		keys = "[]"
	}
	return deferredRow{
		ID: d.ID, TransactionHash: d.TransactionHash, AccessTokenID: d.AccessTokenID,
		OfferID: nullIfEmpty(d.OfferID), ApplicantID: nullIfEmpty(d.ApplicantID), ConfigurationID: d.ConfigurationID,
		HolderKeys: keys, ClaimsSealed: d.ClaimsSealed, UpstreamSealed: d.UpstreamSealed, Reasons: reasons, RequestShape: d.Shape.Code(), State: string(d.State),
		OfferCreatedBy: d.OfferCreatedBy, ApprovedBy: d.ApprovedBy, RejectedBy: d.RejectedBy, RejectReason: d.RejectReason,
		CreatedAt: utc(d.CreatedAt), ExpiresAt: utc(d.ExpiresAt), DecidedAt: utcPtr(d.DecidedAt), CollectedAt: utcPtr(d.CollectedAt),
	}, nil
}

func (r *deferredRow) deferred() (*issuance.DeferredRequest, error) {
	reasons, err := decodeStrings("reasons", r.Reasons)
	if err != nil {
		return nil, err
	}
	shape, err := issuance.ParseDraftShape(r.RequestShape)
	if err != nil {
		return nil, fmt.Errorf("db: deferred request %s: %w", r.ID, err)
	}
	return &issuance.DeferredRequest{
		ID: r.ID, TransactionHash: r.TransactionHash, AccessTokenID: r.AccessTokenID,
		OfferID: emptyIfNull(r.OfferID), ApplicantID: emptyIfNull(r.ApplicantID), ConfigurationID: r.ConfigurationID,
		HolderKeys: []byte(r.HolderKeys), ClaimsSealed: r.ClaimsSealed, UpstreamSealed: r.UpstreamSealed, Reasons: reasons, Shape: shape, State: issuance.DeferredState(r.State),
		OfferCreatedBy: r.OfferCreatedBy, ApprovedBy: r.ApprovedBy, RejectedBy: r.RejectedBy, RejectReason: r.RejectReason,
		CreatedAt: fromDB(r.CreatedAt), ExpiresAt: fromDB(r.ExpiresAt), DecidedAt: fromDBPtr(r.DecidedAt), CollectedAt: fromDBPtr(r.CollectedAt),
	}, nil
}

// CreateDeferred inserts d and writes ev, in one transaction.
// issuance.ErrConflict when the id or transaction hash exists.
func (s *Store) CreateDeferred(ctx context.Context, d *issuance.DeferredRequest, ev audit.Event) error {
	row, err := toDeferredRow(d)
	if err != nil {
		return err
	}
	err = s.transact(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return insertAudit(tx, ev)
	})
	switch {
	case isDuplicate(err):
		return fmt.Errorf("db: create deferred request: %w", issuance.ErrConflict)
	case err != nil:
		return fmt.Errorf("db: create deferred request: %w", err)
	}
	return nil
}

// Deferred returns the request with id, or issuance.ErrNotFound.
func (s *Store) Deferred(ctx context.Context, id string) (*issuance.DeferredRequest, error) {
	return s.deferredWhere(ctx, "id = ?", id)
}

// DeferredByTransaction returns the request whose transaction hash is hash,
// or issuance.ErrNotFound.
func (s *Store) DeferredByTransaction(ctx context.Context, hash string) (*issuance.DeferredRequest, error) {
	return s.deferredWhere(ctx, "transaction_hash = ?", hash)
}

func (s *Store) deferredWhere(ctx context.Context, cond string, arg string) (*issuance.DeferredRequest, error) {
	var row deferredRow
	err := s.read(ctx).Where(cond, arg).Take(&row).Error
	switch {
	case isNotFound(err):
		return nil, issuance.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("db: read deferred request: %w", err)
	}
	return row.deferred()
}

// ListDeferred returns the requests f selects, oldest first (at most
// f.Limit, 500 by default).
func (s *Store) ListDeferred(ctx context.Context, f issuance.DeferredFilter) ([]issuance.DeferredRequest, error) {
	q := s.read(ctx).Model(&deferredRow{})
	if f.State != "" {
		q = q.Where("state = ?", string(f.State))
	}
	if f.ConfigurationID != "" {
		q = q.Where("configuration_id = ?", f.ConfigurationID)
	}
	if f.OfferID != "" {
		q = q.Where("offer_id = ?", f.OfferID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 500
	}
	var rows []deferredRow
	if err := q.Order("created_at, id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: list deferred requests: %w", err)
	}
	out := make([]issuance.DeferredRequest, 0, len(rows))
	for i := range rows {
		d, err := rows[i].deferred()
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, nil
}

// CountPendingDeferred counts the requests pending and unexpired at now
// (one aggregate query, for the dashboard).
func (s *Store) CountPendingDeferred(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := s.read(ctx).Model(&deferredRow{}).Where("state = ? AND expires_at > ?", string(issuance.DeferredPending), utc(now)).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("db: count pending deferred requests: %w", err)
	}
	return int(n), nil
}

// DecideDeferred moves a request pending and unexpired at `at` to
// approved or rejected with one conditional UPDATE, replacing the sealed
// claims when claimsSealed is not nil, and writes ev, in one transaction.
// issuance.ErrConflict, with nothing written, when it was not pending.
func (s *Store) DecideDeferred(ctx context.Context, id string, to issuance.DeferredState, by, reason string, claimsSealed []byte, at time.Time, ev audit.Event) error {
	at = utc(at)
	set := map[string]any{"state": string(to), "decided_at": at}
	switch to {
	case issuance.DeferredApproved:
		set["approved_by"] = by
	case issuance.DeferredRejected:
		set["rejected_by"], set["reject_reason"] = by, reason
	default:
		return fmt.Errorf("db: decide deferred request: bad state %q", to)
	}
	if claimsSealed != nil {
		set["claims_sealed"] = claimsSealed
	}
	err := s.transact(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&deferredRow{}).Where("id = ? AND state = ? AND expires_at > ?", id, string(issuance.DeferredPending), at).Updates(set)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return issuance.ErrConflict
		}
		return insertAudit(tx, ev)
	})
	if err != nil {
		return fmt.Errorf("db: decide deferred request: %w", err)
	}
	return nil
}

// CollectDeferred moves an approved request to issued with one conditional
// UPDATE, inserts creds and moves their offer from redeemed to
// credential_issued (as RecordIssuance), and writes ev, in one transaction.
// issuance.ErrConflict, with nothing written, when it was not approved.
func (s *Store) CollectDeferred(ctx context.Context, id string, at time.Time, creds []issuance.IssuedCredential, ev audit.Event) error {
	at = utc(at)
	rows := make([]issuedCredentialRow, len(creds))
	for i := range creds {
		rows[i] = toIssuedCredentialRow(&creds[i])
	}
	err := s.transact(ctx, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE deferred_requests SET state = ?, collected_at = ? WHERE id = ? AND state = ?",
			string(issuance.DeferredIssued), at, id, string(issuance.DeferredApproved))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return issuance.ErrConflict
		}
		if len(rows) > 0 {
			if err := tx.Create(&rows).Error; err != nil {
				return err
			}
		}
		if len(creds) > 0 && creds[0].OfferID != "" {
			err := tx.Exec("UPDATE offers SET state = ?, issued_at = ? WHERE id = ? AND state = ?",
				string(issuance.OfferIssued), at, creds[0].OfferID, string(issuance.OfferRedeemed)).Error
			if err != nil {
				return err
			}
		}
		return insertAudit(tx, ev)
	})
	if err != nil {
		return fmt.Errorf("db: collect deferred request: %w", err)
	}
	return nil
}

// ExpireDeferred moves every request pending and past its expires_at at
// now to expired, returning how many.
func (s *Store) ExpireDeferred(ctx context.Context, now time.Time) (int, error) {
	res := s.write(ctx).Exec("UPDATE deferred_requests SET state = ? WHERE state = ? AND expires_at <= ?",
		string(issuance.DeferredExpired), string(issuance.DeferredPending), utc(now))
	if res.Error != nil {
		return 0, fmt.Errorf("db: expire deferred requests: %w", res.Error)
	}
	return int(res.RowsAffected), nil
}
