package chat_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/chatstream/chatstream/lambda/chat"
	"github.com/google/go-cmp/cmp"
)

// record is the JSON contract of one event, version 2; pointers tell
// missing keys from zero values.
type record struct {
	SchemaVersion *int    `json:"schema_version"`
	EventID       *string `json:"event_id"`
	EventTime     *string `json:"event_time"`
	EventName     *string `json:"event_name"`
	UserID        *int64  `json:"user_id"`
	ChatID        *int64  `json:"chat_id"`
	RunID         *string `json:"run_id"`
	Platform      *string `json:"platform"`
	Country       *string `json:"country"`
	AppVersion    *string `json:"app_version"`
	MessageLength *int    `json:"message_length"`
	HasAttachment *bool   `json:"has_attachment"`
	Plan          *string `json:"plan"`
}

// recordV1 is what a version 1 consumer reads: it skips the keys it does
// not know.
type recordV1 struct {
	SchemaVersion int    `json:"schema_version"`
	EventID       string `json:"event_id"`
	EventTime     string `json:"event_time"`
	EventName     string `json:"event_name"`
	UserID        int64  `json:"user_id"`
	ChatID        int64  `json:"chat_id"`
	RunID         string `json:"run_id"`
}

var (
	millisecondTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	countryCode     = regexp.MustCompile(`^[A-Z]{2}$`)
	appVersion      = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
)

// checkRecord checks data, the record of a well-formed ev, against the
// version 2 contract: exactly the keys the event's type needs, in order,
// each with the event's value, and the version 1 keys readable by a version
// 1 consumer.
func checkRecord(data []byte, ev chat.Event) error {
	if !json.Valid(data) || bytes.ContainsAny(data, "\n\r") {
		return fmt.Errorf("not one line of valid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r record
	if err := dec.Decode(&r); err != nil {
		return err
	}
	keys, err := topLevelKeys(data)
	if err != nil {
		return err
	}
	wantKeys := []string{"schema_version", "event_id", "event_time", "event_name", "user_id"}
	if ev.Type.HasChat() {
		wantKeys = append(wantKeys, "chat_id")
	}
	wantKeys = append(wantKeys, "platform", "country", "app_version")
	switch ev.Type {
	case chat.SendMessage:
		wantKeys = append(wantKeys, "message_length", "has_attachment")
	case chat.Subscribe:
		wantKeys = append(wantKeys, "plan")
	}
	if ev.RunID != "" {
		wantKeys = append(wantKeys, "run_id")
	}
	if diff := cmp.Diff(wantKeys, keys); diff != "" {
		return fmt.Errorf("keys (-want +got):\n%s", diff)
	}
	if *r.SchemaVersion != chat.SchemaVersion {
		return fmt.Errorf("schema_version %d", *r.SchemaVersion)
	}
	if *r.EventID != ev.ID.String() {
		return fmt.Errorf("event_id %q is not the event's id %s", *r.EventID, ev.ID)
	}
	if !millisecondTime.MatchString(*r.EventTime) {
		return fmt.Errorf("event_time %q is not RFC 3339 UTC with milliseconds", *r.EventTime)
	}
	at, err := time.Parse(time.RFC3339Nano, *r.EventTime)
	if err != nil || !at.Equal(ev.Time.Truncate(time.Millisecond)) {
		return fmt.Errorf("event_time %q, want %s (%v)", *r.EventTime, ev.Time.Truncate(time.Millisecond), err)
	}
	if *r.EventName != ev.Type.String() || *r.UserID != ev.UserID || *r.UserID < 1 {
		return fmt.Errorf("event_name %q user_id %d, want %s %d", *r.EventName, *r.UserID, ev.Type, ev.UserID)
	}
	if ev.Type.HasChat() && (*r.ChatID != ev.ChatID || *r.ChatID < 1) {
		return fmt.Errorf("chat_id %d, want %d", *r.ChatID, ev.ChatID)
	}
	if !slices.Contains([]string{"ios", "android", "web"}, *r.Platform) || !countryCode.MatchString(*r.Country) || !appVersion.MatchString(*r.AppVersion) {
		return fmt.Errorf("platform %q, country %q, app_version %q: want ios, android or web, an ISO code, a version", *r.Platform, *r.Country, *r.AppVersion)
	}
	if ev.Type == chat.SendMessage && (*r.MessageLength < 1 || *r.MessageLength > 4096 || *r.MessageLength != ev.MessageLength || *r.HasAttachment != ev.HasAttachment) {
		return fmt.Errorf("message_length %d has_attachment %t, want %d (1 to 4096) %t", *r.MessageLength, *r.HasAttachment, ev.MessageLength, ev.HasAttachment)
	}
	if ev.Type == chat.Subscribe && !slices.Contains([]string{"free", "plus", "pro"}, *r.Plan) {
		return fmt.Errorf("plan %q, want free, plus or pro", *r.Plan)
	}
	if ev.RunID != "" && *r.RunID != ev.RunID {
		return fmt.Errorf("run_id %q, want %q", *r.RunID, ev.RunID)
	}
	// A version 1 consumer that skips unknown keys reads the same values.
	var v1 recordV1
	if err := json.Unmarshal(data, &v1); err != nil {
		return fmt.Errorf("a version 1 reader fails: %v", err)
	}
	want := recordV1{SchemaVersion: chat.SchemaVersion, EventID: *r.EventID, EventTime: *r.EventTime, EventName: *r.EventName, UserID: *r.UserID, RunID: ev.RunID}
	if ev.Type.HasChat() {
		want.ChatID = ev.ChatID
	}
	if v1 != want {
		return fmt.Errorf("a version 1 reader reads %+v, want %+v", v1, want)
	}
	return nil
}

// topLevelKeys returns the keys of a flat JSON object in document order.
func topLevelKeys(data []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var keys []string
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, key.(string))
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
	}
	return keys, nil
}
