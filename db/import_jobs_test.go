package db_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"credmint/app/applicants"
	"credmint/app/audit"
	"credmint/db"
	"credmint/db/dbtest"
)

func jobEvent(action, id string) audit.Event {
	return audit.Event{At: t0, Actor: audit.Actor{Kind: audit.ActorStaff, ID: "usr_1"}, Action: action, SubjectType: "import_job", SubjectID: id}
}

// createDraft stores a draft import job with a sealed file.
func createDraft(t *testing.T, s *db.Store, id string, at time.Time) *applicants.ImportJob {
	t.Helper()
	j := &applicants.ImportJob{
		ID: id, ConfigurationID: "pid", FileName: "people.csv", Format: applicants.FormatCSV, FileSize: 1234,
		FileSealed: []byte("sealed file " + id), Mapping: applicants.Mapping{ExternalID: "id", Claims: map[string]string{"given_name": "first"}},
		OnError: applicants.OnErrorSkip, State: applicants.JobDraft, Total: 3, CreatedBy: "usr_1", CreatedAt: at, UpdatedAt: at,
	}
	if err := s.CreateImportJob(t.Context(), j, jobEvent("import_job.uploaded", id)); err != nil {
		t.Fatalf("CreateImportJob: %v", err)
	}
	return j
}

// chunkOf returns n applicants of job from file row first on, with
// external ids ext(i).
func chunkOf(job string, first, n int, ext func(i int) string) []applicants.Applicant {
	var out []applicants.Applicant
	for i := range n {
		id := fmt.Sprintf("apl_%s_%04d", job, first+i)
		a := newApplicant(id, "pid", ext(first+i), t0)
		a.ImportJobID, a.ImportRow = job, first+i
		out = append(out, *a)
	}
	return out
}

func TestImportJobLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		j := createDraft(t, s, "imp_1", t0)
		got, err := s.ImportJob(ctx, "imp_1")
		if err != nil {
			t.Fatal(err)
		}
		if got.FileSealed != nil || got.State != applicants.JobDraft || got.Mapping.Claims["given_name"] != "first" || got.Total != 3 {
			t.Fatalf("ImportJob: %+v", got)
		}
		if file, err := s.ImportJobFile(ctx, "imp_1"); err != nil || string(file) != "sealed file imp_1" {
			t.Fatalf("ImportJobFile: %q %v", file, err)
		}
		// A draft is never claimed.
		if _, err := s.ClaimImportJob(ctx, "w1", t0, t0.Add(time.Minute)); !errors.Is(err, applicants.ErrNotFound) {
			t.Fatalf("claim with only a draft: %v", err)
		}
		m := j.Mapping
		m.Email = "mail"
		if err := s.StartImportJob(ctx, "imp_1", m, applicants.OnErrorSkip, 2000, t0, jobEvent("import_job.started", "imp_1")); err != nil {
			t.Fatal(err)
		}
		if err := s.StartImportJob(ctx, "imp_1", m, applicants.OnErrorSkip, 2000, t0, jobEvent("import_job.started", "imp_1")); !errors.Is(err, applicants.ErrConflict) {
			t.Fatalf("second start: %v", err)
		}
		if err := s.StartImportJob(ctx, "imp_x", m, applicants.OnErrorSkip, 1, t0, jobEvent("import_job.started", "imp_x")); !errors.Is(err, applicants.ErrNotFound) {
			t.Fatalf("start unknown: %v", err)
		}

		// Of two workers racing for the job, exactly one gets it.
		var wg sync.WaitGroup
		won := make(chan string, 2)
		for _, w := range []string{"w1", "w2"} {
			wg.Go(func() {
				if j, err := s.ClaimImportJob(ctx, w, t0, t0.Add(time.Minute)); err == nil {
					if j.State != applicants.JobRunning || j.LeaseOwner != w {
						t.Errorf("claimed job: %+v", j)
					}
					won <- w
				} else if !errors.Is(err, applicants.ErrNotFound) {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		close(won)
		var owners []string
		for w := range won {
			owners = append(owners, w)
		}
		if len(owners) != 1 {
			t.Fatalf("claimed by %v, want exactly one worker", owners)
		}
		owner, other := owners[0], map[string]string{"w1": "w2", "w2": "w1"}[owners[0]]

		// Chunk 1: 1000 rows, one external id already taken, two bad rows.
		mustCreateApplicant(t, s, newApplicant("apl_old", "pid", "E-0005", t0))
		ext := func(i int) string { return fmt.Sprintf("E-%04d", i) }
		c := &applicants.ImportChunk{JobID: "imp_1", Owner: owner, Applicants: chunkOf("imp_1", 2, 998, ext),
			BadRows:   []applicants.RowError{{Row: 1000, Message: "bad date"}, {Row: 1001, Message: "bad email"}},
			ErrorRoom: 2, ConflictMessage: "taken", Next: 1000, Now: t0, LeaseUntil: t0.Add(time.Minute)}
		res, err := s.CommitImportChunk(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if res.Imported != 997 || len(res.Conflicts) != 1 || res.Conflicts[0] != 5 || res.ErrorsStored != 2 || res.RolledBack {
			t.Fatalf("chunk 1: %+v", res)
		}
		// The worker that lost the claim cannot write.
		c2 := *c
		c2.Owner, c2.Applicants, c2.BadRows = other, chunkOf("imp_1", 1002, 10, ext), nil
		if _, err := s.CommitImportChunk(ctx, &c2); !errors.Is(err, applicants.ErrConflict) {
			t.Fatalf("chunk by the loser: %v", err)
		}
		got, _ = s.ImportJob(ctx, "imp_1")
		if got.Processed != 1000 || got.Imported != 997 || got.Skipped != 3 || got.ErrorsStored != 2 || !got.LeaseExpiresAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("progress after chunk 1: %+v", got)
		}
		errs, _ := s.ImportJobErrors(ctx, "imp_1", 0, 10)
		diff(t, "stored row errors (capped at ErrorRoom, row order)", errs, []applicants.RowError{{Row: 5, Message: "taken"}, {Row: 1000, Message: "bad date"}})

		// A strict chunk with a taken id stores nothing.
		strict := &applicants.ImportChunk{JobID: "imp_1", Owner: owner, Applicants: chunkOf("imp_1", 1002, 5, func(i int) string { return ext(i - 1000) }),
			ErrorRoom: 100, ConflictMessage: "taken", Next: 1005, Strict: true, Now: t0, LeaseUntil: t0.Add(time.Minute)}
		res, err = s.CommitImportChunk(ctx, strict)
		if err != nil || !res.RolledBack || len(res.Conflicts) != 5 || res.Imported != 0 {
			t.Fatalf("strict chunk: %+v %v", res, err)
		}
		if got, _ := s.ImportJob(ctx, "imp_1"); got.Processed != 1000 || got.Imported != 997 {
			t.Fatalf("strict chunk changed progress: %+v", got)
		}
		if _, err := s.Applicant(ctx, "apl_imp_1_1002"); !errors.Is(err, applicants.ErrNotFound) {
			t.Fatalf("strict chunk stored an applicant: %v", err)
		}

		// After the lease runs out, another worker takes the job over and
		// the old one is locked out.
		if _, err := s.ClaimImportJob(ctx, other, t0.Add(30*time.Second), t0.Add(2*time.Minute)); !errors.Is(err, applicants.ErrNotFound) {
			t.Fatalf("claim before the lease ran out: %v", err)
		}
		taken, err := s.ClaimImportJob(ctx, other, t0.Add(2*time.Minute), t0.Add(3*time.Minute))
		if err != nil || taken.Processed != 1000 || taken.LeaseOwner != other {
			t.Fatalf("take over: %+v %v", taken, err)
		}
		if err := s.FinishImportJob(ctx, "imp_1", owner, applicants.JobDone, "", nil, t0, jobEvent("import_job.done", "imp_1")); !errors.Is(err, applicants.ErrConflict) {
			t.Fatalf("finish by the old owner: %v", err)
		}
		if err := s.FinishImportJob(ctx, "imp_1", other, applicants.JobDone, "", []applicants.RowError{{Row: 1500, Message: "late"}}, t0.Add(3*time.Minute), jobEvent("import_job.done", "imp_1")); err != nil {
			t.Fatal(err)
		}
		got, _ = s.ImportJob(ctx, "imp_1")
		if got.State != applicants.JobDone || got.FinishedAt == nil || got.LeaseOwner != "" || got.ErrorsStored != 3 {
			t.Fatalf("finished job: %+v", got)
		}
		if _, err := s.ImportJobFile(ctx, "imp_1"); !errors.Is(err, applicants.ErrNotFound) {
			t.Fatalf("the file of a finished job must be dropped: %v", err)
		}
		if err := s.CancelImportJob(ctx, "imp_1", "no", t0, jobEvent("import_job.cancelled", "imp_1")); !errors.Is(err, applicants.ErrConflict) {
			t.Fatalf("cancel a finished job: %v", err)
		}
		page, _ := s.Applicants(ctx, applicants.ListQuery{Filter: applicants.Filter{ImportJobID: "imp_1"}, Sort: applicants.SortNewest, Limit: 2000})
		if len(page) != 997 {
			t.Fatalf("applicants of the job: %d", len(page))
		}
	})
}

func TestImportJobCancelAndPurge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		createDraft(t, s, "imp_a", t0)
		createDraft(t, s, "imp_b", t0.Add(2*time.Hour))
		createDraft(t, s, "imp_c", t0.Add(2*time.Hour))
		if err := s.StartImportJob(ctx, "imp_c", applicants.Mapping{}, applicants.OnErrorCancel, 3, t0, jobEvent("import_job.started", "imp_c")); err != nil {
			t.Fatal(err)
		}
		j, err := s.ClaimImportJob(ctx, "w", t0, t0.Add(time.Minute))
		if err != nil || j.ID != "imp_c" || j.OnError != applicants.OnErrorCancel {
			t.Fatalf("claim: %+v %v", j, err)
		}
		// Cancelling a running job locks its worker out.
		if err := s.CancelImportJob(ctx, "imp_c", "cancelled by staff", t0, jobEvent("import_job.cancelled", "imp_c")); err != nil {
			t.Fatal(err)
		}
		_, err = s.CommitImportChunk(ctx, &applicants.ImportChunk{JobID: "imp_c", Owner: "w", Applicants: chunkOf("imp_c", 2, 2, func(int) string { return "" }),
			Next: 2, Now: t0, LeaseUntil: t0.Add(time.Minute)})
		if !errors.Is(err, applicants.ErrConflict) {
			t.Fatalf("chunk after cancel: %v", err)
		}
		if n, err := s.PurgeImportDrafts(ctx, t0.Add(time.Hour)); err != nil || n != 1 {
			t.Fatalf("purge: %d %v", n, err)
		}
		for id, want := range map[string]applicants.JobState{"imp_a": applicants.JobCancelled, "imp_b": applicants.JobDraft, "imp_c": applicants.JobCancelled} {
			if j, _ := s.ImportJob(ctx, id); j.State != want {
				t.Errorf("%s: %s, want %s", id, j.State, want)
			}
		}
		jobs, err := s.ImportJobs(ctx, 2)
		if err != nil || len(jobs) != 2 || jobs[0].ID != "imp_c" || jobs[1].ID != "imp_b" {
			t.Fatalf("ImportJobs: %v %v", jobs, err)
		}
		if err := s.CancelImportJob(ctx, "imp_z", "x", t0, jobEvent("import_job.cancelled", "imp_z")); !errors.Is(err, applicants.ErrNotFound) {
			t.Fatalf("cancel unknown: %v", err)
		}
	})
}
