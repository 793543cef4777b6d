package pgserver

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// BenchmarkInitdb measures creating a data directory, which the first
// start on a folder does.
func BenchmarkInitdb(b *testing.B) {
	bin := binaries(b)
	attr, err := serverProcAttr()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	ctx := b.Context()
	i := 0
	for b.Loop() {
		i++
		data := filepath.Join(dir, strconv.Itoa(i))
		if _, err := initialize(ctx, bin, data, data+".log", attr); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStart measures a start on an existing data directory, until the
// database accepts sessions, and reports the fast shutdown separately.
func BenchmarkStart(b *testing.B) {
	cfg := Config{Binaries: binaries(b), Dir: b.TempDir()}
	first, err := Start(b.Context(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := first.Close(); err != nil {
		b.Fatal(err)
	}
	var stopping time.Duration
	for b.Loop() {
		s, err := Start(b.Context(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		start := time.Now()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		stopping += time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(float64(stopping.Milliseconds())/float64(b.N), "stop-ms/op")
}
