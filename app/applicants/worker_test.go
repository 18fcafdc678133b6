package applicants_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"credmint/app/applicants"
	"credmint/db"
	"credmint/db/dbtest"
)

// peopleCSV returns a CSV of n people; bad(i) rows get a bad birthdate.
func peopleCSV(n int, bad func(i int) bool) []byte {
	var b strings.Builder
	b.WriteString("employee_id,given_name,family_name,birthdate,email,grade,city\n")
	for i := range n {
		birth := fmt.Sprintf("19%02d-%02d-%02d", 40+i%60, 1+i%12, 1+i%28)
		if bad != nil && bad(i) {
			birth = "31.12.1999"
		}
		fmt.Fprintf(&b, "E%06d,Given%d,Family%d,%s,p%d@example.org,%d,Town %d\n", i, i, i, birth, i, i%7, i%50)
	}
	return []byte(b.String())
}

var errCrash = errors.New("crash")

// TestImportResumesAfterACrash stops an import after its first chunk, as a
// killed process would, and checks that another worker resumes it once the
// lease has run out, exactly after the last committed chunk: every good row
// is imported once, every bad row is reported once.
func TestImportResumesAfterACrash(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		s, clk := newService(t, store)
		bad := func(i int) bool { return i%500 == 7 } // rows 9, 509, …: 5 of 2500
		j := upload(t, s, peopleCSV(2500, bad), applicants.OnErrorSkip)
		crashed := false
		applicants.SetAfterChunk(s, func(next int) error {
			if next == 1000 && !crashed {
				crashed = true
				return errCrash
			}
			return nil
		})
		if _, err := s.ImportNext(t.Context()); !errors.Is(err, errCrash) {
			t.Fatalf("first run: %v", err)
		}
		got := mustJob(t, s, j.ID)
		if got.State != applicants.JobRunning || got.Processed != 1000 || got.Imported != 998 || got.Skipped != 2 {
			t.Fatalf("after the crash: %+v", got)
		}
		// The lease still holds: nobody takes the job.
		if did, err := s.ImportNext(t.Context()); did || err != nil {
			t.Fatalf("run within the lease: %v %v", did, err)
		}
		clk.Advance(applicants.LeaseDuration + time.Second)
		if did, err := s.ImportNext(t.Context()); !did || err != nil {
			t.Fatalf("resume: %v %v", did, err)
		}
		got = mustJob(t, s, j.ID)
		if got.State != applicants.JobDone || got.Processed != 2500 || got.Imported != 2495 || got.Skipped != 5 || got.ErrorsStored != 5 {
			t.Fatalf("after resuming: %+v", got)
		}
		errs, _ := s.JobErrors(t.Context(), j.ID, 0, 100)
		var rows []int
		for _, e := range errs {
			rows = append(rows, e.Row)
			if !strings.Contains(e.Message, `birthdate (column "birthdate"): not a date`) || strings.Contains(e.Message, "31.12.1999") {
				t.Errorf("row %d: %q", e.Row, e.Message)
			}
		}
		if fmt.Sprint(rows) != "[9 509 1009 1509 2009]" {
			t.Errorf("reported rows: %v", rows)
		}
		seen := map[string]int{}
		rowOf := map[int]bool{}
		err := s.Select(t.Context(), applicants.Filter{ImportJobID: j.ID}, func(a *applicants.Applicant) error {
			seen[a.ExternalID]++
			rowOf[a.ImportRow] = true
			if want := fmt.Sprintf("Given%d Family%d", a.ImportRow-2, a.ImportRow-2); a.Name != want || a.Claims["given_name"] != fmt.Sprintf("Given%d", a.ImportRow-2) {
				t.Fatalf("row %d imported as %q %v", a.ImportRow, a.Name, a.Claims)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) != 2495 || len(rowOf) != 2495 {
			t.Fatalf("imported %d distinct external ids from %d rows", len(seen), len(rowOf))
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("%s imported %d times", id, n)
			}
		}
		evs, _ := store.AuditEvents(t.Context(), "import_job", j.ID)
		var actions []string
		for _, ev := range evs {
			actions = append(actions, ev.Action)
		}
		if strings.Join(actions, " ") != "import_job.uploaded import_job.started import_job.done" {
			t.Errorf("audit: %v", actions)
		}
		if evs[2].Details["imported"] != "2495" || evs[2].Details["skipped"] != "5" {
			t.Errorf("done event: %+v", evs[2].Details)
		}
	})
}

func TestImportOnErrorCancelImportsNothing(t *testing.T) {
	s, _ := newService(t, dbtest.SQLite(t))
	j := upload(t, s, peopleCSV(1500, func(i int) bool { return i == 1200 }), applicants.OnErrorCancel)
	if did, err := s.ImportNext(t.Context()); !did || err != nil {
		t.Fatal(did, err)
	}
	got := mustJob(t, s, j.ID)
	if got.State != applicants.JobCancelled || got.Imported != 0 || !strings.Contains(got.Failure, "1 rows are bad") {
		t.Fatalf("job: %+v", got)
	}
	if errs, _ := s.JobErrors(t.Context(), j.ID, 0, 10); len(errs) != 1 || errs[0].Row != 1202 {
		t.Fatalf("errors: %+v", errs)
	}
	if rows, _, _ := s.List(t.Context(), applicants.Filter{}, applicants.Page{}); len(rows) != 0 {
		t.Fatalf("%d applicants imported", len(rows))
	}
	// Without bad rows the same policy imports everything.
	j = upload(t, s, peopleCSV(1500, nil), applicants.OnErrorCancel)
	if _, err := s.ImportNext(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := mustJob(t, s, j.ID); got.State != applicants.JobDone || got.Imported != 1500 {
		t.Fatalf("clean file: %+v", got)
	}
}

// TestTwoWorkersShareTheJobs runs two workers at once over three jobs:
// each job is imported by one of them, once.
func TestTwoWorkersShareTheJobs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.Store) {
		s, _ := newService(t, store)
		var jobs []string
		for k := range 3 {
			var b strings.Builder
			b.WriteString("employee_id,given_name,family_name\n")
			for i := range 1200 {
				fmt.Fprintf(&b, "J%d-%04d,G,F\n", k, i)
			}
			jobs = append(jobs, upload(t, s, []byte(b.String()), applicants.OnErrorSkip).ID)
		}
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				for {
					did, err := s.ImportNext(context.Background())
					if err != nil {
						t.Error(err)
						return
					}
					if !did {
						return
					}
				}
			})
		}
		wg.Wait()
		for _, id := range jobs {
			if j := mustJob(t, s, id); j.State != applicants.JobDone || j.Imported != 1200 || j.Skipped != 0 {
				t.Errorf("job %s: %+v", id, j)
			}
		}
		n, _ := store.CountApplicants(t.Context())
		if n != 3600 {
			t.Errorf("applicants: %d, want 3600", n)
		}
	})
}

// TestImportReportsDuplicates: duplicates in the file and in the database
// are named, and the first occurrence in the file wins.
func TestImportReportsDuplicates(t *testing.T) {
	s, _ := newService(t, dbtest.SQLite(t))
	upload(t, s, []byte("employee_id,given_name,family_name\nX1,Old,One\n"), applicants.OnErrorSkip)
	if _, err := s.ImportNext(t.Context()); err != nil {
		t.Fatal(err)
	}
	data := []byte("employee_id,given_name,family_name\nX1,New,One\nX2,Two,A\nX2,Two,B\n,No,Id\n,No,Id\n")
	j, err := s.Upload(staffCtx(t), applicants.UploadRequest{ConfigurationID: "staff_badge", FileName: "d.csv", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Preview(t.Context(), j.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []applicants.RowError{
		{Row: 2, Message: "external id: an applicant with this external id exists already for this configuration"},
		{Row: 4, Message: "external id: the same as in row 3"},
	}
	if fmt.Sprint(p.Errors) != fmt.Sprint(want) || p.Valid != 3 {
		t.Fatalf("preview: valid %d errors %v", p.Valid, p.Errors)
	}
	if _, err := s.Start(staffCtx(t), j.ID, applicants.StartRequest{Mapping: j.Mapping}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportNext(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := mustJob(t, s, j.ID)
	if got.Imported != 3 || got.Skipped != 2 {
		t.Fatalf("job: %+v", got)
	}
	errs, _ := s.JobErrors(t.Context(), j.ID, 0, 10)
	if fmt.Sprint(errs) != fmt.Sprint(want) {
		t.Fatalf("job errors: %v", errs)
	}
}
