package console

import (
	"context"
	"time"

	"credmint/app/audit"
	"credmint/app/issuance"
	"credmint/app/keys"
)

// Reports are the read-only queries of the credentials, audit log and
// dashboard pages. db.Store satisfies it.
type Reports interface {
	// AuditLog returns one page of the audit log, newest first.
	AuditLog(ctx context.Context, q audit.Query) (audit.Page, error)
	// EachAuditEntry streams every event q selects, oldest first.
	EachAuditEntry(ctx context.Context, q audit.Query, fn func(audit.Entry) error) error
	// IssuedCredentialList returns one page of issued credentials.
	IssuedCredentialList(ctx context.Context, q issuance.CredentialQuery) (issuance.CredentialPage, error)
	// DailyActivity counts offers and credentials per UTC day in [from, to).
	DailyActivity(ctx context.Context, from, to time.Time) ([]issuance.DayActivity, error)
	// Directory names the staff members and API keys behind the ids a
	// page shows: pages look them up once, for all their rows.
	audit.Directory
	// LatestStatusChanges returns the latest status change (revoked,
	// suspended, unsuspended) of each of the credentials ids, by id, in
	// one query.
	LatestStatusChanges(ctx context.Context, ids []string) (map[string]audit.Event, error)
}

// KeyLister lists and manages the signing keys (keys.Ring; keys.go).
type KeyLister interface {
	Keys() []keys.Info
	KeyManager
}

// DeliveryStats reports on the outbox (the delivery service).
type DeliveryStats interface {
	// FailedDeliveries counts the messages that failed for good.
	FailedDeliveries(ctx context.Context) (int, error)
}

// ReviewQueue reports on deferred issuance. It is the hook of the
// deferred-issuance issue: until that is built nothing implements it and the
// dashboard shows no pending reviews.
type ReviewQueue interface {
	// PendingReviews counts the credential requests waiting for a reviewer.
	PendingReviews(ctx context.Context) (int, error)
}
