package publish

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"
)

func sizes(requests [][]string) []int {
	var out []int
	for _, r := range requests {
		out = append(out, len(r))
	}
	return out
}

func repeatInt(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func repeatDuration(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

func TestPacing(t *testing.T) {
	tests := []struct {
		name    string
		limiter *rate.Limiter
		records int
		// sizes of the requests, in order
		sizes []int
		// waits for tokens, in virtual time
		slept []time.Duration
	}{
		{
			// A batch goes out every 100 ms: records never wait for a
			// batch to fill at a low rate.
			name:    "10 per second, burst 1: one record every 100 ms",
			limiter: rate.NewLimiter(10, 1),
			records: 5,
			sizes:   []int{1, 1, 1, 1, 1},
			slept:   repeatDuration(100*time.Millisecond, 4),
		},
		{
			name:    "10 per second, burst 100: still one record per request",
			limiter: rate.NewLimiter(10, 100),
			records: 5,
			sizes:   []int{1, 1, 1, 1, 1},
			slept:   nil,
		},
		{
			name:    "1000 per second: 100 records per 100 ms",
			limiter: rate.NewLimiter(1000, 1000),
			records: 1000,
			sizes:   repeatInt(100, 10),
			slept:   nil,
		},
		{
			name:    "1000 per second, empty bucket after the burst",
			limiter: rate.NewLimiter(1000, 100),
			records: 300,
			sizes:   []int{100, 100, 100},
			slept:   []time.Duration{100 * time.Millisecond, 100 * time.Millisecond},
		},
		{
			name:    "a request carries no more than the burst",
			limiter: rate.NewLimiter(100_000, 50),
			records: 200,
			sizes:   []int{50, 50, 50, 50},
			slept:   repeatDuration(500*time.Microsecond, 3),
		},
		{
			name:    "fast and bursty: full batches",
			limiter: rate.NewLimiter(1_000_000, 10_000),
			records: 1200,
			sizes:   []int{500, 500, 200},
			slept:   nil,
		},
		{
			name:    "below one record per 100 ms: one record per request",
			limiter: rate.NewLimiter(2, 1),
			records: 3,
			sizes:   []int{1, 1, 1},
			slept:   []time.Duration{500 * time.Millisecond, 500 * time.Millisecond},
		},
		{
			name:    "infinite rate is unpaced",
			limiter: rate.NewLimiter(rate.Inf, 0),
			records: 600,
			sizes:   []int{500, 100},
			slept:   nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake(t, nil)
			p, clk := newPublisher(t, fake, Options{Limiter: tt.limiter, MaxInFlight: 1})
			got := publish(t, t.Context(), p, small(tt.records))
			if diff := cmp.Diff(Result{Sent: tt.records, Requests: len(tt.sizes)}, got); diff != "" {
				t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.sizes, sizes(fake.sent())); diff != "" {
				t.Errorf("request sizes mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.slept, clk.slept()); diff != "" {
				t.Errorf("waits mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPacingStopsBeforeTheDeadline(t *testing.T) {
	// GIVEN one record per second and 9.5 seconds to go
	fake := newFake(t, nil)
	p, clk := newPublisher(t, fake, Options{Limiter: rate.NewLimiter(1, 1)})
	ctx, cancel := context.WithDeadline(t.Context(), clk.now().Add(9500*time.Millisecond))
	defer cancel()

	// WHEN 20 records are offered
	var src source
	got := p.Publish(ctx, src.of(small(20)))

	// THEN ten are sent (at 0 s, 1 s, ... 9 s); the eleventh, whose tokens
	// would come after the deadline, fails at once and Publish stops pulling
	checkAccounting(t, got, int(src.pulled.Load()))
	want := Result{Sent: 10, Failed: 1, Requests: 10, FailureCodes: map[string]int{CodeDeadlineExceeded: 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
	}
	if pulled := src.pulled.Load(); pulled != 11 {
		t.Errorf("pulled %d records, want 11", pulled)
	}
	if diff := cmp.Diff(repeatDuration(time.Second, 9), clk.slept()); diff != "" {
		t.Errorf("waits mismatch (-want +got):\n%s", diff)
	}
}

func TestRetriesTakeNoTokens(t *testing.T) {
	fake := newFake(t, func(_ context.Context, call int, ids []string) (*kinesis.PutRecordsOutput, error) {
		if call == 1 {
			return withCodes(repeat("ProvisionedThroughputExceededException", len(ids))), nil
		}
		return accepted(len(ids)), nil
	})
	lim := rate.NewLimiter(1000, 100)
	p, _ := newPublisher(t, fake, Options{Limiter: lim})
	got := publish(t, t.Context(), p, small(100))
	if diff := cmp.Diff(Result{Sent: 100, Requests: 2, Retries: 100}, got); diff != "" {
		t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
	}
}
