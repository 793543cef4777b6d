package localrun

import (
	"strings"
	"testing"
)

func TestCheckRecord(t *testing.T) {
	const join = `{"schema_version":1,"event_id":"e1","event_time":"2026-11-27T00:19:51.123Z","event_name":"JOIN","user_id":42}`
	tests := []struct {
		name    string
		key     string
		data    string
		wantErr string
	}{
		{name: "join", key: "42", data: join},
		{name: "send message with chat and run id", key: "7",
			data: `{"schema_version":1,"event_id":"e2","event_time":"2026-11-27T00:19:51.000Z","event_name":"SEND_MESSAGE","user_id":7,"chat_id":3,"run_id":"r1"}`},
		{name: "leave without chat", key: "1",
			data: `{"schema_version":"1","event_id":"e3","event_time":"2026-01-02T03:04:05.678Z","event_name":"LEAVE","user_id":1}`},
		{name: "constant partition key", key: "chat", data: join, wantErr: `partition key "chat", want the user id 42`},
		{name: "not JSON", key: "42", data: `JOIN,42`, wantErr: "is not a JSON object"},
		{name: "two JSON values", key: "42", data: join + "\n" + join, wantErr: "more than one JSON value"},
		{name: "JSON array", key: "42", data: `[1]`, wantErr: "is not a JSON object"},
		{name: "no schema version", key: "42", data: strings.Replace(join, `"schema_version":1,`, ``, 1), wantErr: "schema_version is missing"},
		{name: "no event id", key: "42", data: strings.Replace(join, `"e1"`, `""`, 1), wantErr: "event_id is missing"},
		{name: "seconds only", key: "42", data: strings.Replace(join, `.123Z`, `Z`, 1), wantErr: "event_time"},
		{name: "microseconds", key: "42", data: strings.Replace(join, `.123Z`, `.123456Z`, 1), wantErr: "event_time"},
		{name: "offset instead of UTC", key: "42", data: strings.Replace(join, `.123Z`, `.123+01:00`, 1), wantErr: "event_time"},
		{name: "unknown event name", key: "42", data: strings.Replace(join, `"JOIN"`, `"join"`, 1), wantErr: `event_name "join" is not one of`},
		{name: "user id zero", key: "0", data: strings.Replace(join, `42}`, `0}`, 1), wantErr: `user_id 0 is not an integer >= 1`},
		{name: "user id string", key: "42", data: strings.Replace(join, `42}`, `"42"}`, 1), wantErr: `user_id "42" is not an integer`},
		{name: "user id fraction", key: "42", data: strings.Replace(join, `42}`, `4.2}`, 1), wantErr: `user_id 4.2 is not`},
		{name: "no user id", key: "42", data: strings.Replace(join, `,"user_id":42`, ``, 1), wantErr: "user_id is missing"},
		{name: "open chat without chat id", key: "42", data: strings.Replace(join, `"JOIN"`, `"OPEN_CHAT"`, 1), wantErr: "OPEN_CHAT event e1 has no chat_id"},
		{name: "subscribe with null chat id", key: "42", data: strings.Replace(join, `"JOIN","user_id":42`, `"SUBSCRIBE","user_id":42,"chat_id":null`, 1), wantErr: "SUBSCRIBE event e1 has no chat_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CheckRecord(Record{SequenceNumber: "49", PartitionKey: tt.key, Data: []byte(tt.data)})
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("CheckRecord(%s) = %v, want nil", tt.data, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("CheckRecord(%s) = %v, want error containing %q", tt.data, err, tt.wantErr)
			}
		})
	}
}
