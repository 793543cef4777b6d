package localrun

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeClock advances only when the schedule waits, and records the waits.
type fakeClock struct {
	now   time.Time
	waits []time.Duration
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

func TestScheduleRun(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}
	var payloads []string
	invoke := func(_ context.Context, p []byte) (Invocation, error) {
		payloads = append(payloads, string(p))
		clock.now = clock.now.Add(2 * time.Second) // each invocation takes 2 s
		return Invocation{Result: Result{Sent: len(payloads) * 10}}, nil
	}
	var seen []int
	s := Schedule{Payload: []byte(`{"source":"aws.scheduler"}`), Ticks: 3, Interval: 5 * time.Second, Now: clock.Now, After: clock.After}
	ticks, err := s.Run(context.Background(), nil, invoke, func(t Tick) { seen = append(seen, t.N) })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{1, 2, 3}, seen); diff != "" {
		t.Errorf("ticks seen (-want +got):\n%s", diff)
	}
	// Fixed rate: a 2 s invocation leaves 3 s to the next start.
	if diff := cmp.Diff([]time.Duration{3 * time.Second, 3 * time.Second}, clock.waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	if want := []string{`{"source":"aws.scheduler"}`, `{"source":"aws.scheduler"}`, `{"source":"aws.scheduler"}`}; !cmp.Equal(want, payloads) {
		t.Errorf("payloads = %q, want the schedule's payload every time", payloads)
	}
	if got := SentTotal(ticks); got != 10+20+30 {
		t.Errorf("SentTotal = %d, want 60", got)
	}
}

func TestScheduleSlowInvocationStartsNextAtOnce(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}
	invoke := func(context.Context, []byte) (Invocation, error) {
		clock.now = clock.now.Add(7 * time.Second)
		return Invocation{}, nil
	}
	s := Schedule{Ticks: 3, Interval: 5 * time.Second, Now: clock.Now, After: clock.After}
	if _, err := s.Run(context.Background(), nil, invoke, nil); err != nil {
		t.Fatal(err)
	}
	for _, d := range clock.waits {
		if d > 0 {
			t.Errorf("waited %s after an invocation longer than the interval, want no wait", d)
		}
	}
}

func TestScheduleStopsAtFirstError(t *testing.T) {
	clock := &fakeClock{}
	calls := 0
	fail := &FunctionError{Type: "errorString", Message: "5 of 10 records failed"}
	invoke := func(context.Context, []byte) (Invocation, error) {
		calls++
		if calls == 2 {
			return Invocation{}, fail
		}
		return Invocation{Result: Result{Sent: 10}}, nil
	}
	s := Schedule{Ticks: 5, Interval: time.Second, Now: clock.Now, After: clock.After}
	ticks, err := s.Run(context.Background(), nil, invoke, nil)
	if !errors.Is(err, fail) || !strings.HasPrefix(err.Error(), "tick 2: ") {
		t.Errorf("Run error = %v, want tick 2's function error", err)
	}
	if calls != 2 || len(ticks) != 2 || ticks[1].Err != fail {
		t.Errorf("Run made %d calls, returned %d ticks; want 2 and 2 with the error on the last", calls, len(ticks))
	}
}

func TestScheduleStopFinishesTheInvocationUnderWay(t *testing.T) {
	stop := make(chan struct{})
	calls := 0
	invoke := func(ctx context.Context, _ []byte) (Invocation, error) {
		calls++
		close(stop) // Ctrl-C arrives during the first invocation
		if ctx.Err() != nil {
			t.Error("the invocation under way was cancelled by stop")
		}
		return Invocation{Result: Result{Sent: 4}}, nil
	}
	// Ticks 0 runs until stopped; a real clock is fine because stop wins the wait.
	s := Schedule{Ticks: 0, Interval: time.Hour}
	ticks, err := s.Run(context.Background(), stop, invoke, nil)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || SentTotal(ticks) != 4 {
		t.Errorf("after stop: %d calls, %d sent; want 1 call and its 4 records counted", calls, SentTotal(ticks))
	}
}

func TestScheduleCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	invoke := func(context.Context, []byte) (Invocation, error) {
		cancel()
		return Invocation{}, nil
	}
	s := Schedule{Ticks: 2, Interval: time.Hour}
	_, err := s.Run(ctx, nil, invoke, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run after cancel = %v, want context.Canceled", err)
	}
}

func TestScheduleRejectsBadSettings(t *testing.T) {
	tests := []struct {
		name    string
		s       Schedule
		wantErr string
	}{
		{name: "negative ticks", s: Schedule{Ticks: -1, Interval: time.Second}, wantErr: "ticks -1 is negative"},
		{name: "zero interval", s: Schedule{Ticks: 1}, wantErr: "interval 0s is not positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.s.Run(context.Background(), nil, nil, nil)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Run error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
