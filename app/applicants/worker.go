package applicants

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"credmint/app/audit"
)

// Worker settings.
const (
	// ChunkSize is how many rows one transaction imports.
	ChunkSize = 1000
	// LeaseDuration is how long a claimed job stays with its worker
	// without progress; each chunk renews it. After it, another worker
	// (another process after a crash) takes the job over and resumes after
	// the last committed chunk.
	LeaseDuration = 30 * time.Second
	// DraftLifetime is how long an upload that was never started is kept.
	DraftLifetime = 24 * time.Hour
)

// RunWorker imports pending jobs until ctx ends, looking for one every
// poll (1s when 0). Any number of processes may run it on one database.
func (s *Service) RunWorker(ctx context.Context, poll time.Duration) {
	if poll <= 0 {
		poll = time.Second
	}
	var lastPurge time.Time
	for ctx.Err() == nil {
		did, err := s.ImportNext(ctx)
		if err != nil && ctx.Err() == nil {
			s.Log.Error("import worker failed", "error", err.Error())
		}
		if now := s.now(); now.Sub(lastPurge) > time.Hour {
			lastPurge = now
			if n, err := s.Store.PurgeImportDrafts(ctx, now.Add(-DraftLifetime)); err != nil && ctx.Err() == nil {
				s.Log.Warn("purging import drafts failed", "error", err.Error())
			} else if n > 0 {
				s.Log.Info("discarded import uploads that were never started", "count", n)
			}
		}
		if did && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(poll):
		}
	}
}

// ImportNext claims one pending job (or one whose worker stopped) and
// imports it to the end. It reports whether there was a job.
func (s *Service) ImportNext(ctx context.Context) (bool, error) {
	owner, err := leaseOwner()
	if err != nil {
		return false, err
	}
	now := s.now()
	j, err := s.Store.ClaimImportJob(ctx, owner, now, now.Add(LeaseDuration))
	if errors.Is(err, ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	s.Log.Info("import started", "import_job_id", j.ID, "from_row_index", j.Processed, "rows", j.Total)
	return true, s.runJob(ctx, j, owner)
}

// leaseOwner names this claim: host, process and a random part, so that a
// worker whose lease was taken over cannot write for the new owner.
func leaseOwner() (string, error) {
	host, _ := os.Hostname()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:])), nil
}

// runJob imports job j held by owner, from row j.Processed.
func (s *Service) runJob(ctx context.Context, j *ImportJob, owner string) error {
	fail := func(msg string, cause error) error {
		if cause != nil {
			s.Log.Error("import failed", "import_job_id", j.ID, "error", cause.Error())
		}
		return s.finish(ctx, j, owner, JobFailed, msg, nil)
	}
	src, err := s.source(ctx, j)
	if err != nil {
		return fail("the uploaded file cannot be read any more", err)
	}
	cfg, err := s.Catalog.Configuration(ctx, j.ConfigurationID)
	if err != nil {
		return fail("the credential configuration "+j.ConfigurationID+" is not available", err)
	}
	mp, errs := compile(cfg, src.Columns, j.Mapping)
	if errs != nil {
		return fail("the mapping does not fit the configuration any more (it was changed): upload the file again", nil)
	}
	chk, err := s.check(ctx, mp, src)
	if err != nil {
		return err // the lease runs out and the job is retried
	}
	strict := j.OnError == OnErrorCancel
	if strict && j.Processed == 0 {
		if bad := badRows(chk, src); len(bad) > 0 {
			return s.finish(ctx, j, owner, JobCancelled,
				fmt.Sprintf("%d rows are bad, and the import was set to import nothing then", len(bad)), bad[:min(len(bad), MaxRowErrors)])
		}
	}
	errorsStored := j.ErrorsStored
	for next := j.Processed; next < len(src.Rows); {
		end := min(next+ChunkSize, len(src.Rows))
		c, err := s.chunk(j, chk, src, next, end)
		if err != nil {
			return err
		}
		c.Owner, c.Strict, c.ErrorRoom = owner, strict, MaxRowErrors-errorsStored
		res, err := s.Store.CommitImportChunk(ctx, c)
		if errors.Is(err, ErrConflict) {
			s.Log.Info("import stopped: cancelled or taken over", "import_job_id", j.ID)
			return nil
		} else if err != nil {
			return err
		}
		if res.RolledBack {
			errs := make([]RowError, len(res.Conflicts))
			for i, row := range res.Conflicts {
				errs[i] = RowError{Row: row, Message: msgTaken}
			}
			return s.finish(ctx, j, owner, JobCancelled, fmt.Sprintf(
				"row %d: the external id was taken meanwhile; the import stopped there (rows before it were imported)", res.Conflicts[0]), errs)
		}
		errorsStored += res.ErrorsStored
		if s.afterChunk != nil {
			if err := s.afterChunk(end); err != nil {
				return err
			}
		}
		next = end
	}
	return s.finish(ctx, j, owner, JobDone, "", nil)
}

// badRows returns the problems of every row of the file.
func badRows(chk *checker, src *Source) []RowError {
	var out []RowError
	for i := range src.Rows {
		if r := chk.row(i); len(r.Problems) > 0 {
			out = append(out, RowError{Row: src.RowNumbers[i], Message: strings.Join(r.Problems, "; ")})
		}
	}
	return out
}

// chunk maps rows [start, end) into applicants (sealed) and bad rows.
func (s *Service) chunk(j *ImportJob, chk *checker, src *Source, start, end int) (*ImportChunk, error) {
	now := s.now()
	c := &ImportChunk{JobID: j.ID, Next: end, Now: now, LeaseUntil: now.Add(LeaseDuration), ConflictMessage: msgTaken,
		Applicants: make([]Applicant, 0, end-start)}
	for i := start; i < end; i++ {
		r := chk.row(i)
		if len(r.Problems) > 0 {
			c.BadRows = append(c.BadRows, RowError{Row: src.RowNumbers[i], Message: strings.Join(r.Problems, "; ")})
			continue
		}
		a := r.Applicant
		var err error
		if a.ID, err = s.ids.next("apl_", now); err != nil {
			return nil, err
		}
		a.ConfigurationID, a.ImportJobID, a.ImportRow, a.CreatedAt, a.UpdatedAt = j.ConfigurationID, j.ID, src.RowNumbers[i], now, now
		if err := s.seal(&a); err != nil {
			return nil, err
		}
		a.Claims = nil
		c.Applicants = append(c.Applicants, a)
	}
	return c, nil
}

// finish ends job j with state and writes its audit event.
func (s *Service) finish(ctx context.Context, j *ImportJob, owner string, state JobState, failure string, errs []RowError) error {
	now := s.now()
	details := map[string]string{"configuration_id": j.ConfigurationID}
	if cur, err := s.Store.ImportJob(ctx, j.ID); err == nil {
		details["imported"], details["skipped"] = strconv.Itoa(cur.Imported), strconv.Itoa(cur.Skipped)
	}
	ev := audit.New(ctx, now, "import_job."+string(state), "import_job", j.ID, details)
	if failure != "" {
		ev.Details["failure"] = failure
	}
	if room := MaxRowErrors - j.ErrorsStored; len(errs) > room {
		errs = errs[:max(room, 0)]
	}
	err := s.Store.FinishImportJob(ctx, j.ID, owner, state, failure, errs, now, ev)
	if errors.Is(err, ErrConflict) {
		return nil // cancelled or taken over meanwhile
	}
	if err == nil {
		s.Log.Info("import ended", "import_job_id", j.ID, "state", string(state))
	}
	return err
}
