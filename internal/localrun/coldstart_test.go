package localrun

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatstream/chatstream/internal/fakekinesis"
)

// initReport is the emulator's line for the function's init phase: the time
// from starting bootstrap until it asked for its first invocation.
var initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// BenchmarkColdStart measures what the producer's start-up adds to the
// smallest Go Lambda's (testdata/echofn: aws-lambda-go and nothing else).
// Each iteration is a cold start: a new emulator, a new process, one
// invocation. It reports the init phase (init-ms, the figure Lambda bills
// as Init Duration) and the wall time of that first invocation
// (first-invoke-ms), which for the producer includes building its first
// PutRecords request against an in-process Kinesis endpoint.
func BenchmarkColdStart(b *testing.B) {
	rie, producer, env := benchFunction(b)
	smallest := filepath.Join(b.TempDir(), "smallest")
	if err := goBuild(context.Background(), moduleRoot(b), "-tags", "lambda.norpc", "-trimpath", "-o", smallest, "./internal/localrun/testdata/echofn"); err != nil {
		b.Fatal(err)
	}

	for _, fn := range []struct {
		name, bootstrap string
		payload         []byte
	}{
		{"smallest", smallest, []byte(`{}`)},
		{"producer", producer, []byte(`{"count":1}`)},
	} {
		b.Run(fn.name, func(b *testing.B) {
			var initMS, invokeMS float64
			for b.Loop() {
				init, invoke := coldStart(b, EmulatorConfig{Binary: rie, Bootstrap: fn.bootstrap, WorkDir: b.TempDir(), Env: env}, fn.payload)
				initMS += init
				invokeMS += float64(invoke) / float64(time.Millisecond)
			}
			b.ReportMetric(initMS/float64(b.N), "init-ms")
			b.ReportMetric(invokeMS/float64(b.N), "first-invoke-ms")
		})
	}
}

// moduleRoot is the repository root, where go build runs.
func moduleRoot(b *testing.B) string {
	b.Helper()
	root, err := FindRoot(".")
	if err != nil {
		b.Fatal(err)
	}
	return root
}

// benchFunction builds the emulator and the producer and starts an
// in-process Kinesis endpoint that discards what it accepts, so that the
// benchmarks measure the function, not kinesis-local. It returns the two
// binaries and the function's environment.
func benchFunction(b *testing.B) (rie, producer string, env map[string]string) {
	b.Helper()
	ctx, root, bin := context.Background(), moduleRoot(b), b.TempDir()
	rie, err := BuildEmulator(ctx, root, bin)
	if err != nil {
		b.Fatal(err)
	}
	producer, err = BuildProducer(ctx, root, bin)
	if err != nil {
		b.Fatal(err)
	}
	kinesis, err := fakekinesis.New(fakekinesis.Options{Streams: []string{"bench"}, Discard: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(kinesis.Close)
	return rie, producer, map[string]string{
		"STREAM_NAME":              "bench",
		"AWS_ENDPOINT_URL_KINESIS": kinesis.URL,
	}
}

// coldStart starts a fresh emulator, invokes it once and returns the init
// phase's duration in milliseconds, as the emulator reported it, and the
// invocation's wall time.
func coldStart(b *testing.B, cfg EmulatorConfig, payload []byte) (float64, time.Duration) {
	b.Helper()
	ctx := context.Background()
	em, err := StartEmulator(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	_, invokeErr := em.Invoke(ctx, payload)
	took := time.Since(start)
	if err := em.Stop(); err != nil {
		b.Fatal(err)
	}
	if invokeErr != nil {
		b.Fatal(invokeErr)
	}
	log, err := os.ReadFile(em.Log)
	if err != nil {
		b.Fatal(err)
	}
	m := initReport.FindSubmatch(log)
	if m == nil {
		b.Fatalf("no INIT REPORT line in %s", em.Log)
	}
	ms, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		b.Fatal(err)
	}
	return ms, took
}

// BenchmarkPeakMemory runs one invocation of the real producer per case
// against an in-process Kinesis endpoint and reports the function process's
// peak resident memory (VmHWM), the figure Lambda reports as Max Memory Used.
// It stays flat as the count grows because events are generated as they are
// sent: bursts of 1,000 to 1,000,000 events, and world windows of one and
// fifteen minutes at 1,000 events/s (60,000 and 900,000 events), an hour in
// the past so that each is sent at once. The Lambda limit to compare with is
// the function's memory size.
func BenchmarkPeakMemory(b *testing.B) {
	ctx := context.Background()
	rie, producer, env := benchFunction(b)
	past, err := WithScheduledTime([]byte(`{"source":"chatstream.scheduler","schedule_arn":"arn:s","scheduled_time":"","execution_id":"e","attempt":"1"}`), time.Now().Add(-time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	type run struct {
		name    string
		payload []byte
		window  string // WINDOW_SECONDS
		events  int    // at least this many
	}
	var runs []run
	for _, count := range []int{1_000, 100_000, 1_000_000} {
		runs = append(runs, run{name: strconv.Itoa(count), payload: []byte(`{"count":` + strconv.Itoa(count) + `,"rate":0}`), events: count})
	}
	runs = append(runs,
		run{name: "world-60s", payload: past, window: "60", events: 50_000},
		run{name: "world-900s", payload: past, window: "900", events: 800_000})
	for _, r := range runs {
		b.Run(r.name, func(b *testing.B) {
			fnEnv := maps.Clone(env)
			if r.window != "" {
				fnEnv["WINDOW_SECONDS"], fnEnv["RATE"] = r.window, "1000"
			}
			var peak float64
			for b.Loop() {
				em, err := StartEmulator(ctx, EmulatorConfig{Binary: rie, Bootstrap: producer, WorkDir: b.TempDir(), Env: fnEnv, FunctionTimeout: 5 * time.Minute})
				if err != nil {
					b.Fatal(err)
				}
				inv, err := em.Invoke(ctx, r.payload)
				if err == nil && (inv.Result.Sent < r.events || inv.Result.Sent != inv.Result.Generated) {
					err = fmt.Errorf("sent %d of %d events, want at least %d", inv.Result.Sent, inv.Result.Generated, r.events)
				}
				if err == nil {
					peak = max(peak, functionPeakMiB(b, em))
				}
				if stopErr := em.Stop(); err == nil {
					err = stopErr
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(peak, "peak-rss-MiB")
		})
	}
}

// functionPeakMiB is the largest VmHWM among the emulator's descendants: the
// function process.
func functionPeakMiB(b *testing.B, em *Emulator) float64 {
	b.Helper()
	var peakKiB int
	for _, pid := range withDescendants(b, em.proc.pid())[1:] {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			continue // the process ended meanwhile
		}
		for line := range strings.Lines(string(status)) {
			if kib, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(kib), " kB"))
				peakKiB = max(peakKiB, n)
			}
		}
	}
	if peakKiB == 0 {
		b.Fatal("found no function process under the emulator")
	}
	return float64(peakKiB) / 1024
}
