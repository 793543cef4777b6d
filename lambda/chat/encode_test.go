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
	const head = `{"schema_version":2,"event_id":"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9","event_time":"2026-11-27T10:00:00.123Z",`
	const device = `"platform":"ios","country":"US","app_version":"5.4.0"`
	ios := func(ev Event) Event {
		ev.Platform, ev.Country, ev.AppVersion = "ios", "US", "5.4.0"
		return ev
	}
	tests := []struct {
		name string
		ev   Event
		want string
	}{
		{
			name: "join has no chat",
			ev:   ios(Event{ID: id, Time: at, Type: Join, UserID: 42}),
			want: head + `"event_name":"JOIN","user_id":42,` + device + `}`,
		},
		{
			name: "leave ignores a stray chat id and message fields",
			ev:   ios(Event{ID: id, Time: at, Type: Leave, UserID: 42, ChatID: 9, MessageLength: 5, Plan: "pro"}),
			want: head + `"event_name":"LEAVE","user_id":42,` + device + `}`,
		},
		{
			name: "send message with run id",
			ev:   ios(Event{ID: id, Time: at, Type: SendMessage, UserID: 42, ChatID: 7, RunID: "abc", MessageLength: 31, HasAttachment: true}),
			want: head + `"event_name":"SEND_MESSAGE","user_id":42,"chat_id":7,` + device + `,"message_length":31,"has_attachment":true,"run_id":"abc"}`,
		},
		{
			name: "open chat",
			ev:   ios(Event{ID: id, Time: at, Type: OpenChat, UserID: 1, ChatID: 1}),
			want: head + `"event_name":"OPEN_CHAT","user_id":1,"chat_id":1,` + device + `}`,
		},
		{
			name: "subscribe with a plan",
			ev:   ios(Event{ID: id, Time: at, Type: Subscribe, UserID: 1000000, ChatID: 100000, Plan: "plus"}),
			want: head + `"event_name":"SUBSCRIBE","user_id":1000000,"chat_id":100000,` + device + `,"plan":"plus"}`,
		},
		{
			name: "time in another zone and whole second",
			ev:   ios(Event{ID: id, Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("UTC+2", 2*3600)), Type: Join, UserID: 1}),
			want: `{"schema_version":2,"event_id":"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9","event_time":"2026-01-02T01:04:05.000Z","event_name":"JOIN","user_id":1,` + device + `}`,
		},
		{
			name: "small year and millisecond are zero padded",
			ev:   ios(Event{ID: id, Time: time.Date(33, 2, 3, 4, 5, 6, 7_000_000, time.UTC), Type: Join, UserID: 5}),
			want: `{"schema_version":2,"event_id":"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9","event_time":"0033-02-03T04:05:06.007Z","event_name":"JOIN","user_id":5,` + device + `}`,
		},
		{
			name: "leap day at the end of a century year",
			ev:   ios(Event{ID: id, Time: time.Date(2000, 2, 29, 23, 59, 59, 999_000_000, time.UTC), Type: Join, UserID: 5}),
			want: `{"schema_version":2,"event_id":"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9","event_time":"2000-02-29T23:59:59.999Z","event_name":"JOIN","user_id":5,` + device + `}`,
		},
		{
			name: "fault: event_id missing",
			ev:   ios(Event{ID: id, Time: at, Type: Join, UserID: 42, Fault: FaultNoEventID}),
			want: `{"schema_version":2,"event_time":"2026-11-27T10:00:00.123Z","event_name":"JOIN","user_id":42,` + device + `}`,
		},
		{
			name: "fault: user_id a string",
			ev:   ios(Event{ID: id, Time: at, Type: Join, UserID: 42, Fault: FaultUserIDString}),
			want: head + `"event_name":"JOIN","user_id":"42",` + device + `}`,
		},
		{
			name: "fault: not JSON, cut off halfway",
			ev:   ios(Event{ID: id, Time: at, Type: Join, UserID: 42, Fault: FaultNotJSON}),
			want: (head + `"event_name":"JOIN","user_id":42,` + device + `}`)[:len(head+`"event_name":"JOIN","user_id":42,`+device+`}`)/2],
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

// TestAppendTimeMatchesTimeFormat holds the hand-written date arithmetic to
// the standard library's, over four centuries of days and every
// millisecond digit.
func TestAppendTimeMatchesTimeFormat(t *testing.T) {
	start := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 146_097 + 400 {
		at := start.Add(time.Duration(i)*24*time.Hour + time.Duration(i%86_400_000)*time.Millisecond + 999_999)
		want := at.Format("2006-01-02T15:04:05.000Z")
		if got := string(appendTime(nil, at)); got != want {
			t.Fatalf("appendTime(%s) = %s, want %s", at, got, want)
		}
	}
}

func TestAppendJSONAppends(t *testing.T) {
	ev := Event{Time: time.Unix(0, 0), Type: Join, UserID: 3, Platform: "web", Country: "DE", AppVersion: "4.9.7"}
	got := string(ev.AppendJSON([]byte("prefix:")))
	if !strings.HasPrefix(got, `prefix:{"schema_version":2,`) || !strings.HasSuffix(got, `"app_version":"4.9.7"}`) {
		t.Errorf("AppendJSON(prefix) = %s, want the prefix kept and one object after it", got)
	}
	ev.Fault = FaultNotJSON
	clean := ev
	clean.Fault = FaultNone
	whole := len(clean.AppendJSON(nil))
	if got := ev.AppendJSON([]byte("prefix:")); string(got[:7]) != "prefix:" || len(got) != 7+whole/2 {
		t.Errorf("AppendJSON(prefix) of a cut record = %q, want the prefix and half of the record after it", got)
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
