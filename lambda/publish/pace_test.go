package publish

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/google/go-cmp/cmp"
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

func TestPacedBurst(t *testing.T) {
	tests := []struct {
		rate float64
		want int
	}{
		{rate: 0.5, want: 1},
		{rate: 10, want: 1},
		{rate: 19.9, want: 1},
		{rate: 1000, want: 100},
		// What 100 ms allows, rounded down: a request never runs ahead of
		// the rate.
		{rate: 1001, want: 100},
		{rate: 5000, want: MaxBatchRecords},
		{rate: 1e6, want: MaxBatchRecords},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.rate), func(t *testing.T) {
			p, err := New(newFake(t, nil), Options{Stream: "s", Rate: tt.rate})
			if err != nil {
				t.Fatal(err)
			}
			if p.limiter == nil || float64(p.limiter.Limit()) != tt.rate || p.limiter.Burst() != tt.want {
				t.Errorf("New(Rate: %v) limiter = %v; want rate %v, burst %d", tt.rate, p.limiter, tt.rate, tt.want)
			}
		})
	}
}

func TestZeroRateIsUnpaced(t *testing.T) {
	p, err := New(newFake(t, nil), Options{Stream: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if p.limiter != nil {
		t.Errorf("New(Rate: 0) limiter = %v, want nil (unpaced)", p.limiter)
	}
}

func TestPacing(t *testing.T) {
	tests := []struct {
		name    string
		rate    float64
		records int
		// sizes of the requests, in order
		sizes []int
		// waits for tokens, in virtual time
		slept []time.Duration
	}{
		{
			// A batch goes out every 100 ms: records never wait for a
			// batch to fill at a low rate.
			name:    "10 per second: one record every 100 ms",
			rate:    10,
			records: 5,
			sizes:   []int{1, 1, 1, 1, 1},
			slept:   repeatDuration(100*time.Millisecond, 4),
		},
		{
			name:    "1000 per second: 100 records per 100 ms",
			rate:    1000,
			records: 1000,
			sizes:   repeatInt(100, 10),
			slept:   repeatDuration(100*time.Millisecond, 9),
		},
		{
			// The last batch reserves a full burst of tokens before the
			// iterator turns out to hold only 200 more records.
			name:    "fast: full batches",
			rate:    1_000_000,
			records: 1200,
			sizes:   []int{500, 500, 200},
			slept:   repeatDuration(500*time.Microsecond, 2),
		},
		{
			name:    "below one record per 100 ms: one record per request",
			rate:    2,
			records: 3,
			sizes:   []int{1, 1, 1},
			slept:   []time.Duration{500 * time.Millisecond, 500 * time.Millisecond},
		},
		{
			name:    "rate 0 is unpaced",
			rate:    0,
			records: 600,
			sizes:   []int{500, 100},
			slept:   nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake(t, nil)
			p, clk := newPublisher(t, fake, Options{Rate: tt.rate, MaxInFlight: 1})
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
	p, clk := newPublisher(t, fake, Options{Rate: 1})
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
	p, _ := newPublisher(t, fake, Options{Rate: 1000})
	got := publish(t, t.Context(), p, small(100))
	if diff := cmp.Diff(Result{Sent: 100, Requests: 2, Retries: 100}, got); diff != "" {
		t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
	}
}
