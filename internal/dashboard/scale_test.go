package dashboard

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   []float64
	}{
		{0, 151, []float64{0, 50, 100, 150, 200}},
		{0, 2.015, []float64{0, 1, 2, 3}},
		{0, 0, []float64{0, 0.5, 1}},
		{0, 0.3, []float64{0, 0.1, 0.2, 0.3}},
		{-12, 40, []float64{-20, 0, 20, 40}},
	}
	for _, tt := range tests {
		if got := niceTicks(tt.lo, tt.hi, 4); !cmp.Equal(got, tt.want) {
			t.Errorf("niceTicks(%v, %v) = %v, want %v", tt.lo, tt.hi, got, tt.want)
		}
	}
}

func TestTimeTicks(t *testing.T) {
	hhmm := func(ts []time.Time) []string {
		var out []string
		for _, t := range ts {
			out = append(out, clock(t))
		}
		return out
	}
	tests := []struct {
		from, to string
		want     []string
	}{
		{"09:58", "10:00", []string{"09:58", "09:59", "10:00"}},
		{"09:01", "10:00", []string{"09:10", "09:20", "09:30", "09:40", "09:50", "10:00"}},
		{"08:00", "10:00", []string{"08:00", "08:30", "09:00", "09:30", "10:00"}},
		{"09:07", "09:33", []string{"09:10", "09:15", "09:20", "09:25", "09:30"}},
	}
	for _, tt := range tests {
		if got := hhmm(timeTicks(at(tt.from), at(tt.to), 6)); !cmp.Equal(got, tt.want) {
			t.Errorf("timeTicks(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestNumbers(t *testing.T) {
	tests := []struct {
		v                    float64
		unit                 string
		compact, exact, with string
	}{
		{v: 950, compact: "950", exact: "950", with: "950"},
		{v: 1204, unit: "messages", compact: "1.2k", exact: "1,204", with: "1,204 messages"},
		{v: 15300, compact: "15k", exact: "15,300", with: "15,300"},
		{v: 3.4e6, compact: "3.4M", exact: "3,400,000", with: "3,400,000"},
		{v: 0.1 + 0.2, unit: "s", compact: "0.3", exact: "0.3", with: "0.3 s"},
		{v: 1.87, unit: "s", compact: "1.87", exact: "1.87", with: "1.87 s"},
		{v: 125.4, unit: "s", compact: "125.4", exact: "125.4", with: "2 min 5 s"},
		{v: 3725, unit: "s", compact: "3.7k", exact: "3,725", with: "1 h 2 min"},
		{v: -1234.5, compact: "-1.2k", exact: "-1,234.5", with: "-1,234.5"},
	}
	for _, tt := range tests {
		if got := compact(tt.v); got != tt.compact {
			t.Errorf("compact(%v) = %q, want %q", tt.v, got, tt.compact)
		}
		if got := exact(tt.v); got != tt.exact {
			t.Errorf("exact(%v) = %q, want %q", tt.v, got, tt.exact)
		}
		if got := withUnit(tt.v, tt.unit); got != tt.with {
			t.Errorf("withUnit(%v, %q) = %q, want %q", tt.v, tt.unit, got, tt.with)
		}
	}
}

func TestSpan(t *testing.T) {
	for d, want := range map[time.Duration]string{
		5 * time.Second:         "5 s",
		time.Minute:             "1 min",
		90 * time.Second:        "90 s",
		50 * time.Millisecond:   "50ms",
		1500 * time.Millisecond: "1.5s",
	} {
		if got := span(d); got != want {
			t.Errorf("span(%s) = %q, want %q", d, got, want)
		}
	}
}
