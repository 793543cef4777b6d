package publish

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

const testStream = "chat-events-test"

// responder decides the answer to one PutRecords call: call counts from 1,
// ids are the ids of the records it carries, in order.
type responder func(ctx context.Context, call int, ids []string) (*kinesis.PutRecordsOutput, error)

// fakeKinesis is the one SDK method Publish uses. It checks every request
// against the Kinesis limits, keeps the record ids of each request and
// answers with respond (accepting everything when nil).
type fakeKinesis struct {
	t       *testing.T
	respond responder

	mu          sync.Mutex
	requests    [][]string
	inFlight    int
	maxInFlight int
}

func newFake(t *testing.T, respond responder) *fakeKinesis {
	return &fakeKinesis{t: t, respond: respond}
}

func (f *fakeKinesis) PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error) {
	if got := aws.ToString(in.StreamName); got != testStream {
		f.t.Errorf("PutRecords stream = %q, want %q", got, testStream)
	}
	ids := make([]string, len(in.Records))
	total := 0
	for i, e := range in.Records {
		ids[i] = idOf(e.Data)
		size := len(e.Data) + len(aws.ToString(e.PartitionKey))
		if size > MaxRecordBytes {
			f.t.Errorf("PutRecords carried record %s of %d bytes, over the 1 MiB limit", ids[i], size)
		}
		total += size
	}
	if len(in.Records) < 1 || len(in.Records) > MaxBatchRecords || total > MaxBatchBytes {
		f.t.Errorf("PutRecords carried %d records, %d bytes: outside 1..500 records, 5 MiB", len(in.Records), total)
	}
	// Publish reuses its buffers once the call returns; only copies are kept.
	f.mu.Lock()
	f.requests = append(f.requests, ids)
	call := len(f.requests)
	f.inFlight++
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	if f.respond == nil {
		return accepted(len(ids)), nil
	}
	return f.respond(ctx, call, ids)
}

// sent returns the record ids of every request so far, in call order.
func (f *fakeKinesis) sent() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]string(nil), f.requests...)
}

func (f *fakeKinesis) peakInFlight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxInFlight
}

// accepted answers n entries with success.
func accepted(n int) *kinesis.PutRecordsOutput {
	return withCodes(make([]string, n))
}

// withCodes answers one entry per code; "" is success.
func withCodes(codes []string) *kinesis.PutRecordsOutput {
	out := &kinesis.PutRecordsOutput{Records: make([]types.PutRecordsResultEntry, len(codes))}
	failed := int32(0)
	for i, code := range codes {
		if code == "" {
			out.Records[i] = types.PutRecordsResultEntry{SequenceNumber: aws.String(fmt.Sprint(i + 1)), ShardId: aws.String("shardId-000000000000")}
			continue
		}
		out.Records[i] = types.PutRecordsResultEntry{ErrorCode: aws.String(code), ErrorMessage: aws.String("injected")}
		failed++
	}
	out.FailedRecordCount = aws.Int32(failed)
	return out
}

// record makes a record whose data starts with its id; size, when larger,
// pads data plus key to exactly that many bytes.
func record(id, key string, size int) Record {
	data := []byte(id + "|")
	if pad := size - len(key) - len(data); pad > 0 {
		data = append(data, strings.Repeat("x", pad)...)
	}
	return Record{PartitionKey: key, Data: data}
}

// idOf recovers the id of a record made by record.
func idOf(data []byte) string {
	id, _, _ := strings.Cut(string(data), "|")
	return id
}

// small returns n small records r0..r<n-1>, keyed by seven users.
func small(n int) []Record {
	out := make([]Record, n)
	for i := range out {
		out[i] = record(fmt.Sprintf("r%d", i), fmt.Sprint(i%7+1), 0)
	}
	return out
}

func ids(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("r%d", i))
	}
	return out
}

// source yields records and counts how many were pulled.
type source struct {
	pulled atomic.Int64
}

// of yields records in order.
func (s *source) of(records []Record) iter.Seq[Record] {
	return func(yield func(Record) bool) {
		for _, r := range records {
			s.pulled.Add(1)
			if !yield(r) {
				return
			}
		}
	}
}

// endless yields small records r0, r1, ... until Publish stops pulling.
func (s *source) endless() iter.Seq[Record] {
	return func(yield func(Record) bool) {
		for i := 0; ; i++ {
			s.pulled.Add(1)
			if !yield(record(fmt.Sprintf("r%d", i), fmt.Sprint(i%7+1), 0)) {
				return
			}
		}
	}
}

// clock is virtual time: sleeping advances it at once and is recorded.
type clock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func newClock() *clock { return &clock{t: time.Now()} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.sleeps = append(c.sleeps, d)
	return nil
}

func (c *clock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// newPublisher builds a Publisher on virtual time with a seeded jitter
// source, failing the test on an option error.
func newPublisher(t *testing.T, client putRecordsAPI, opts Options) (*Publisher, *clock) {
	t.Helper()
	opts.Stream = testStream
	if opts.Rand == nil {
		opts.Rand = rand.New(rand.NewPCG(1, 2))
	}
	p, err := New(client, opts)
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	c := newClock()
	p.now, p.sleep = c.now, c.sleep
	return p, c
}

// publish runs Publish and checks what must hold after every run: each
// record pulled is counted once, the failure codes add up, and no goroutine
// of the run is left.
func publish(t *testing.T, ctx context.Context, p *Publisher, records []Record) Result {
	t.Helper()
	var src source
	res := p.Publish(ctx, src.of(records))
	checkAccounting(t, res, int(src.pulled.Load()))
	checkNoGoroutineLeft(t)
	return res
}

func checkAccounting(t *testing.T, res Result, pulled int) {
	t.Helper()
	if res.Sent+res.Failed != pulled {
		t.Errorf("Sent %d + Failed %d = %d, want %d records pulled", res.Sent, res.Failed, res.Sent+res.Failed, pulled)
	}
	sum := 0
	for _, n := range res.FailureCodes {
		sum += n
	}
	if sum != res.Failed {
		t.Errorf("FailureCodes %v add up to %d, want Failed %d", res.FailureCodes, sum, res.Failed)
	}
}

// checkNoGoroutineLeft fails the test if, after a short settling time, a
// goroutine other than the caller still runs a Publish request or the
// iterator's coroutine. Tests in this package do not run in parallel, so
// any such goroutine belongs to the Publish that just returned.
func checkNoGoroutineLeft(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		left := leftoverGoroutines()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines outlived Publish:\n\n%s", len(left), strings.Join(left, "\n\n"))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func leftoverGoroutines() []string {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	// The first stack is the caller's own.
	stacks := strings.Split(string(buf), "\n\n")[1:]
	var left []string
	for _, s := range stacks {
		if strings.Contains(s, "lambda/publish.(*run)") || strings.Contains(s, "iter.Pull") {
			left = append(left, s)
		}
	}
	return left
}

// deadlineCtx is a context whose deadline passes when the test says so, not
// when a wall clock does: once expired is closed it is done, with
// context.DeadlineExceeded. It keeps its parent's values but not its
// cancellation, which the tests using it never trigger, so that contexts
// derived from it, net/http's among them, end with its error too.
type deadlineCtx struct {
	context.Context
	expired <-chan struct{}
}

// expiring returns a context with a distant deadline and a function that
// makes that deadline pass now.
func expiring(parent context.Context) (context.Context, func()) {
	expired := make(chan struct{})
	return expiresOn(parent, expired), sync.OnceFunc(func() { close(expired) })
}

// expiresOn returns a context with a distant deadline that passes once
// expired is closed.
func expiresOn(parent context.Context, expired <-chan struct{}) context.Context {
	return deadlineCtx{Context: context.WithoutCancel(parent), expired: expired}
}

func (c deadlineCtx) Deadline() (time.Time, bool) {
	return time.Now().Add(time.Hour), true
}

func (c deadlineCtx) Done() <-chan struct{} { return c.expired }

func (c deadlineCtx) Err() error {
	select {
	case <-c.expired:
		return context.DeadlineExceeded
	default:
		return nil
	}
}
