package chat_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chatstream/chatstream/lambda/chat"
)

func TestRhythmLevel(t *testing.T) {
	tuesday := func(h, m int) time.Time { return time.Date(2026, 12, 1, h, m, 0, 0, time.UTC) }
	saturday := func(h, m int) time.Time { return time.Date(2026, 12, 5, h, m, 0, 0, time.UTC) }
	on := chat.DefaultRhythm()
	quietWeekend := chat.Rhythm{On: true, PeakHour: 9, Trough: 0.5, Weekend: 0.5}
	tests := []struct {
		name   string
		rhythm chat.Rhythm
		at     time.Time
		want   float64
	}{
		{name: "off is always 1", rhythm: chat.Rhythm{}, at: tuesday(3, 0), want: 1},
		{name: "weekday peak is 1/Weekend", rhythm: on, at: tuesday(20, 0), want: 1 / 1.2},
		{name: "weekday trough", rhythm: on, at: tuesday(8, 0), want: 0.25 / 1.2},
		{name: "weekday halfway", rhythm: on, at: tuesday(14, 0), want: (0.25 + 0.75*0.5) / 1.2},
		{name: "half an hour past the peak", rhythm: on, at: tuesday(20, 30), want: (0.25 + 0.75*(1+math.Cos(2*math.Pi*0.5/24))/2) / 1.2},
		{name: "Saturday peak is the week's busiest hour", rhythm: on, at: saturday(20, 0), want: 1},
		{name: "Sunday trough", rhythm: on, at: saturday(8, 0).Add(24 * time.Hour), want: 0.25},
		{name: "Friday just before midnight is a weekday", rhythm: on, at: saturday(0, 0).Add(-time.Millisecond), want: (0.25 + 0.75*(1+math.Cos(2*math.Pi*(24-20-1.0/3600000)/24))/2) / 1.2},
		{name: "a quiet weekend: weekday peak 1", rhythm: quietWeekend, at: tuesday(9, 0), want: 1},
		{name: "a quiet weekend: Saturday peak", rhythm: quietWeekend, at: saturday(9, 0), want: 0.5},
		{name: "before 1970", rhythm: on, at: time.Date(1969, 12, 27, 20, 0, 0, 0, time.UTC), want: 1}, // a Saturday
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.rhythm.Level(tt.at); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("%v.Level(%s) = %.6f, want %.6f", tt.rhythm, tt.at.Format(time.RFC1123), got, tt.want)
			}
		})
	}
}

func TestRhythmCheckAndString(t *testing.T) {
	tests := []struct {
		rhythm  chat.Rhythm
		str     string
		wantErr string
	}{
		{rhythm: chat.Rhythm{}, str: "off"},
		{rhythm: chat.Rhythm{PeakHour: 99}, str: "off"}, // off ignores the rest
		{rhythm: chat.DefaultRhythm(), str: "peak=20,trough=0.25,weekend=1.2"},
		{rhythm: chat.Rhythm{On: true, PeakHour: -1, Trough: 1, Weekend: 1}, wantErr: "peak hour -1 is not 0 to 23"},
		{rhythm: chat.Rhythm{On: true, PeakHour: 0, Trough: 0, Weekend: 1}, wantErr: "trough 0 is not above 0"},
		{rhythm: chat.Rhythm{On: true, PeakHour: 0, Trough: 1.5, Weekend: 1}, wantErr: "trough 1.5 is not above 0 and at most 1"},
		{rhythm: chat.Rhythm{On: true, PeakHour: 0, Trough: math.NaN(), Weekend: 1}, wantErr: "trough NaN"},
		{rhythm: chat.Rhythm{On: true, PeakHour: 0, Trough: 1, Weekend: 0}, wantErr: "weekend 0 is not above 0"},
		{rhythm: chat.Rhythm{On: true, PeakHour: 0, Trough: 1, Weekend: 5}, wantErr: "weekend 5 is not above 0 and at most 4"},
	}
	for _, tt := range tests {
		err := tt.rhythm.Check()
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%+v.Check() = %v, want nil", tt.rhythm, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%+v.Check() = %v, want an error containing %q", tt.rhythm, err, tt.wantErr)
		case tt.wantErr == "" && tt.rhythm.String() != tt.str:
			t.Errorf("%+v.String() = %q, want %q", tt.rhythm, tt.rhythm.String(), tt.str)
		}
	}
}
