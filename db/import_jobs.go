package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"credmint/app/applicants"
	"credmint/app/audit"
)

// importJobRow is a row of import_jobs. Mapping is a JSON object.
type importJobRow struct {
	ID              string     `gorm:"column:id;primaryKey"`
	ConfigurationID string     `gorm:"column:configuration_id"`
	FileName        string     `gorm:"column:file_name"`
	Format          string     `gorm:"column:format"`
	FileSize        int64      `gorm:"column:file_size"`
	Mapping         string     `gorm:"column:mapping"`
	OnError         string     `gorm:"column:on_error"`
	State           string     `gorm:"column:state"`
	Total           int        `gorm:"column:total"`
	Processed       int        `gorm:"column:processed"`
	Imported        int        `gorm:"column:imported"`
	Skipped         int        `gorm:"column:skipped"`
	ErrorsStored    int        `gorm:"column:errors_stored"`
	Failure         string     `gorm:"column:failure"`
	CreatedBy       string     `gorm:"column:created_by"`
	CreatedAt       time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	UpdatedAt       time.Time  `gorm:"column:updated_at;autoUpdateTime:false"`
	StartedAt       *time.Time `gorm:"column:started_at"`
	FinishedAt      *time.Time `gorm:"column:finished_at"`
	LeaseOwner      string     `gorm:"column:lease_owner"`
	LeaseExpiresAt  *time.Time `gorm:"column:lease_expires_at"`
}

func (importJobRow) TableName() string { return "import_jobs" }

// importJobFileRow is a row of import_job_files: the upload, kept apart
// from its job so that the job's progress updates do not rewrite it.
type importJobFileRow struct {
	JobID      string `gorm:"column:job_id;primaryKey"`
	FileSealed []byte `gorm:"column:file_sealed"`
}

func (importJobFileRow) TableName() string { return "import_job_files" }

// dropImportFile deletes the file of job id.
func dropImportFile(tx *gorm.DB, id string) error {
	return tx.Exec("DELETE FROM import_job_files WHERE job_id = ?", id).Error
}

func (r *importJobRow) job() (*applicants.ImportJob, error) {
	j := &applicants.ImportJob{
		ID: r.ID, ConfigurationID: r.ConfigurationID, FileName: r.FileName, Format: r.Format, FileSize: r.FileSize,
		OnError: r.OnError, State: applicants.JobState(r.State),
		Total: r.Total, Processed: r.Processed, Imported: r.Imported, Skipped: r.Skipped, ErrorsStored: r.ErrorsStored,
		Failure: r.Failure, CreatedBy: r.CreatedBy, CreatedAt: fromDB(r.CreatedAt), UpdatedAt: fromDB(r.UpdatedAt),
		StartedAt: fromDBPtr(r.StartedAt), FinishedAt: fromDBPtr(r.FinishedAt), LeaseOwner: r.LeaseOwner, LeaseExpiresAt: fromDBPtr(r.LeaseExpiresAt),
	}
	if err := decodeJSON("import_jobs.mapping", &r.Mapping, &j.Mapping); err != nil {
		return nil, err
	}
	return j, nil
}

// CreateImportJob inserts j with its sealed file, and ev, in one
// transaction.
func (s *Store) CreateImportJob(ctx context.Context, j *applicants.ImportJob, ev audit.Event) error {
	mapping, err := encodeJSON("import_jobs.mapping", j.Mapping)
	if err != nil {
		return err
	}
	row := importJobRow{
		ID: j.ID, ConfigurationID: j.ConfigurationID, FileName: j.FileName, Format: j.Format, FileSize: j.FileSize,
		Mapping: mapping, OnError: j.OnError, State: string(j.State), Total: j.Total,
		CreatedBy: j.CreatedBy, CreatedAt: utc(j.CreatedAt), UpdatedAt: utc(j.UpdatedAt),
	}
	err = s.transact(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := tx.Create(&importJobFileRow{JobID: j.ID, FileSealed: j.FileSealed}).Error; err != nil {
			return err
		}
		return insertAudit(tx, ev)
	})
	switch {
	case isDuplicate(err):
		return fmt.Errorf("db: create import job: %w", applicants.ErrConflict)
	case err != nil:
		return fmt.Errorf("db: create import job: %w", err)
	}
	return nil
}

// ImportJob returns the job with id without its file, or
// applicants.ErrNotFound.
func (s *Store) ImportJob(ctx context.Context, id string) (*applicants.ImportJob, error) {
	var row importJobRow
	err := s.read(ctx).Where("id = ?", id).Take(&row).Error
	switch {
	case isNotFound(err):
		return nil, applicants.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("db: read import job: %w", err)
	}
	return row.job()
}

// ImportJobFile returns the sealed file of job id; applicants.ErrNotFound
// when there is none (any more).
func (s *Store) ImportJobFile(ctx context.Context, id string) ([]byte, error) {
	var files [][]byte
	err := s.read(ctx).Model(&importJobFileRow{}).Where("job_id = ?", id).Pluck("file_sealed", &files).Error
	switch {
	case err != nil:
		return nil, fmt.Errorf("db: read import file: %w", err)
	case len(files) == 0 || len(files[0]) == 0:
		return nil, applicants.ErrNotFound
	}
	return files[0], nil
}

// ImportJobs lists the most recent jobs, newest first.
func (s *Store) ImportJobs(ctx context.Context, limit int) ([]applicants.ImportJob, error) {
	var rows []importJobRow
	err := s.read(ctx).Order("created_at DESC").Order("id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: list import jobs: %w", err)
	}
	out := make([]applicants.ImportJob, len(rows))
	for i := range rows {
		j, err := rows[i].job()
		if err != nil {
			return nil, err
		}
		out[i] = *j
	}
	return out, nil
}

// importErrorRow is a row of import_job_errors.
type importErrorRow struct {
	JobID   string `gorm:"column:job_id;primaryKey"`
	FileRow int    `gorm:"column:file_row;primaryKey"`
	Message string `gorm:"column:message"`
}

func (importErrorRow) TableName() string { return "import_job_errors" }

// ImportJobErrors returns the row errors of job id after afterRow, in row
// order.
func (s *Store) ImportJobErrors(ctx context.Context, id string, afterRow, limit int) ([]applicants.RowError, error) {
	var rows []importErrorRow
	err := s.read(ctx).Where("job_id = ? AND file_row > ?", id, afterRow).Order("file_row").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: import errors: %w", err)
	}
	out := make([]applicants.RowError, len(rows))
	for i, r := range rows {
		out[i] = applicants.RowError{Row: r.FileRow, Message: r.Message}
	}
	return out, nil
}

// importJobMissingOr returns applicants.ErrNotFound when job id does not
// exist, otherwise err: a conditional update that changed nothing.
func (s *Store) importJobMissingOr(ctx context.Context, id string, err error) error {
	if _, gerr := s.ImportJob(ctx, id); errors.Is(gerr, applicants.ErrNotFound) {
		return gerr
	}
	return fmt.Errorf("db: import job %s: %w", id, err)
}

// StartImportJob moves a draft to pending, with ev, in one transaction.
func (s *Store) StartImportJob(ctx context.Context, id string, m applicants.Mapping, onError string, total int, at time.Time, ev audit.Event) error {
	mapping, err := encodeJSON("import_jobs.mapping", m)
	if err != nil {
		return err
	}
	err = s.transact(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&importJobRow{}).Where("id = ? AND state = ?", id, applicants.JobDraft).Updates(map[string]any{
			"state": applicants.JobPending, "mapping": mapping, "on_error": onError, "total": total, "updated_at": utc(at),
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return applicants.ErrConflict
		}
		return insertAudit(tx, ev)
	})
	if errors.Is(err, applicants.ErrConflict) {
		return s.importJobMissingOr(ctx, id, err)
	} else if err != nil {
		return fmt.Errorf("db: start import job: %w", err)
	}
	return nil
}

// CancelImportJob moves a draft, pending or running job to cancelled,
// drops its file and writes ev, in one transaction. A worker holding the
// job notices at its next chunk (its conditional update fails).
func (s *Store) CancelImportJob(ctx context.Context, id, reason string, at time.Time, ev audit.Event) error {
	err := s.transact(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&importJobRow{}).
			Where("id = ? AND state IN ?", id, []applicants.JobState{applicants.JobDraft, applicants.JobPending, applicants.JobRunning}).
			Updates(map[string]any{
				"state": applicants.JobCancelled, "failure": reason, "finished_at": utc(at),
				"updated_at": utc(at), "lease_owner": "", "lease_expires_at": nil,
			})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return applicants.ErrConflict
		}
		if err := dropImportFile(tx, id); err != nil {
			return err
		}
		return insertAudit(tx, ev)
	})
	if errors.Is(err, applicants.ErrConflict) {
		return s.importJobMissingOr(ctx, id, err)
	} else if err != nil {
		return fmt.Errorf("db: cancel import job: %w", err)
	}
	return nil
}

// claimable is the condition of a job a worker may take at now (the
// parameter).
const claimable = "(state = 'pending' OR (state = 'running' AND lease_expires_at < ?))"

// ClaimImportJob takes the oldest claimable job: candidates are read, then
// each is taken by one conditional UPDATE that re-checks the condition, so
// that of several processes racing for a job exactly one gets it.
func (s *Store) ClaimImportJob(ctx context.Context, owner string, now, leaseUntil time.Time) (*applicants.ImportJob, error) {
	now = utc(now)
	var ids []string
	err := s.read(ctx).Model(&importJobRow{}).Where("state IN ?", []applicants.JobState{applicants.JobPending, applicants.JobRunning}).
		Where(claimable, now).Order("created_at").Limit(5).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("db: find import jobs: %w", err)
	}
	for _, id := range ids {
		res := s.write(ctx).Exec(`UPDATE import_jobs SET state = 'running', lease_owner = ?, lease_expires_at = ?,
			started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ? AND `+claimable,
			owner, utc(leaseUntil), now, now, id, now)
		if res.Error != nil {
			return nil, fmt.Errorf("db: claim import job: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			return s.ImportJob(ctx, id)
		}
	}
	return nil, applicants.ErrNotFound
}

// errChunkRefused rolls a strict chunk back.
var errChunkRefused = errors.New("chunk refused")

// applicantInsertColumns are the columns a chunk inserts, in order.
var applicantInsertColumns = []string{"id", "configuration_id", "external_id", "name", "name_key", "email", "email_key",
	"phone", "address", "claims_sealed", "flags", "flagged", "import_job_id", "import_row", "created_at", "updated_at"}

// insertBatch is how many rows one INSERT statement carries. The SQLite
// driver matches each parameter against every argument when binding (the
// cost grows with the square of the parameters of a statement), so SQLite
// gets small statements; PostgreSQL gets fewer round trips.
const insertBatch = 500

// applicantBatch is how many applicants (16 parameters each) one INSERT
// carries on the store's dialect.
func (s *Store) applicantBatch() int {
	if s.dialect == DialectSQLite {
		return 32
	}
	return insertBatch
}

// CommitImportChunk stores a chunk in one transaction (see
// applicants.ImportChunk): the lease is checked first (on PostgreSQL that
// locks the job row, so a concurrent cancel waits for the chunk or wins
// before it), the applicants are inserted with ON CONFLICT DO NOTHING and
// RETURNING, which tells the duplicates apart in the same statement, then
// the row errors and the progress are written.
func (s *Store) CommitImportChunk(ctx context.Context, c *applicants.ImportChunk) (*applicants.ChunkResult, error) {
	res := &applicants.ChunkResult{}
	err := s.transact(ctx, func(tx *gorm.DB) error {
		*res = applicants.ChunkResult{}
		lease := tx.Exec(`UPDATE import_jobs SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND state = 'running' AND lease_owner = ?`,
			utc(c.LeaseUntil), utc(c.Now), c.JobID, c.Owner)
		if lease.Error != nil {
			return lease.Error
		}
		if lease.RowsAffected == 0 {
			return applicants.ErrConflict
		}
		inserted := map[string]bool{}
		batch := s.applicantBatch()
		for start := 0; start < len(c.Applicants); start += batch {
			ids, err := insertApplicants(tx, c.Applicants[start:min(len(c.Applicants), start+batch)])
			if err != nil {
				return err
			}
			for _, id := range ids {
				inserted[id] = true
			}
		}
		var errs []applicants.RowError
		for _, a := range c.Applicants {
			if !inserted[a.ID] {
				res.Conflicts = append(res.Conflicts, a.ImportRow)
				errs = append(errs, applicants.RowError{Row: a.ImportRow, Message: c.ConflictMessage})
			}
		}
		res.Imported = len(inserted)
		if c.Strict && len(res.Conflicts) > 0 {
			res.RolledBack, res.Imported = true, 0
			return errChunkRefused
		}
		errs = append(errs, c.BadRows...)
		slices.SortFunc(errs, func(a, b applicants.RowError) int { return a.Row - b.Row })
		errs = errs[:min(len(errs), max(c.ErrorRoom, 0))]
		if err := insertRowErrors(tx, c.JobID, errs); err != nil {
			return err
		}
		res.ErrorsStored = len(errs)
		skipped := len(c.BadRows) + len(res.Conflicts)
		return tx.Exec(`UPDATE import_jobs SET processed = ?, imported = imported + ?, skipped = skipped + ?,
			errors_stored = errors_stored + ? WHERE id = ?`, c.Next, res.Imported, skipped, res.ErrorsStored, c.JobID).Error
	})
	switch {
	case errors.Is(err, errChunkRefused):
		return res, nil
	case errors.Is(err, applicants.ErrConflict):
		return nil, fmt.Errorf("db: import job %s is no longer held by this worker: %w", c.JobID, err)
	case err != nil:
		return nil, fmt.Errorf("db: commit import chunk: %w", err)
	}
	return res, nil
}

// insertApplicants inserts as, skipping those whose external id (or id) is
// taken, and returns the ids inserted.
func insertApplicants(tx *gorm.DB, as []applicants.Applicant) ([]string, error) {
	if len(as) == 0 {
		return nil, nil
	}
	var b strings.Builder
	b.WriteString("INSERT INTO applicants (" + strings.Join(applicantInsertColumns, ", ") + ") VALUES ")
	place := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(applicantInsertColumns)), ", ") + ")"
	args := make([]any, 0, len(as)*len(applicantInsertColumns))
	for i := range as {
		r, err := toApplicantRow(&as[i])
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(place)
		args = append(args, r.ID, r.ConfigurationID, r.ExternalID, r.Name, r.NameKey, r.Email, r.EmailKey,
			r.Phone, r.Address, r.ClaimsSealed, r.Flags, r.Flagged, r.ImportJobID, r.ImportRow, r.CreatedAt, r.UpdatedAt)
	}
	b.WriteString(" ON CONFLICT DO NOTHING RETURNING id")
	var ids []string
	if err := tx.Raw(b.String(), args...).Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("insert applicants: %w", err)
	}
	return ids, nil
}

func insertRowErrors(tx *gorm.DB, jobID string, errs []applicants.RowError) error {
	for start := 0; start < len(errs); start += insertBatch {
		batch := errs[start:min(len(errs), start+insertBatch)]
		rows := make([]importErrorRow, len(batch))
		for i, e := range batch {
			rows[i] = importErrorRow{JobID: jobID, FileRow: e.Row, Message: e.Message}
		}
		if err := tx.Exec(insertErrorsSQL(len(rows)), errorArgs(rows)...).Error; err != nil {
			return fmt.Errorf("insert import errors: %w", err)
		}
	}
	return nil
}

// insertErrorsSQL inserts n row errors; a row already recorded (a chunk
// retried after a lost commit acknowledgement) is left alone.
func insertErrorsSQL(n int) string {
	return "INSERT INTO import_job_errors (job_id, file_row, message) VALUES " +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", n), ", ") + " ON CONFLICT DO NOTHING"
}

func errorArgs(rows []importErrorRow) []any {
	args := make([]any, 0, 3*len(rows))
	for _, r := range rows {
		args = append(args, r.JobID, r.FileRow, r.Message)
	}
	return args
}

// FinishImportJob ends a running job held by owner, with its last row
// errors and ev, in one transaction, and drops its file.
func (s *Store) FinishImportJob(ctx context.Context, id, owner string, state applicants.JobState, failure string, errs []applicants.RowError, at time.Time, ev audit.Event) error {
	err := s.transact(ctx, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE import_jobs SET state = ?, failure = ?, finished_at = ?, updated_at = ?,
			lease_owner = '', lease_expires_at = NULL, errors_stored = errors_stored + ?
			WHERE id = ? AND state = 'running' AND lease_owner = ?`,
			string(state), failure, utc(at), utc(at), len(errs), id, owner)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return applicants.ErrConflict
		}
		if err := insertRowErrors(tx, id, errs); err != nil {
			return err
		}
		if err := dropImportFile(tx, id); err != nil {
			return err
		}
		return insertAudit(tx, ev)
	})
	if errors.Is(err, applicants.ErrConflict) {
		return fmt.Errorf("db: finish import job %s: %w", id, err)
	} else if err != nil {
		return fmt.Errorf("db: finish import job: %w", err)
	}
	return nil
}

// PurgeImportDrafts cancels the drafts created before cutoff and drops
// their files (and any file of an ended job left behind).
func (s *Store) PurgeImportDrafts(ctx context.Context, cutoff time.Time) (int64, error) {
	now := utc(s.now())
	var n int64
	err := s.transact(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&importJobRow{}).Where("state = ? AND created_at < ?", applicants.JobDraft, utc(cutoff)).
			Updates(map[string]any{"state": applicants.JobCancelled, "failure": "the upload was never started", "finished_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		return tx.Exec(`DELETE FROM import_job_files WHERE job_id IN (SELECT id FROM import_jobs WHERE state <> 'draft' AND state <> 'pending' AND state <> 'running')`).Error
	})
	if err != nil {
		return 0, fmt.Errorf("db: purge import drafts: %w", err)
	}
	return n, nil
}
