package localrun

import (
	"context"
	"encoding/json"
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
	clock := &fakeClock{now: time.Date(2026, 11, 27, 10, 0, 0, 123_456_789, time.UTC)}
	var payloads []string
	invoke := func(_ context.Context, p []byte) (Invocation, error) {
		payloads = append(payloads, string(p))
		clock.now = clock.now.Add(2 * time.Second) // each invocation takes 2 s
		return Invocation{Result: Result{Sent: len(payloads) * 10, Dirty: len(payloads)}}, nil
	}
	var seen []int
	s := Schedule{Payload: []byte(`{"source":"chatstream.scheduler","scheduled_time":"2026-01-01T00:00:00Z","attempt":"1"}`), Ticks: 3, Interval: 5 * time.Second, Now: clock.Now, After: clock.After}
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
	// Each tick carries its own scheduled time, to the millisecond.
	want := []string{
		`{"attempt":"1","scheduled_time":"2026-11-27T10:00:00.123Z","source":"chatstream.scheduler"}`,
		`{"attempt":"1","scheduled_time":"2026-11-27T10:00:05.123Z","source":"chatstream.scheduler"}`,
		`{"attempt":"1","scheduled_time":"2026-11-27T10:00:10.123Z","source":"chatstream.scheduler"}`,
	}
	if diff := cmp.Diff(want, payloads); diff != "" {
		t.Errorf("payloads (-want +got):\n%s", diff)
	}
	if got := ticks[2].Scheduled; !got.Equal(time.Date(2026, 11, 27, 10, 0, 10, 123_000_000, time.UTC)) {
		t.Errorf("tick 3 scheduled at %s, want 10:00:10.123", got)
	}
	if got := SentTotal(ticks); got != 10+20+30 {
		t.Errorf("SentTotal = %d, want 60", got)
	}
	if got := DirtyTotal(ticks); got != 1+2+3 {
		t.Errorf("DirtyTotal = %d, want 6", got)
	}
}

func TestScheduleSlowInvocationStartsNextAtOnce(t *testing.T) {
	start := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	clock := &fakeClock{now: start}
	var times []string
	invoke := func(_ context.Context, p []byte) (Invocation, error) {
		var rule struct{ Time string }
		if err := json.Unmarshal(p, &rule); err != nil {
			t.Fatal(err)
		}
		times = append(times, rule.Time)
		clock.now = clock.now.Add(7 * time.Second)
		return Invocation{}, nil
	}
	s := Schedule{Payload: []byte(`{"source":"aws.events","detail-type":"Scheduled Event","time":"x"}`), Ticks: 3, Interval: 5 * time.Second, Now: clock.Now, After: clock.After}
	if _, err := s.Run(context.Background(), nil, invoke, nil); err != nil {
		t.Fatal(err)
	}
	for _, d := range clock.waits {
		if d > 0 {
			t.Errorf("waited %s after an invocation longer than the interval, want no wait", d)
		}
	}
	// A late tick still covers its own scheduled time, as Scheduler's
	// would: the producer catches up.
	if want := []string{"2026-11-27T10:00:00.000Z", "2026-11-27T10:00:05.000Z", "2026-11-27T10:00:10.000Z"}; !cmp.Equal(want, times) {
		t.Errorf("rule event times %q, want %q", times, want)
	}
}

func TestWithScheduledTime(t *testing.T) {
	at := time.Date(2026, 11, 27, 11, 0, 0, 250_000_000, time.FixedZone("CET", 3600))
	tests := []struct {
		name, payload, want string
	}{
		{name: "scheduler", payload: `{"source":"chatstream.scheduler","scheduled_time":"2026-01-01T00:00:00Z"}`, want: `{"scheduled_time":"2026-11-27T10:00:00.250Z","source":"chatstream.scheduler"}`},
		{name: "rule", payload: `{"source":"aws.events","time":"2026-01-01T00:00:00Z","detail":{}}`, want: `{"detail":{},"source":"aws.events","time":"2026-11-27T10:00:00.250Z"}`},
		{name: "manual stays as it is", payload: `{"count": 5}`, want: `{"count": 5}`},
		{name: "not JSON stays as it is", payload: `count=5`, want: `count=5`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := WithScheduledTime([]byte(tt.payload), at)
			if err != nil || string(got) != tt.want {
				t.Errorf("WithScheduledTime(%s) = %s, %v; want %s", tt.payload, got, err, tt.want)
			}
		})
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
