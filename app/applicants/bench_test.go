package applicants_test

import (
	"testing"
	"time"

	"credmint/app/applicants"
	"credmint/db/dbtest"
)

// BenchmarkImport100k imports a CSV of 100 000 people on SQLite, as the
// worker does in `credmint serve`: chunks of 1000 rows, claims sealed per
// row. The time of one iteration is the worker's; upload_and_start_s is
// what staff wait for before it (reading, checking the whole file for the
// preview, sealing and storing the upload).
//
//	go test ./app/applicants -run '^$' -bench Import100k -benchtime 1x
func BenchmarkImport100k(b *testing.B) {
	const rows = 100_000
	data := peopleCSV(rows, func(i int) bool { return i%1000 == 999 })
	var prep time.Duration
	for b.Loop() {
		b.StopTimer()
		s, _ := newService(b, dbtest.SQLite(b))
		start := time.Now()
		j := upload(b, s, data, applicants.OnErrorSkip)
		prep += time.Since(start)
		b.StartTimer()
		if did, err := s.ImportNext(b.Context()); !did || err != nil {
			b.Fatal(did, err)
		}
		b.StopTimer()
		if got := mustJob(b, s, j.ID); got.State != applicants.JobDone || got.Imported != rows-rows/1000 {
			b.Fatalf("job: %+v", got)
		}
		b.StartTimer()
	}
	b.ReportMetric(prep.Seconds()/float64(b.N), "upload_and_start_s")
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
