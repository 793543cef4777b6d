package localrun

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPace(t *testing.T) {
	for n, want := range map[int]float64{1: 0, 500: 0, UnpacedEvents: 0, UnpacedEvents + 1: 4995, 10_000: 500, 20_000: 250, MaxEvents: 166} {
		if got := Pace(n); got != want {
			t.Errorf("Pace(%d) = %g, want %g", n, got, want)
		}
	}
}

func TestPlanBurst(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		rate    float64
		timeout time.Duration
		want    Plan
		wantErr string
	}{
		{
			name: "a few events unpaced, with the staging timeout",
			n:    500, rate: 0,
			want: Plan{Events: 500, FunctionTimeout: 59 * time.Second},
		},
		{
			name: "the producer's default rate, within the staging timeout",
			n:    1000, rate: 50,
			want: Plan{Events: 1000, Rate: 50, Sending: 20 * time.Second, FunctionTimeout: 59 * time.Second},
		},
		{
			name: "a longer burst gets twice its sending, with a note",
			n:    20_000, rate: 250,
			want: Plan{Events: 20_000, Rate: 250, Sending: 80 * time.Second, FunctionTimeout: 170 * time.Second,
				Note: "function timeout 2m50s, not 59s: 20000 events at 250 events/s take 1m20s (the deployed function stops at its timeout)"},
		},
		{
			name: "at most Lambda's longest timeout",
			n:    MaxEvents, rate: 50,
			want: Plan{Events: MaxEvents, Rate: 50, Sending: 10 * time.Minute, FunctionTimeout: 15 * time.Minute,
				Note: "function timeout 15m0s, not 59s: 30000 events at 50 events/s take 10m0s (the deployed function stops at its timeout)"},
		},
		{
			name: "a timeout asked for is kept",
			n:    10_000, rate: 500, timeout: 2 * time.Minute,
			want: Plan{Events: 10_000, Rate: 500, Sending: 20 * time.Second, FunctionTimeout: 2 * time.Minute},
		},
		{
			name: "a timeout shorter than the sending is kept, with a note",
			n:    10_000, rate: 500, timeout: 5 * time.Second,
			want: Plan{Events: 10_000, Rate: 500, Sending: 20 * time.Second, FunctionTimeout: 5 * time.Second,
				Note: "the function timeout of 5s is shorter than the 20s that 10000 events take at 500 events/s: expect a DeliveryError for the events not sent by then"},
		},
		{
			name: "above the limit",
			n:    MaxEvents + 1, rate: 50,
			wantErr: "30001 events in one invocation are more than the local limit of 30000: kinesis-local slows down as its stream grows",
		},
		{
			name: "the top of the payload's range",
			n:    1_000_000, rate: 50,
			wantErr: "so it takes 30000 events in about 3 minutes at the local pace and 1000000 in about 56 hours; send at most 30000 locally (the deployed producer takes up to 1000000)",
		},
		{
			name: "unpaced for many events",
			n:    20_000, rate: 0,
			wantErr: "20000 events unpaced (rate 0) are more than kinesis-local takes at that size: give a rate of at most 250 events/s",
		},
		{
			name: "faster than the local pace",
			n:    20_000, rate: 251,
			wantErr: "20000 events at 251 events/s are more than kinesis-local takes",
		},
		{
			name: "slower than Lambda allows",
			n:    1000, rate: 1,
			wantErr: "1000 events at 1 events/s take 16m40s, longer than Lambda's maximum function timeout of 15m0s",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PlanBurst(tt.n, tt.rate, tt.timeout, 59*time.Second)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("PlanBurst(%d, %g) = %+v, %v; want an error containing %q", tt.n, tt.rate, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("PlanBurst(%d, %g) mismatch (-want +got):\n%s", tt.n, tt.rate, diff)
			}
		})
	}
}

func TestPlanWindow(t *testing.T) {
	tests := []struct {
		name    string
		rate    float64
		window  time.Duration
		want    Plan
		wantErr string
	}{
		{name: "the default: 50 events/s, 5 s windows", rate: 50, window: 5 * time.Second, want: Plan{Events: 250, Rate: 50, Sending: 5 * time.Second}},
		{name: "the deployed schedule's minute", rate: 50, window: time.Minute, want: Plan{Events: 3000, Rate: 50, Sending: time.Minute}},
		{name: "the most for a minute", rate: 129, window: time.Minute, want: Plan{Events: 7740, Rate: 129, Sending: time.Minute}},
		{name: "more than kinesis-local keeps up with", rate: 130, window: time.Minute,
			wantErr: "a window of 1m0s at 130 events/s holds about 7800 events, sent as they happen, faster than kinesis-local keeps up at that size (it slows down as its stream grows): locally, a 1m0s window takes at most 129 events/s"},
		{name: "the longest window holds at most MaxEvents", rate: 34, window: 15 * time.Minute, wantErr: "a 15m0s window takes at most 33 events/s"},
		{name: "no rate", rate: 0, window: time.Minute, wantErr: "a scheduled invocation needs a rate above 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PlanWindow(tt.rate, tt.window)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("PlanWindow(%g, %s) = %+v, %v; want an error containing %q", tt.rate, tt.window, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("PlanWindow(%g, %s) mismatch (-want +got):\n%s", tt.rate, tt.window, diff)
			}
		})
	}
}
