package produce

import (
	"strings"
	"testing"
	"time"

	"github.com/chatstream/chatstream/lambda/chat"
	"github.com/google/go-cmp/cmp"
)

func lookup(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr string // substring; empty means success
	}{
		{
			name: "only the stream: defaults",
			env:  map[string]string{"STREAM_NAME": "chat-events"},
			want: Config{Stream: "chat-events", Count: DefaultCount, Rate: DefaultRate, Users: DefaultUsers, Window: DefaultWindow},
		},
		{
			name: "everything set",
			env: map[string]string{
				"STREAM_NAME": "chat-events-staging", "EVENTS_PER_INVOCATION": "5000",
				"RATE": "2.5", "USERS": "20", "SEED": "18446744073709551615",
				"WINDOW_SECONDS": "300", "RHYTHM": "peak=9,weekend=0.5", "DIRTY_RATIO": "0.05",
			},
			want: Config{
				Stream: "chat-events-staging", Count: 5000, Rate: 2.5, Users: 20, Seed: 1<<64 - 1, Seeded: true,
				Window: 5 * time.Minute, Rhythm: chat.Rhythm{On: true, PeakHour: 9, Trough: 0.25, Weekend: 0.5}, DirtyRatio: 0.05,
			},
		},
		{
			name: "rhythm on, a fractional window, every record dirty",
			env:  map[string]string{"STREAM_NAME": "s", "RHYTHM": "on", "WINDOW_SECONDS": "0.25", "DIRTY_RATIO": "1"},
			want: Config{Stream: "s", Count: DefaultCount, Rate: DefaultRate, Users: DefaultUsers, Window: 250 * time.Millisecond, Rhythm: chat.DefaultRhythm(), DirtyRatio: 1},
		},
		{
			name: "stream ARN, rate 0, seed 0, limits",
			env: map[string]string{
				"STREAM_NAME": "arn:aws:kinesis:eu-west-1:123456789012:stream/chat", "RATE": "0", "SEED": "0",
				"EVENTS_PER_INVOCATION": "1000000", "USERS": "1",
			},
			want: Config{Stream: "arn:aws:kinesis:eu-west-1:123456789012:stream/chat", Count: MaxCount, Users: 1, Seeded: true, Window: DefaultWindow},
		},
		{name: "stream missing", env: map[string]string{}, wantErr: `STREAM_NAME="": required`},
		{name: "stream empty", env: map[string]string{"STREAM_NAME": ""}, wantErr: `STREAM_NAME="": required`},
		{name: "stream with a space", env: map[string]string{"STREAM_NAME": "chat events"}, wantErr: `STREAM_NAME="chat events": character ' ' at byte 4`},
		{name: "stream too long", env: map[string]string{"STREAM_NAME": strings.Repeat("s", 129)}, wantErr: "1 to 128 characters, this has 129"},
		{name: "count not a number", env: map[string]string{"STREAM_NAME": "s", "EVENTS_PER_INVOCATION": "lots"}, wantErr: `EVENTS_PER_INVOCATION="lots": "lots" is not a number`},
		{name: "count zero", env: map[string]string{"STREAM_NAME": "s", "EVENTS_PER_INVOCATION": "0"}, wantErr: `EVENTS_PER_INVOCATION="0": 0 is out of range: want 1 to 1000000`},
		{name: "count fractional", env: map[string]string{"STREAM_NAME": "s", "EVENTS_PER_INVOCATION": "2.5"}, wantErr: `EVENTS_PER_INVOCATION="2.5": 2.5 is not a whole number`},
		{name: "count above maximum", env: map[string]string{"STREAM_NAME": "s", "EVENTS_PER_INVOCATION": "1000001"}, wantErr: "1000001 is out of range"},
		{name: "count empty", env: map[string]string{"STREAM_NAME": "s", "EVENTS_PER_INVOCATION": ""}, wantErr: `EVENTS_PER_INVOCATION="": set but empty`},
		{name: "rate negative", env: map[string]string{"STREAM_NAME": "s", "RATE": "-1"}, wantErr: `RATE="-1": -1 is negative`},
		{name: "rate NaN", env: map[string]string{"STREAM_NAME": "s", "RATE": "NaN"}, wantErr: `RATE="NaN": "NaN" is not a number in plain decimal, such as 12.5`},
		{name: "rate infinite", env: map[string]string{"STREAM_NAME": "s", "RATE": "+Inf"}, wantErr: `RATE="+Inf": "+Inf" is not a number in plain decimal`},
		{name: "rate overflows", env: map[string]string{"STREAM_NAME": "s", "RATE": strings.Repeat("9", 400)}, wantErr: "9999… (400 bytes) is not a finite number"},
		{name: "rate words", env: map[string]string{"STREAM_NAME": "s", "RATE": "fast"}, wantErr: `RATE="fast": "fast" is not a number`},
		{name: "rate blank", env: map[string]string{"STREAM_NAME": "s", "RATE": "  "}, wantErr: `RATE="  ": set but empty`},
		{name: "users zero", env: map[string]string{"STREAM_NAME": "s", "USERS": "0"}, wantErr: `USERS="0": 0 is out of range: want 1 to 10000000`},
		{name: "users too many", env: map[string]string{"STREAM_NAME": "s", "USERS": "100000000"}, wantErr: `USERS="100000000": 100000000 is out of range`},
		{name: "seed negative", env: map[string]string{"STREAM_NAME": "s", "SEED": "-1"}, wantErr: `SEED="-1": want a whole number from 0 to 18446744073709551615`},
		{name: "seed too big", env: map[string]string{"STREAM_NAME": "s", "SEED": "18446744073709551616"}, wantErr: `SEED="18446744073709551616"`},
		{name: "window too short", env: map[string]string{"STREAM_NAME": "s", "WINDOW_SECONDS": "0.05"}, wantErr: `WINDOW_SECONDS="0.05": 0.05 is out of range: want 0.1 to 900`},
		{name: "window longer than Lambda runs", env: map[string]string{"STREAM_NAME": "s", "WINDOW_SECONDS": "901"}, wantErr: `WINDOW_SECONDS="901": 901 is out of range`},
		{name: "window as a duration", env: map[string]string{"STREAM_NAME": "s", "WINDOW_SECONDS": "60s"}, wantErr: `WINDOW_SECONDS="60s": "60s" is not a number in plain decimal`},
		{name: "rhythm unknown word", env: map[string]string{"STREAM_NAME": "s", "RHYTHM": "yes"}, wantErr: `RHYTHM="yes": "yes" is not key=value: want off, on, or peak=H`},
		{name: "rhythm unknown key", env: map[string]string{"STREAM_NAME": "s", "RHYTHM": "peak=20,night=0.1"}, wantErr: `RHYTHM="peak=20,night=0.1": unknown key "night": want peak, trough or weekend`},
		{name: "rhythm key twice", env: map[string]string{"STREAM_NAME": "s", "RHYTHM": "peak=20,peak=21"}, wantErr: `peak is set twice`},
		{name: "rhythm peak hour 24", env: map[string]string{"STREAM_NAME": "s", "RHYTHM": "peak=24"}, wantErr: `RHYTHM="peak=24": peak: 24 is out of range: want 0 to 23`},
		{name: "rhythm trough zero", env: map[string]string{"STREAM_NAME": "s", "RHYTHM": "trough=0"}, wantErr: `rhythm trough 0 is not above 0`},
		{name: "rhythm weekend too busy", env: map[string]string{"STREAM_NAME": "s", "RHYTHM": "weekend=5"}, wantErr: `RHYTHM="weekend=5": weekend: 5 is out of range: want 0 to 4`},
		{name: "dirty ratio above 1", env: map[string]string{"STREAM_NAME": "s", "DIRTY_RATIO": "1.5"}, wantErr: `DIRTY_RATIO="1.5": 1.5 is out of range: want 0 to 1`},
		{name: "dirty ratio as a percentage", env: map[string]string{"STREAM_NAME": "s", "DIRTY_RATIO": "5%"}, wantErr: `DIRTY_RATIO="5%": "5%" is not a number in plain decimal`},
		{
			name:    "a rate that overloads one partition key",
			env:     map[string]string{"STREAM_NAME": "s", "RATE": "50000"},
			wantErr: "RATE=50000 with USERS=1000: the busiest user would send 1285 events/s to one partition key, more than the 1000 records/s a shard takes",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadConfig(lookup(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("LoadConfig() error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadConfig() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("LoadConfig() (-want +got):\n%s", diff)
			}
		})
	}
}
