package localrun

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	join = `{"schema_version":2,"event_id":"e1","event_time":"2026-11-27T00:19:51.123Z","event_name":"JOIN","user_id":42,"platform":"ios","country":"US","app_version":"5.4.0"}`
	send = `{"schema_version":2,"event_id":"e2","event_time":"2026-11-27T00:19:51.000Z","event_name":"SEND_MESSAGE","user_id":7,"chat_id":3,"platform":"web","country":"DE","app_version":"5.3.2","message_length":12,"has_attachment":false,"run_id":"r1"}`
	open = `{"schema_version":2,"event_id":"e4","event_time":"2026-11-27T00:19:51.000Z","event_name":"OPEN_CHAT","user_id":7,"chat_id":3,"platform":"web","country":"DE","app_version":"5.3.2"}`
	sub  = `{"schema_version":2,"event_id":"e5","event_time":"2026-11-27T00:19:51.000Z","event_name":"SUBSCRIBE","user_id":7,"chat_id":3,"platform":"web","country":"DE","app_version":"5.3.2","plan":"plus"}`
)

func TestCheckRecord(t *testing.T) {
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339Nano, s); return t }
	tests := []struct {
		name    string
		key     string
		data    string
		want    Event
		wantErr string
	}{
		{name: "join", key: "42", data: join, want: Event{EventID: "e1", EventName: "JOIN", UserID: 42, Time: at("2026-11-27T00:19:51.123Z")}},
		{name: "send message with chat and run id", key: "7", data: send,
			want: Event{EventID: "e2", EventName: "SEND_MESSAGE", UserID: 7, ChatID: 3, RunID: "r1", Time: at("2026-11-27T00:19:51Z")}},
		{name: "open chat", key: "7", data: open, want: Event{EventID: "e4", EventName: "OPEN_CHAT", UserID: 7, ChatID: 3, Time: at("2026-11-27T00:19:51Z")}},
		{name: "subscribe", key: "7", data: sub, want: Event{EventID: "e5", EventName: "SUBSCRIBE", UserID: 7, ChatID: 3, Time: at("2026-11-27T00:19:51Z")}},
		{name: "leave, keys in another order", key: "1",
			data: `{"app_version":"4.9.7","user_id":1,"country":"BR","event_name":"LEAVE","platform":"android","event_time":"2026-01-02T03:04:05.678Z","event_id":"e3","schema_version":2}`,
			want: Event{EventID: "e3", EventName: "LEAVE", UserID: 1, Time: at("2026-01-02T03:04:05.678Z")}},

		// The object as a whole.
		{name: "constant partition key", key: "chat", data: join, wantErr: `partition key "chat", want the user id 42`},
		{name: "not JSON", key: "42", data: `JOIN,42`, wantErr: "is not a JSON object"},
		{name: "empty", key: "42", data: ``, wantErr: "is not a JSON object"},
		{name: "JSON array", key: "42", data: `[1]`, wantErr: "is not a JSON object"},
		{name: "leading space", key: "42", data: " " + join, wantErr: "is not a JSON object"},
		{name: "cut short", key: "42", data: join[:len(join)-1], wantErr: "is not a JSON object"},
		{name: "trailing newline", key: "42", data: join + "\n", wantErr: `goes on after the JSON object with "\n", want nothing after it`},
		{name: "two JSON values", key: "42", data: join + join, wantErr: `goes on after the JSON object with "{\"schema_version\":2,`},
		{name: "unknown key", key: "42", data: strings.Replace(join, `}`, `,"message":"hi"}`, 1), wantErr: `has the key "message", which the record contract does not define`},
		{name: "key twice", key: "42", data: strings.Replace(join, `}`, `,"user_id":43}`, 1), wantErr: `has the key "user_id" twice`},
		{name: "nested object", key: "42", data: strings.Replace(join, `}`, `,"extra":{"a":1}}`, 1), wantErr: `has the key "extra"`},

		// schema_version.
		{name: "no schema version", key: "42", data: strings.Replace(join, `"schema_version":2,`, ``, 1), wantErr: "schema_version is missing"},
		{name: "schema version 1", key: "42", data: strings.Replace(join, `"schema_version":2`, `"schema_version":1`, 1), wantErr: "schema_version 1, want 2"},
		{name: "schema version as a string", key: "42", data: strings.Replace(join, `"schema_version":2`, `"schema_version":"2"`, 1), wantErr: `schema_version "2", want 2`},
		{name: "schema version 2.0", key: "42", data: strings.Replace(join, `"schema_version":2`, `"schema_version":2.0`, 1), wantErr: "schema_version 2.0, want 2"},

		// event_id and event_time.
		{name: "empty event id", key: "42", data: strings.Replace(join, `"e1"`, `""`, 1), wantErr: `event_id "" is missing or not a non-empty string`},
		{name: "numeric event id", key: "42", data: strings.Replace(join, `"e1"`, `1`, 1), wantErr: "event_id 1 is missing"},
		{name: "no event id", key: "42", data: strings.Replace(join, `"event_id":"e1",`, ``, 1), wantErr: "event_id (missing)"},
		{name: "seconds only", key: "42", data: strings.Replace(join, `.123Z`, `Z`, 1), wantErr: "event_time"},
		{name: "microseconds", key: "42", data: strings.Replace(join, `.123Z`, `.123456Z`, 1), wantErr: "event_time"},
		{name: "offset instead of UTC", key: "42", data: strings.Replace(join, `.123Z`, `.123+01:00`, 1), wantErr: "event_time"},

		// event_name.
		{name: "unknown event name", key: "42", data: strings.Replace(join, `"JOIN"`, `"join"`, 1), wantErr: `event_name "join" is not one of`},
		{name: "no event name", key: "42", data: strings.Replace(join, `"event_name":"JOIN",`, ``, 1), wantErr: `event_name (missing) is not one of`},

		// user_id.
		{name: "user id zero", key: "0", data: strings.Replace(join, `"user_id":42`, `"user_id":0`, 1), wantErr: `user_id 0 is not an integer >= 1`},
		{name: "user id negative", key: "-4", data: strings.Replace(join, `"user_id":42`, `"user_id":-4`, 1), wantErr: `user_id -4 is not an integer >= 1`},
		{name: "user id string", key: "42", data: strings.Replace(join, `"user_id":42`, `"user_id":"42"`, 1), wantErr: `user_id "42" is not an integer`},
		{name: "user id fraction", key: "42", data: strings.Replace(join, `"user_id":42`, `"user_id":4.2`, 1), wantErr: `user_id 4.2 is not`},
		{name: "user id exponent", key: "42", data: strings.Replace(join, `"user_id":42`, `"user_id":4.2e1`, 1), wantErr: `user_id 4.2e1 is not`},
		{name: "user id null", key: "42", data: strings.Replace(join, `"user_id":42`, `"user_id":null`, 1), wantErr: `user_id null is not`},
		{name: "no user id", key: "42", data: strings.Replace(join, `,"user_id":42`, ``, 1), wantErr: "user_id is missing"},

		// chat_id: exactly for the three chat events.
		{name: "open chat without chat id", key: "7", data: strings.Replace(open, `"chat_id":3,`, ``, 1), wantErr: "OPEN_CHAT event e4 has no chat_id"},
		{name: "send message without chat id", key: "7", data: strings.Replace(send, `"chat_id":3,`, ``, 1), wantErr: "SEND_MESSAGE event e2 has no chat_id"},
		{name: "subscribe with null chat id", key: "7", data: strings.Replace(sub, `"chat_id":3`, `"chat_id":null`, 1), wantErr: "SUBSCRIBE event e5: chat_id null is not an integer >= 1"},
		{name: "chat id zero", key: "7", data: strings.Replace(send, `"chat_id":3`, `"chat_id":0`, 1), wantErr: "chat_id 0 is not an integer >= 1"},
		{name: "chat id string", key: "7", data: strings.Replace(send, `"chat_id":3`, `"chat_id":"3"`, 1), wantErr: `chat_id "3" is not an integer >= 1`},
		{name: "chat id fraction", key: "7", data: strings.Replace(send, `"chat_id":3`, `"chat_id":3.5`, 1), wantErr: "chat_id 3.5 is not an integer >= 1"},
		{name: "join with chat id", key: "42", data: strings.Replace(join, `"user_id":42`, `"user_id":42,"chat_id":3`, 1), wantErr: "JOIN event e1 has a chat_id (3), want none"},
		{name: "leave with null chat id", key: "42", data: strings.Replace(strings.Replace(join, `"JOIN"`, `"LEAVE"`, 1), `"user_id":42`, `"user_id":42,"chat_id":null`, 1), wantErr: "LEAVE event e1 has a chat_id (null), want none"},

		// The fields of version 2.
		{name: "no platform", key: "42", data: strings.Replace(join, `"platform":"ios",`, ``, 1), wantErr: "JOIN event e1: platform (missing) is not a non-empty string"},
		{name: "empty country", key: "42", data: strings.Replace(join, `"US"`, `""`, 1), wantErr: `country "" is not a non-empty string`},
		{name: "app version a number", key: "42", data: strings.Replace(join, `"5.4.0"`, `5.4`, 1), wantErr: `app_version 5.4 is not a non-empty string`},
		{name: "send message without length", key: "7", data: strings.Replace(send, `"message_length":12,`, ``, 1), wantErr: "SEND_MESSAGE event e2: message_length is missing"},
		{name: "message length zero", key: "7", data: strings.Replace(send, `"message_length":12`, `"message_length":0`, 1), wantErr: "message_length 0 is not an integer >= 1"},
		{name: "attachment as a string", key: "7", data: strings.Replace(send, `"has_attachment":false`, `"has_attachment":"no"`, 1), wantErr: `has_attachment "no" is not a boolean`},
		{name: "send message without attachment flag", key: "7", data: strings.Replace(send, `,"has_attachment":false`, ``, 1), wantErr: `has_attachment (missing) is not a boolean`},
		{name: "open chat with a message length", key: "7", data: strings.Replace(open, `}`, `,"message_length":3}`, 1), wantErr: "OPEN_CHAT event e4: has message_length or has_attachment, which only SEND_MESSAGE carries"},
		{name: "subscribe without a plan", key: "7", data: strings.Replace(sub, `,"plan":"plus"`, ``, 1), wantErr: "SUBSCRIBE event e5: plan (missing) is not a non-empty string"},
		{name: "join with a plan", key: "42", data: strings.Replace(join, `}`, `,"plan":"pro"}`, 1), wantErr: `JOIN event e1: has a plan ("pro"), which only SUBSCRIBE carries`},

		// run_id.
		{name: "empty run id", key: "7", data: strings.Replace(send, `"r1"`, `""`, 1), wantErr: `run_id "" is not a non-empty string`},
		{name: "numeric run id", key: "7", data: strings.Replace(send, `"r1"`, `1`, 1), wantErr: `run_id 1 is not a non-empty string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckRecord(Record{SequenceNumber: "49", PartitionKey: tt.key, Data: []byte(tt.data)})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckRecord(%s) = %v, want nil", tt.data, err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("CheckRecord(%s) event (-want +got):\n%s", tt.data, diff)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "record 49: ") {
				t.Errorf("CheckRecord(%s) = %v, want an error for record 49 containing %q", tt.data, err, tt.wantErr)
			}
		})
	}
}

// TestClassifyRecord: the three faults DIRTY_RATIO makes are recognized as
// such, exactly; anything else that breaks the contract stays an error.
func TestClassifyRecord(t *testing.T) {
	tests := []struct {
		name      string
		key, data string
		wantDirty string
		wantErr   string
	}{
		{name: "clean", key: "42", data: join},
		{name: "cut off halfway", key: "7", data: send[:len(send)/2], wantDirty: DirtyNotJSON},
		{name: "cut off after the version", key: "42", data: `{"schema_version":2,"eve`, wantDirty: DirtyNotJSON},
		{name: "no event_id", key: "7", data: strings.Replace(send, `"event_id":"e2",`, ``, 1), wantDirty: DirtyNoEventID},
		{name: "user_id the key as a string", key: "42", data: strings.Replace(join, `"user_id":42`, `"user_id":"42"`, 1), wantDirty: DirtyUserIDAString},

		{name: "cut off, version 1", key: "42", data: `{"schema_version":1,"event_id":"e1"`, wantErr: "is not a JSON object"},
		{name: "garbage", key: "42", data: `JOIN,42`, wantErr: "is not a JSON object"},
		{name: "no event_id and a second fault", key: "7", data: strings.Replace(strings.Replace(send, `"event_id":"e2",`, ``, 1), `"chat_id":3`, `"chat_id":0`, 1), wantErr: "event_id (missing)"},
		{name: "user_id another user's string", key: "42", data: strings.Replace(join, `"user_id":42`, `"user_id":"43"`, 1), wantErr: `user_id "43" is not an integer`},
		{name: "user_id a string and a second fault", key: "42", data: strings.Replace(strings.Replace(join, `"user_id":42`, `"user_id":"42"`, 1), `"US"`, `""`, 1), wantErr: `user_id "42" is not an integer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, dirty, err := ClassifyRecord(Record{SequenceNumber: "5", PartitionKey: tt.key, Data: []byte(tt.data)})
			if dirty != tt.wantDirty || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("ClassifyRecord(%s) = %q, %v; want %q and an error containing %q", tt.data, dirty, err, tt.wantDirty, tt.wantErr)
			}
		})
	}
}

func TestCheckRecordQuotesOnlyTheStartOfHugeData(t *testing.T) {
	data := "[" + strings.Repeat("1,", 5000) + "1]"
	_, err := CheckRecord(Record{SequenceNumber: "7", PartitionKey: "1", Data: []byte(data)})
	if err == nil || len(err.Error()) > 400 || !strings.Contains(err.Error(), "(10003 bytes) is not a JSON object") {
		t.Errorf("CheckRecord(10 kB array) = %v, want a short error naming the length", err)
	}
}
