package applicants

import (
	"context"
	"errors"
	"time"

	"credmint/app/audit"
)

// Sentinel errors returned by a Store.
var (
	// ErrNotFound: no such applicant or import job.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the external id is taken for the configuration, or a
	// conditional change did not apply (wrong state, lease lost).
	ErrConflict = errors.New("conflict")
)

// SortKey is the position of an applicant in a sort order.
type SortKey struct {
	CreatedAt time.Time
	// NameKey is the normalized name (see NameKey).
	NameKey string
	ID      string
}

// ListQuery is one keyset page as a Store reads it.
type ListQuery struct {
	Filter Filter
	// Sort is SortNewest or SortName.
	Sort string
	// After, when set, keeps the rows strictly after it in the sort order;
	// Backward reverses the walk: rows strictly before After, nearest
	// first.
	After    *SortKey
	Backward bool
	Limit    int
	// WithClaims reads the sealed claims too.
	WithClaims bool
}

// Store persists applicants and import jobs. Every method that changes
// state writes the given audit event in the same transaction.
type Store interface {
	// Applicant returns the applicant with id (claims sealed), or
	// ErrNotFound.
	Applicant(ctx context.Context, id string) (*Applicant, error)
	// ApplicantNames returns the names of the applicants with ids; unknown
	// ids are absent.
	ApplicantNames(ctx context.Context, ids []string) (map[string]string, error)
	// ApplicantAddressees returns the names and postal addresses of the
	// applicants with ids; unknown ids are absent.
	ApplicantAddressees(ctx context.Context, ids []string) (map[string]Addressee, error)
	// Applicants reads one keyset page: rows in the order of q.Sort (or its
	// reverse when q.Backward), at most q.Limit.
	Applicants(ctx context.Context, q ListQuery) ([]Applicant, error)
	// CreateApplicant inserts a; ErrConflict when its external id is taken
	// for its configuration.
	CreateApplicant(ctx context.Context, a *Applicant, ev audit.Event) error
	// UpdateApplicant writes every field of a but its configuration, import
	// and creation time; ErrNotFound, or ErrConflict for a taken external
	// id.
	UpdateApplicant(ctx context.Context, a *Applicant, ev audit.Event) error
	// DeleteApplicant deletes the applicant with id; ErrNotFound.
	DeleteApplicant(ctx context.Context, id string, ev audit.Event) error
	// ApplicantBy returns the applicant of the configuration whose field
	// (MatchEmail: the email address, case-insensitive; MatchExternalID:
	// the external id, exactly) is value, claims sealed. ErrNotFound when
	// there is none, ErrConflict when there are several.
	ApplicantBy(ctx context.Context, configurationID, field, value string) (*Applicant, error)
	// ExistingExternalIDs returns which of ids are taken in the
	// configuration.
	ExistingExternalIDs(ctx context.Context, configurationID string, ids []string) (map[string]bool, error)

	// CreateImportJob inserts j (a draft, with its sealed file).
	CreateImportJob(ctx context.Context, j *ImportJob, ev audit.Event) error
	// ImportJob returns the job with id, without its file; ErrNotFound.
	ImportJob(ctx context.Context, id string) (*ImportJob, error)
	// ImportJobFile returns the sealed file of a job; ErrNotFound when the
	// job is gone or its file was dropped.
	ImportJobFile(ctx context.Context, id string) ([]byte, error)
	// ImportJobs lists the most recent jobs, newest first, without files.
	ImportJobs(ctx context.Context, limit int) ([]ImportJob, error)
	// ImportJobErrors returns the stored row errors of a job with a row
	// number greater than afterRow, in row order, at most limit.
	ImportJobErrors(ctx context.Context, id string, afterRow, limit int) ([]RowError, error)
	// StartImportJob moves a draft to pending with its mapping, error
	// policy and row count; ErrConflict when it is not a draft.
	StartImportJob(ctx context.Context, id string, m Mapping, onError string, total int, at time.Time, ev audit.Event) error
	// CancelImportJob moves a draft, pending or running job to cancelled
	// and drops its file; ErrConflict in any other state.
	CancelImportJob(ctx context.Context, id, reason string, at time.Time, ev audit.Event) error
	// ClaimImportJob takes the oldest pending job, or a running one whose
	// lease expired before now, with one conditional update per candidate:
	// the job becomes running under owner until leaseUntil. ErrNotFound
	// when there is none to take.
	ClaimImportJob(ctx context.Context, owner string, now, leaseUntil time.Time) (*ImportJob, error)
	// CommitImportChunk stores one chunk of an import in one transaction;
	// see ImportChunk.
	CommitImportChunk(ctx context.Context, c *ImportChunk) (*ChunkResult, error)
	// FinishImportJob ends a running job held by owner in state (done,
	// failed or cancelled) with errs added to its row errors, drops its
	// file and writes ev; ErrConflict when owner no longer holds it.
	FinishImportJob(ctx context.Context, id, owner string, state JobState, failure string, errs []RowError, at time.Time, ev audit.Event) error
	// PurgeImportDrafts cancels drafts created before cutoff and drops their
	// files; it returns how many.
	PurgeImportDrafts(ctx context.Context, cutoff time.Time) (int64, error)
}

// ImportChunk is a chunk of an import, stored in one transaction:
// the applicants are inserted (those whose external id is taken are not),
// the row errors written (as many as ErrorRoom allows, in row order, with the
// duplicates' errors reading ConflictMessage), and the job's progress
// advanced to Next, with its counters and lease, only while the job is
// running under Owner (ErrConflict otherwise, and nothing is stored). With
// Strict, a taken external id rolls the whole chunk back: the result names
// the rows and nothing is stored.
type ImportChunk struct {
	JobID, Owner string
	Applicants   []Applicant
	// BadRows are the rows of the chunk that were not valid.
	BadRows []RowError
	// ErrorRoom is how many more row errors the job may store.
	ErrorRoom       int
	ConflictMessage string
	// Next is the index (0-based, in data rows) of the first row after
	// the chunk.
	Next       int
	Strict     bool
	Now        time.Time
	LeaseUntil time.Time
}

// ChunkResult is what CommitImportChunk did.
type ChunkResult struct {
	Imported int
	// Conflicts are the file rows whose external id was taken.
	Conflicts []int
	// ErrorsStored is how many row errors were written.
	ErrorsStored int
	// RolledBack is true when Strict refused the chunk.
	RolledBack bool
}
