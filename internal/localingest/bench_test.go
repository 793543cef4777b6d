package localingest

import (
	"testing"
	"time"
)

// BenchmarkRefresh measures a refresh of 2,000 new records from the 4
// shards of a kinesis-local stream into the landing table. kinesis-local
// is slow, so this measures the stand-in with it, not Redshift.
func BenchmarkRefresh(b *testing.B) {
	ctx := testContext(b, 10*time.Minute)
	f := newFixture(b, ctx)
	const perRefresh = 2000
	var loaded int
	var elapsed time.Duration
	next := 0
	for b.Loop() {
		b.StopTimer()
		f.put(b, ctx, events(next, perRefresh)...)
		next += perRefresh
		b.StartTimer()
		start := time.Now()
		report, err := f.view.Refresh(ctx)
		elapsed += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if report.Records != perRefresh {
			b.Fatalf("refresh loaded %d records, want %d", report.Records, perRefresh)
		}
		loaded += report.Records
	}
	b.ReportMetric(float64(loaded)/elapsed.Seconds(), "records/s")
}
