package faultproxy_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chatstream/chatstream/internal/faultproxy"
	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/chatstream/chatstream/lambda/publish"
)

// scenario is one invocation of the real producer through the proxy.
type scenario struct {
	name   string
	faults faultproxy.Faults
	seed   uint64
	// count and rate go into the manual payload.
	count int
	rate  float64
	// functionTimeout is the Lambda timeout the emulator enforces.
	functionTimeout time.Duration
}

// run is what one scenario produced, from every witness.
type run struct {
	// err is the invocation's error, a *localrun.FunctionError when the
	// function itself failed.
	err error
	// result is the producer's own account, from its summary log line.
	result summary
	// took is the invocation's wall time, as the caller saw it, for the
	// log only: it includes the emulator starting the function.
	took time.Duration
	// counts are the proxy's counters after every request ended.
	counts faultproxy.Counts
	// records is the proxy's history of every record, by event id.
	records map[string]faultproxy.RecordStats
	// copies counts each event id in the stream.
	copies map[string]int
}

// summary is the "result" member of the producer's summary log line.
type summary struct {
	Requested    int            `json:"requested"`
	Generated    int            `json:"generated"`
	Sent         int            `json:"sent"`
	Failed       int            `json:"failed"`
	Requests     int            `json:"requests"`
	Retries      int            `json:"retries"`
	DurationMS   int64          `json:"duration_ms"`
	FailureCodes map[string]int `json:"failure_codes"`
}

// These tests run the real producer binary under the Lambda Runtime
// Interface Emulator, with AWS_ENDPOINT_URL_KINESIS pointing at a fault
// proxy in front of kinesis-local, and afterwards hold what the producer
// reported against what the stream holds and what the proxy did.
func TestProducerUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kinesis-local and the Lambda emulator")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 6*time.Minute)
	defer cancel()
	env := startLocal(ctx, t)

	t.Run("mixed faults", func(t *testing.T) {
		// GIVEN a proxy that throttles 10% of entries and fails, holds until
		// the producer's request timeout gives up on them, or loses the
		// answer of 8% of requests each
		sc := scenario{
			name:   "mixed",
			faults: faultproxy.Faults{Throttle: 0.1, ServerError: 0.08, Delay: 0.08, LoseAnswer: 0.08},
			seed:   3, count: 1500, rate: 300,
		}
		// WHEN the producer sends 1500 events, 30 to a request
		r := env.invoke(ctx, t, sc)

		// THEN its report, the stream and the proxy agree
		duplicates := checkRun(t, sc, r, false)
		c := r.counts
		// AND every kind of fault was met; with this seed the first 50
		// requests, fewer than the run makes, include each kind.
		if c.Throttled == 0 || c.ServerErrors == 0 || c.LateAnswers == 0 || c.LostAnswers == 0 {
			t.Errorf("proxy counts %+v, want every kind of fault injected", c)
		}
		// AND the lost answers left duplicates, each one tied to a lost
		// answer by checkRun
		if duplicates == 0 {
			t.Errorf("no duplicates after %d lost and %d late answers; the test proves nothing", c.LostAnswers, c.LateAnswers)
		}
		t.Logf("injected: %d of %d entries throttled, %d of %d requests 5xx, %d held until the producer gave up (%d answered late), %d answers lost; %d stored records unacknowledged",
			c.Throttled, c.Entries, c.ServerErrors, c.Requests, c.Delayed, c.LateAnswers, c.LostAnswers, c.Unacknowledged)
		t.Logf("found: %d sent, %d failed of %d; %d requests, %d retries; %d duplicates in the stream; %s",
			r.result.Sent, r.result.Failed, r.result.Generated, r.result.Requests, r.result.Retries, duplicates, r.took.Round(time.Millisecond))
	})

	budget := []struct {
		name   string
		faults faultproxy.Faults
		codes  string // the failure codes the error names
	}{
		{name: "throttling outlasts the retries", faults: faultproxy.Faults{Throttle: 1}, codes: `ProvisionedThroughputExceededException=300`},
		{name: "5xx outlasts the retries", faults: faultproxy.Faults{ServerError: 1}, codes: `(InternalFailure|ServiceUnavailable)=300`},
	}
	for _, b := range budget {
		t.Run(b.name, func(t *testing.T) {
			// GIVEN a proxy that refuses every attempt
			sc := scenario{name: b.name, faults: b.faults, seed: 1, count: 300}
			// WHEN the producer sends 300 events in one request
			r := env.invoke(ctx, t, sc)

			// THEN the invocation fails, naming how many events failed and why
			wantErr := fmt.Sprintf(`^sent 0 of 300 events to \S+; 300 failed \(%s\)$`, b.codes)
			checkFunctionError(t, r.err, wantErr)
			checkRun(t, sc, r, false)
			// AND it gave up after exactly the retry budget
			if r.counts.Requests != publish.DefaultMaxAttempts {
				t.Errorf("the proxy saw %d requests, want %d: one per attempt", r.counts.Requests, publish.DefaultMaxAttempts)
			}
			// AND nothing reached the stream
			if len(r.copies) != 0 {
				t.Errorf("the stream holds %d events, want none", len(r.copies))
			}
			t.Logf("%d requests, %d events failed, error in %s", r.counts.Requests, r.result.Failed, r.took.Round(time.Millisecond))
		})
	}

	t.Run("every answer lost", func(t *testing.T) {
		// GIVEN a proxy that stores every request and then hangs up
		sc := scenario{name: "lost", faults: faultproxy.Faults{LoseAnswer: 1}, seed: 1, count: 100}
		r := env.invoke(ctx, t, sc)

		// THEN the invocation fails: the producer cannot know what was stored
		checkFunctionError(t, r.err, `^sent 0 of 100 events to \S+; 100 failed \(NetworkError=100\)$`)
		// AND yet every event is in the stream, once per attempt: failed
		// means "not confirmed", not "not written"
		checkRun(t, sc, r, false)
		for id, n := range r.copies {
			if n != publish.DefaultMaxAttempts {
				t.Errorf("event %s is in the stream %d times, want %d: once per attempt", id, n, publish.DefaultMaxAttempts)
				break
			}
		}
		if len(r.copies) != 100 {
			t.Errorf("the stream holds %d distinct events, want all 100", len(r.copies))
		}
	})

	t.Run("deadline too short for the count", func(t *testing.T) {
		// GIVEN a 3 s function asked for 3000 events at 300/s, which takes
		// 10 s, through a proxy that throttles and loses some answers
		sc := scenario{
			name:   "deadline",
			faults: faultproxy.Faults{Throttle: 0.1, LoseAnswer: 0.05},
			seed:   2, count: 3000, rate: 300, functionTimeout: 3 * time.Second,
		}
		r := env.invoke(ctx, t, sc)

		// THEN it returns its own error before Lambda's timeout would kill
		// it: a timeout would reach the caller as the emulator's error, not
		// as the producer's DeliveryError
		var fe *localrun.FunctionError
		if !errors.As(r.err, &fe) || fe.Type != "DeliveryError" {
			t.Fatalf("Invoke() error = %v, want the producer's DeliveryError, not a timeout", r.err)
		}
		// AND, by its own clock, it returned inside the timeout. The
		// caller's wall time is no measure: it includes the emulator
		// starting the function, which a loaded machine stretches.
		res := r.result
		if limit := sc.functionTimeout.Milliseconds(); res.DurationMS <= 0 || res.DurationMS >= limit {
			t.Errorf("the producer reports duration_ms %d, want between 0 and the %d ms timeout", res.DurationMS, limit)
		}
		// AND it reports what it sent, and counts what it never generated
		if res.Sent == 0 || res.Generated >= res.Requested {
			t.Errorf("result %+v, want some events sent and fewer generated than the %d requested", res, res.Requested)
		}
		wantErr := fmt.Sprintf(`^sent %d of 3000 events to \S+; .*%d not generated before the deadline$`, res.Sent, res.Requested-res.Generated)
		checkFunctionError(t, r.err, wantErr)
		checkRun(t, sc, r, true)
		t.Logf("%+v in %s", res, r.took.Round(time.Millisecond))
	})
}

// checkRun checks a run's report against itself, the stream and the
// proxy, and returns the duplicates in the stream.
func checkRun(t *testing.T, sc scenario, r run, deadline bool) int {
	t.Helper()
	var fe *localrun.FunctionError
	switch {
	case r.err != nil && !errors.As(r.err, &fe):
		t.Fatalf("Invoke() error = %v, want a result or the function's own error", r.err)
	case fe != nil && r.result.Failed == 0 && r.result.Generated == r.result.Requested:
		t.Errorf("the function failed (%v) though it reports every event sent: %+v", fe, r.result)
	case fe == nil && (r.result.Failed > 0 || r.result.Generated < r.result.Requested):
		t.Errorf("the function succeeded though it reports undelivered events: %+v", r.result)
	}
	if r.result.Requested != sc.count {
		t.Errorf("requested %d events, want the payload's %d", r.result.Requested, sc.count)
	}
	if c := r.counts; c.UpstreamFailures != 0 || c.UpstreamRefused != 0 {
		t.Errorf("kinesis-local failed or refused forwarded requests (%+v); the faults were not all the proxy's", c)
	}
	return checkDelivery(t,
		reported{Generated: r.result.Generated, Sent: r.result.Sent, Failed: r.result.Failed},
		outcome{records: r.records, unacknowledged: r.counts.Unacknowledged, copies: r.copies, unsentMayFail: deadline})
}

// checkFunctionError checks that err is the producer's DeliveryError with
// a message matching pattern.
func checkFunctionError(t *testing.T, err error, pattern string) {
	t.Helper()
	var fe *localrun.FunctionError
	if !errors.As(err, &fe) {
		t.Fatalf("Invoke() error = %v, want the function's error", err)
	}
	if fe.Type != "DeliveryError" || !regexp.MustCompile(pattern).MatchString(fe.Message) {
		t.Errorf("function error %s %q, want a DeliveryError matching %s", fe.Type, fe.Message, pattern)
	}
}

// local is kinesis-local and the built binaries, shared by the scenarios.
type local struct {
	kinesis   *localrun.Kinesis
	bootstrap string
	emulator  string
}

// startLocal builds the producer and the emulator and starts kinesis-local
// for the test.
func startLocal(ctx context.Context, t *testing.T) *local {
	t.Helper()
	root, err := localrun.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	dir, err := localrun.KinesisLocalDir(root)
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	bootstrap, err := localrun.BuildProducer(ctx, root, bin)
	if err != nil {
		t.Fatal(err)
	}
	rie, err := localrun.BuildEmulator(ctx, root, bin)
	if err != nil {
		t.Fatal(err)
	}
	k, err := localrun.StartKinesis(ctx, localrun.KinesisConfig{Dir: dir, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := k.Stop(); err != nil {
			t.Errorf("stop kinesis-local: %v", err)
		}
		logTailOnFailure(t, k.Log)
	})
	return &local{kinesis: k, bootstrap: bootstrap, emulator: rie}
}

// invoke runs one scenario: a stream of its own, a proxy in front of it,
// the producer under the emulator pointing at the proxy, one invocation,
// and a read-back once the proxy has finished every request.
func (l *local) invoke(ctx context.Context, t *testing.T, sc scenario) run {
	t.Helper()
	stream := "faults-" + regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(sc.name), "-")
	if err := localrun.CreateStream(ctx, l.kinesis.Client, stream, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	proxy, err := faultproxy.Start(faultproxy.Options{
		Upstream: l.kinesis.Endpoint,
		Faults:   sc.faults,
		Rand:     rand.New(rand.NewPCG(sc.seed, 0)),
		RecordID: eventID,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := proxy.Close(); err != nil {
			t.Errorf("close the fault proxy: %v", err)
		}
	})

	fnEnv := localrun.FunctionEnv(l.kinesis, stream, map[string]string{"USERS": "200"})
	fnEnv["AWS_ENDPOINT_URL_KINESIS"] = proxy.URL
	work := t.TempDir()
	em, err := localrun.StartEmulator(ctx, localrun.EmulatorConfig{
		Binary: l.emulator, Bootstrap: l.bootstrap, WorkDir: work, Env: fnEnv, FunctionTimeout: sc.functionTimeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			if err := em.Stop(); err != nil {
				t.Errorf("stop the emulator: %v", err)
			}
		}
	}
	t.Cleanup(func() {
		stop()
		logTailOnFailure(t, em.Log)
	})

	payload := fmt.Appendf(nil, `{"count": %d, "rate": %v, "run_id": %q}`, sc.count, sc.rate, stream)
	var r run
	start := time.Now()
	_, r.err = em.Invoke(ctx, payload)
	r.took = time.Since(start)
	stop()

	// A request held until the producer gave up may still be on its way.
	if err := proxy.Idle(ctx); err != nil {
		t.Fatal(err)
	}
	r.counts, r.records = proxy.Counts(), proxy.Records()
	records, err := localrun.ReadStream(ctx, l.kinesis.Client, stream)
	if err != nil {
		t.Fatal(err)
	}
	r.copies = map[string]int{}
	for _, rec := range records {
		ev, err := localrun.CheckRecord(rec)
		if err != nil {
			t.Errorf("record %s in %s breaks the record contract: %v", rec.SequenceNumber, rec.ShardID, err)
			continue
		}
		r.copies[ev.EventID]++
	}
	r.result, err = readSummary(em.Log)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// eventID is a record's event id, or its whole data when it has none, so
// that the proxy tells every record apart either way.
func eventID(data []byte) string {
	var ev struct {
		EventID string `json:"event_id"`
	}
	if json.Unmarshal(data, &ev) != nil || ev.EventID == "" {
		return string(data)
	}
	return ev.EventID
}

// readSummary finds the one summary line the producer logged and returns
// its result: the only account of a failed invocation beyond its error.
func readSummary(logPath string) (summary, error) {
	f, err := os.Open(logPath)
	if err != nil {
		return summary{}, err
	}
	defer f.Close()
	var found []summary
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		i := bytes.IndexByte(line, '{')
		if i < 0 || !bytes.Contains(line, []byte(`"invocation summary"`)) {
			continue
		}
		var entry struct {
			Message string  `json:"message"`
			Result  summary `json:"result"`
		}
		if err := json.Unmarshal(line[i:], &entry); err != nil || entry.Message != "invocation summary" {
			continue
		}
		found = append(found, entry.Result)
	}
	if err := sc.Err(); err != nil {
		return summary{}, fmt.Errorf("read %s: %w", logPath, err)
	}
	if len(found) != 1 {
		return summary{}, fmt.Errorf("%s holds %d summary lines, want exactly one", logPath, len(found))
	}
	return found[0], nil
}

// logTailOnFailure shows the end of a server's log when the test failed.
func logTailOnFailure(t *testing.T, path string) {
	t.Helper()
	if !t.Failed() {
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Logf("read %s: %v", path, err)
		return
	}
	if len(b) > 4096 {
		b = b[len(b)-4096:]
	}
	t.Logf("tail of %s:\n%s", path, b)
}
