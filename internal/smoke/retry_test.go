package smoke

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

// throttle is a TooManyRequestsException as the SDK returns it for a
// function whose reserved concurrency is in use.
func throttle(retryAfter string) error {
	e := &lambdatypes.TooManyRequestsException{
		Message: aws.String("Rate Exceeded."),
		Reason:  lambdatypes.ThrottleReasonReservedFunctionConcurrentInvocationLimitExceeded,
	}
	if retryAfter != "" {
		e.RetryAfterSeconds = aws.String(retryAfter)
	}
	return &smithy.OperationError{ServiceID: "Lambda", OperationName: "Invoke", Err: e}
}

// throttlingInvoker answers with errs, one per call, before it passes calls
// on to next.
type throttlingInvoker struct {
	errs  []error
	next  invoker
	calls int
}

func (f *throttlingInvoker) Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.calls++
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return nil, err
	}
	return f.next.Invoke(ctx, in, optFns...)
}

// fakeClock moves only when the code under test sleeps.
type fakeClock struct {
	now   time.Time
	waits []time.Duration
	// cancel, when set, is called on the sleep numbered cancelAt (from 1).
	cancel   context.CancelFunc
	cancelAt int
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.waits = append(c.waits, d)
	if c.cancel != nil && len(c.waits) == c.cancelAt {
		c.cancel()
	}
	c.now = c.now.Add(d)
	return ctx.Err()
}

func TestInvokeRetriesOnlyRejections(t *testing.T) {
	start := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	repeat := func(err error, n int) []error {
		out := make([]error, n)
		for i := range out {
			out[i] = err
		}
		return out
	}
	var tenSeconds []time.Duration
	for range 10 {
		tenSeconds = append(tenSeconds, 10*time.Second)
	}
	tests := []struct {
		name      string
		errs      []error
		cancelAt  int
		wantCalls int
		wantWaits []time.Duration
		// wantStarted is the start of the attempt that counted, after start.
		wantStarted time.Duration
		wantErr     string // empty: the producer's result comes back
	}{
		{
			name:        "throttled, then runs",
			errs:        []error{throttle(""), throttle("")},
			wantCalls:   3,
			wantWaits:   []time.Duration{time.Second, 2 * time.Second},
			wantStarted: 3 * time.Second,
		},
		{
			name:        "Lambda's Retry-After is honoured",
			errs:        []error{throttle("7")},
			wantCalls:   2,
			wantWaits:   []time.Duration{7 * time.Second},
			wantStarted: 7 * time.Second,
		},
		{
			name:        "function not ready, then runs",
			errs:        []error{&smithy.OperationError{ServiceID: "Lambda", OperationName: "Invoke", Err: &lambdatypes.ResourceNotReadyException{Message: aws.String("VPC connection not ready")}}},
			wantCalls:   2,
			wantWaits:   []time.Duration{time.Second},
			wantStarted: time.Second,
		},
		{
			// Waits double up to 10 s; the last is cut to end at 2 minutes.
			name:        "throttled until the limit",
			errs:        repeat(throttle(""), 100),
			wantCalls:   16,
			wantWaits:   append(append([]time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}, tenSeconds...), 5*time.Second),
			wantStarted: 2 * time.Minute,
			wantErr: "invoke chatstream-staging-Producer: refused 16 times in 2m0s, so the producer never ran: " +
				"operation error Lambda: Invoke, TooManyRequestsException: Rate Exceeded. (ReservedFunctionConcurrentInvocationLimitExceeded)",
		},
		{
			name:      "a timeout may come after events were sent: not retried",
			errs:      []error{&smithy.OperationError{ServiceID: "Lambda", OperationName: "Invoke", Err: context.DeadlineExceeded}},
			wantCalls: 1,
			wantErr:   "invoke chatstream-staging-Producer: operation error Lambda: Invoke, context deadline exceeded",
		},
		{
			name:      "a conflict is not retried",
			errs:      []error{&lambdatypes.ResourceConflictException{Message: aws.String("The function is currently in the Pending state")}},
			wantCalls: 1,
			wantErr:   "ResourceConflictException",
		},
		{
			name:        "Ctrl-C while waiting stops the retries",
			errs:        repeat(throttle(""), 100),
			cancelAt:    2,
			wantCalls:   2,
			wantWaits:   []time.Duration{time.Second, 2 * time.Second},
			wantStarted: time.Second,
			wantErr:     "context canceled",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			clock := &fakeClock{now: start}
			if tt.cancelAt > 0 {
				clock.cancel, clock.cancelAt = cancel, tt.cancelAt
			}
			stream := &memStream{}
			api := &throttlingInvoker{errs: tt.errs, next: &fakeProducer{stream: stream}}
			var progress bytes.Buffer
			retry := rejectionRetry{
				first: rejectionFirstWait, most: rejectionMostWait, limit: rejectionLimit,
				now: clock.Now, sleep: clock.Sleep, progress: &progress,
			}
			payload, err := encodePayload(5, nil, "smoke-20261127T100000Z-1a2b3c4d")
			if err != nil {
				t.Fatal(err)
			}

			res, started, err := invokeProducer(ctx, api, "chatstream-staging-Producer", payload, retry)

			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("invokeProducer = %v; want an error containing %q", err, tt.wantErr)
				}
			} else if err != nil || res.Sent != 5 {
				t.Fatalf("invokeProducer = %+v, %v; want 5 events sent", res, err)
			}
			if api.calls != tt.wantCalls {
				t.Errorf("Invoke called %d times, want %d", api.calls, tt.wantCalls)
			}
			if diff := cmp.Diff(tt.wantWaits, clock.waits); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if got := started.Sub(start); got != tt.wantStarted {
				t.Errorf("the counted attempt started %s after the first, want %s", got, tt.wantStarted)
			}
			// However often Lambda refused, at most one batch was sent.
			if want := map[bool]int{true: 5, false: 0}[tt.wantErr == ""]; len(stream.records) != want {
				t.Errorf("%d events in the stream, want %d", len(stream.records), want)
			}
			if lines := strings.Count(progress.String(), "trying again in"); lines != len(tt.wantWaits) {
				t.Errorf("progress has %d retry lines, want one per wait (%d):\n%s", lines, len(tt.wantWaits), progress.String())
			}
		})
	}
}

func TestThrottledInvocationPasses(t *testing.T) {
	// GIVEN a producer that a scheduled run keeps busy for the first attempt.
	m := newMemSetup(t, after(0))
	api := &throttlingInvoker{errs: []error{throttle("")}, next: m.producer}

	// WHEN the smoke test runs.
	var stdout, stderr bytes.Buffer
	deps := Deps{
		NewClients: func(context.Context) (Clients, error) {
			return Clients{Stacks: m.stacks, Lambda: api, Data: m.warehouse, Schedules: m.schedules}, nil
		},
		NewRunID: fixedRunID("smoke-20261127T100000Z-1a2b3c4d"),
	}
	code := Main(t.Context(), []string{"-env", "staging", "-count", "50", "-poll", "20ms", "-timeout", "10s"}, &stdout, &stderr, deps)

	// THEN it says so, tries again, and the one batch that was sent passes.
	if code != ExitPass {
		t.Fatalf("exit code %d, want %d; stdout:\n%s\nstderr:\n%s", code, ExitPass, stdout.String(), stderr.String())
	}
	if api.calls != 2 || len(m.stream.records) != 50 {
		t.Errorf("%d invocations put %d events in the stream; want 2 invocations, one of which ran, and 50 events", api.calls, len(m.stream.records))
	}
	want := "TooManyRequestsException: Rate Exceeded. (ReservedFunctionConcurrentInvocationLimitExceeded); trying again in 1s (attempt 2, giving up 2m0s after the first)"
	if !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
	}
}
