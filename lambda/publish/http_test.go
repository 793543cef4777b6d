package publish

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/google/go-cmp/cmp"

	"github.com/chatstream/chatstream/internal/fakekinesis"
)

// overHTTP starts a fake Kinesis endpoint and a Publisher that reaches it
// through the real SDK client, both closed when the test ends.
func overHTTP(t *testing.T, srvOpts fakekinesis.Options, opts Options) (*Publisher, *fakekinesis.Server) {
	t.Helper()
	srv := startFake(t, srvOpts)
	return newOverHTTP(t, srv.Client(DefaultMaxInFlight), opts), srv
}

// startFake starts a fake Kinesis endpoint with the test stream, closed
// when the test ends.
func startFake(t *testing.T, opts fakekinesis.Options) *fakekinesis.Server {
	t.Helper()
	if opts.Streams == nil {
		opts.Streams = []string{testStream}
	}
	srv, err := fakekinesis.New(opts)
	if err != nil {
		t.Fatalf("fakekinesis.New() error = %v", err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// newOverHTTP is a Publisher of the test stream, on real time.
func newOverHTTP(t *testing.T, client putRecordsAPI, opts Options) *Publisher {
	t.Helper()
	if opts.Stream == "" {
		opts.Stream = testStream
	}
	p, err := New(client, opts)
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	return p
}

// firstCallTimesOut ends the first call of a Kinesis client as the
// Publisher's request timeout would, with context.DeadlineExceeded, once
// expire is closed: when the fake holds the request that hangs. The calls
// after it keep the Publisher's own timeout, which an answer on the
// loopback never comes near. A short clock would not do: on a busy machine
// it can fire before the request reaches the fake, and the resend then
// meets the hang; and a short timeout for every call can cut off the
// resend too.
type firstCallTimesOut struct {
	putRecordsAPI
	expire <-chan struct{}
	calls  atomic.Int32
}

func (c *firstCallTimesOut) PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, optFns ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error) {
	if c.calls.Add(1) == 1 {
		ctx = expiresOn(ctx, c.expire)
	}
	return c.putRecordsAPI.PutRecords(ctx, in, optFns...)
}

// stored returns the ids of the records the server stored, sorted.
func stored(srv *fakekinesis.Server) []string {
	var out []string
	for _, r := range srv.Records(testStream) {
		out = append(out, idOf(r.Data))
	}
	slices.Sort(out)
	return out
}

func sortedIDs(from, to int) []string {
	out := ids(from, to)
	slices.Sort(out)
	return out
}

func TestPublishOverHTTP(t *testing.T) {
	p, srv := overHTTP(t, fakekinesis.Options{}, Options{})
	records := small(1234)
	got := publish(t, t.Context(), p, records)
	if diff := cmp.Diff(Result{Sent: 1234, Requests: 3}, got); diff != "" {
		t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
	}
	// Every record is stored once, with its partition key and data.
	want := make(map[string]Record, len(records))
	for _, r := range records {
		want[idOf(r.Data)] = r
	}
	gotRecords := make(map[string]Record)
	for _, r := range srv.Records(testStream) {
		id := idOf(r.Data)
		if _, dup := gotRecords[id]; dup {
			t.Errorf("record %s stored twice", id)
		}
		gotRecords[id] = Record{PartitionKey: r.PartitionKey, Data: r.Data}
	}
	if diff := cmp.Diff(want, gotRecords); diff != "" {
		t.Errorf("stored records mismatch (-want +got):\n%s", diff)
	}
	var sizes []int
	for _, c := range srv.Calls() {
		sizes = append(sizes, len(c.Records))
	}
	slices.Sort(sizes)
	if diff := cmp.Diff([]int{234, 500, 500}, sizes); diff != "" {
		t.Errorf("request sizes mismatch (-want +got):\n%s", diff)
	}
}

func TestPartialFailureOverHTTP(t *testing.T) {
	// GIVEN a stream that throttles entries 0, 2 and 4 of the first request
	p, srv := overHTTP(t, fakekinesis.Options{Fault: func(c fakekinesis.Call) fakekinesis.Fault {
		if c.Seq == 1 {
			return fakekinesis.Throttle(0, 2, 4)
		}
		return fakekinesis.Fault{}
	}}, Options{BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
	records := small(6)

	// WHEN six records are published
	got := publish(t, t.Context(), p, records)

	// THEN the second request carries exactly those three entries, keys and
	// data included, and each record is stored once
	if diff := cmp.Diff(Result{Sent: 6, Requests: 2, Retries: 3}, got); diff != "" {
		t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
	}
	calls := srv.Calls()
	if len(calls) != 2 {
		t.Fatalf("server got %d calls, want 2", len(calls))
	}
	var resent []Record
	for _, r := range calls[1].Records {
		resent = append(resent, Record{PartitionKey: r.PartitionKey, Data: r.Data})
	}
	if diff := cmp.Diff([]Record{records[0], records[2], records[4]}, resent); diff != "" {
		t.Errorf("resent entries mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(sortedIDs(0, 6), stored(srv)); diff != "" {
		t.Errorf("stored records mismatch (-want +got):\n%s", diff)
	}
}

func TestTransientFaultsOverHTTP(t *testing.T) {
	tests := []struct {
		name  string
		fault fakekinesis.Fault
	}{
		{"500 internal failure", fakekinesis.Fault{Code: "InternalFailure"}},
		{"503 service unavailable", fakekinesis.Fault{Code: "ServiceUnavailable"}},
		{"throttled request", fakekinesis.Fault{Code: "ProvisionedThroughputExceededException"}},
		{"KMS throttling", fakekinesis.Fault{Code: "KMSThrottlingException"}},
		{"connection dropped", fakekinesis.Fault{Drop: true}},
		{"request hangs", fakekinesis.Fault{Hang: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN a stream whose first answer is the fault
			held := make(chan struct{})
			srv := startFake(t, fakekinesis.Options{Fault: func(c fakekinesis.Call) fakekinesis.Fault {
				if c.Seq == 1 {
					close(held)
					return tt.fault
				}
				return fakekinesis.Fault{}
			}})
			var client putRecordsAPI = srv.Client(DefaultMaxInFlight)
			if tt.fault.Hang {
				client = &firstCallTimesOut{putRecordsAPI: client, expire: held}
			}
			// The default request timeout: no answer here comes near it.
			p := newOverHTTP(t, client, Options{BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond})

			// WHEN 100 records are published
			got := publish(t, t.Context(), p, small(100))

			// THEN the resend delivers every record exactly once
			if diff := cmp.Diff(Result{Sent: 100, Requests: 2, Retries: 100}, got); diff != "" {
				t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(sortedIDs(0, 100), stored(srv)); diff != "" {
				t.Errorf("stored records mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPersistentFaultsOverHTTPReportTheirCode(t *testing.T) {
	// The real SDK client wraps each failure its own way; the code must
	// still name the cause.
	tests := []struct {
		name  string
		fault fakekinesis.Fault
		code  string
	}{
		{"500 internal failure", fakekinesis.Fault{Code: "InternalFailure"}, "InternalFailure"},
		{"503 service unavailable", fakekinesis.Fault{Code: "ServiceUnavailable"}, "ServiceUnavailable"},
		{"throttled request", fakekinesis.Fault{Code: "ProvisionedThroughputExceededException"}, "ProvisionedThroughputExceededException"},
		{"every entry throttled", fakekinesis.Throttle(0, 1, 2), "ProvisionedThroughputExceededException"},
		{"connection dropped", fakekinesis.Fault{Drop: true}, CodeNetworkError},
		{"request hangs", fakekinesis.Fault{Hang: true}, CodeRequestTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{MaxAttempts: 2, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond}
			if tt.fault.Hang {
				// Every request hangs until it times out, so a short timeout
				// ends each of them, however slow the machine. The other
				// faults keep the default, which no answer here comes near.
				opts.RequestTimeout = 100 * time.Millisecond
			}
			p, srv := overHTTP(t, fakekinesis.Options{Fault: func(fakekinesis.Call) fakekinesis.Fault { return tt.fault }}, opts)
			got := publish(t, t.Context(), p, small(3))
			want := Result{Failed: 3, Requests: 2, Retries: 3, FailureCodes: map[string]int{tt.code: 3}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
			}
			if n := srv.Stats().Records; n != 0 {
				t.Errorf("server stored %d records, want 0", n)
			}
		})
	}
}

func TestLostAnswerIsResentAtLeastOnce(t *testing.T) {
	// GIVEN a stream that stores the first request but whose answer is lost
	p, srv := overHTTP(t, fakekinesis.Options{Fault: func(c fakekinesis.Call) fakekinesis.Fault {
		return fakekinesis.Fault{LoseAnswer: c.Seq == 1}
	}}, Options{BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond})

	// WHEN records are published
	got := publish(t, t.Context(), p, small(3))

	// THEN they are resent and the stream holds them twice: delivery is at
	// least once, and consumers deduplicate by event id
	if diff := cmp.Diff(Result{Sent: 3, Requests: 2, Retries: 3}, got); diff != "" {
		t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
	}
	want := []string{"r0", "r0", "r1", "r1", "r2", "r2"}
	if diff := cmp.Diff(want, stored(srv)); diff != "" {
		t.Errorf("stored records mismatch (-want +got):\n%s", diff)
	}
}

func TestUnknownStreamOverHTTP(t *testing.T) {
	p, srv := overHTTP(t, fakekinesis.Options{}, Options{Stream: "no-such-stream"})
	got := publish(t, t.Context(), p, small(501))
	want := Result{Failed: 501, Requests: 2, FailureCodes: map[string]int{"ResourceNotFoundException": 501}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
	}
	if n := srv.Stats().Requests; n != 2 {
		t.Errorf("server got %d requests, want 2 (no retries)", n)
	}
}

func TestOversizedRecordNeverReachesTheServer(t *testing.T) {
	p, srv := overHTTP(t, fakekinesis.Options{}, Options{})
	records := []Record{record("big", "user-1", MaxRecordBytes+1), record("ok", "user-1", MaxRecordBytes)}
	got := publish(t, t.Context(), p, records)
	want := Result{Sent: 1, Failed: 1, Requests: 1, FailureCodes: map[string]int{CodeRecordTooLarge: 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ok"}, stored(srv)); diff != "" {
		t.Errorf("stored records mismatch (-want +got):\n%s", diff)
	}
}

func TestDeadlineMidRunOverHTTP(t *testing.T) {
	// GIVEN a stream that answers in 20 ms, two requests in flight, and a
	// deadline that passes as the fourth request arrives: by then two
	// requests have been answered, and the fourth is in flight. A deadline
	// on the wall clock would find none answered on a busy machine.
	ctx, expire := expiring(t.Context())
	p, srv := overHTTP(t, fakekinesis.Options{Latency: 20 * time.Millisecond, Fault: func(c fakekinesis.Call) fakekinesis.Fault {
		if c.Seq == 4 {
			expire()
		}
		return fakekinesis.Fault{}
	}}, Options{MaxInFlight: 2})
	var src source

	// WHEN an endless stream of records is published
	got := p.Publish(ctx, src.endless())

	// THEN every record pulled is counted once, the failures are the
	// deadline's, and the server stored every record counted as sent, plus
	// at most those whose answer the deadline cut off
	checkAccounting(t, got, int(src.pulled.Load()))
	checkNoGoroutineLeft(t)
	if got.Failed != got.FailureCodes[CodeDeadlineExceeded] {
		t.Errorf("FailureCodes = %v, want only %s", got.FailureCodes, CodeDeadlineExceeded)
	}
	if got.Sent == 0 || got.Failed == 0 {
		t.Errorf("Publish() = %+v, want some records sent and some cut off", got)
	}
	if n := srv.Stats().Records; n < got.Sent || n > got.Sent+got.Failed {
		t.Errorf("server stored %d records, want between Sent %d and Sent+Failed %d", n, got.Sent, got.Sent+got.Failed)
	}
}
