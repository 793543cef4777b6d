package chat

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestAppendJSON(t *testing.T) {
	id := uuid.MustParse("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9")
	at := time.Date(2026, 11, 27, 10, 0, 0, 123_999_999, time.UTC)
	tests := []struct {
		name string
		ev   Event
		want string
	}{
		{
			name: "join has no chat",
			ev:   Event{ID: id, Time: at, Type: Join, UserID: 42},
			want: `{"schema_version":1,"event_id":"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9","event_time":"2026-11-27T10:00:00.123Z","event_name":"JOIN","user_id":42}`,
		},
		{
			name: "leave ignores a stray chat id",
			ev:   Event{ID: id, Time: at, Type: Leave, UserID: 42, ChatID: 9},
			want: `{"schema_version":1,"event_id":"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9","event_time":"2026-11-27T10:00:00.123Z","event_name":"LEAVE","user_id":42}`,
		},
		{
			name: "send message with run id",
			ev:   Event{ID: id, Time: at, Type: SendMessage, UserID: 42, ChatID: 7, RunID: "abc"},
			want: `{"schema_version":1,"event_id":"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9","event_time":"2026-11-27T10:00:00.123Z","event_name":"SEND_MESSAGE","user_id":42,"chat_id":7,"run_id":"abc"}`,
		},
		{
			name: "open chat",
			ev:   Event{ID: id, Time: at, Type: OpenChat, UserID: 1, ChatID: 1},
			want: `{"schema_version":1,"event_id":"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9","event_time":"2026-11-27T10:00:00.123Z","event_name":"OPEN_CHAT","user_id":1,"chat_id":1}`,
		},
		{
			name: "subscribe, time in another zone and whole second",
			ev:   Event{ID: id, Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("UTC+2", 2*3600)), Type: Subscribe, UserID: 1000000, ChatID: 100000},
			want: `{"schema_version":1,"event_id":"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9","event_time":"2026-01-02T01:04:05.000Z","event_name":"SUBSCRIBE","user_id":1000000,"chat_id":100000}`,
		},
		{
			name: "small year and millisecond are zero padded",
			ev:   Event{ID: id, Time: time.Date(33, 2, 3, 4, 5, 6, 7_000_000, time.UTC), Type: Join, UserID: 5},
			want: `{"schema_version":1,"event_id":"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9","event_time":"0033-02-03T04:05:06.007Z","event_name":"JOIN","user_id":5}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(tt.ev.AppendJSON(nil)); got != tt.want {
				t.Errorf("AppendJSON() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestAppendJSONAppends(t *testing.T) {
	ev := Event{Time: time.Unix(0, 0), Type: Join, UserID: 3}
	got := string(ev.AppendJSON([]byte("prefix:")))
	if !strings.HasPrefix(got, `prefix:{"schema_version":1,`) || !strings.HasSuffix(got, `"user_id":3}`) {
		t.Errorf("AppendJSON(prefix) = %s, want the prefix kept and one object after it", got)
	}
}

func TestTypeString(t *testing.T) {
	tests := []struct {
		typ  Type
		want string
	}{
		{typ: Join, want: "JOIN"},
		{typ: Leave, want: "LEAVE"},
		{typ: OpenChat, want: "OPEN_CHAT"},
		{typ: Subscribe, want: "SUBSCRIBE"},
		{typ: SendMessage, want: "SEND_MESSAGE"},
		{typ: 0, want: "Type(0)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.typ.String(); got != tt.want {
				t.Errorf("Type(%d).String() = %q, want %q", uint8(tt.typ), got, tt.want)
			}
		})
	}
}

func TestCheckRunID(t *testing.T) {
	tests := []struct {
		name    string
		id      string
		wantErr string // substring; empty means valid
	}{
		{name: "letters digits and punctuation", id: "smoke-2026.11_27"},
		{name: "one character", id: "a"},
		{name: "64 characters", id: strings.Repeat("x", 64)},
		{name: "empty", id: "", wantErr: "empty"},
		{name: "65 characters", id: strings.Repeat("x", 65), wantErr: "65 characters long"},
		{name: "space", id: "a b", wantErr: `character ' ' at byte 1`},
		{name: "quote would break the JSON", id: `a"b`, wantErr: `character '"' at byte 1`},
		{name: "non-ASCII", id: "café", wantErr: "at byte 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckRunID(tt.id)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("CheckRunID(%q) = %v, want nil", tt.id, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("CheckRunID(%q) = %v, want an error containing %q", tt.id, err, tt.wantErr)
			}
		})
	}
}
