package localrun

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// EventNames are the five event types of the record contract.
func EventNames() []string {
	return []string{"JOIN", "LEAVE", "OPEN_CHAT", "SUBSCRIBE", "SEND_MESSAGE"}
}

// Event is what CheckRecord reads from a record.
type Event struct {
	// EventID is event_id.
	EventID string
	// EventName is event_name, one of EventNames.
	EventName string
	// UserID is user_id, also the partition key.
	UserID int64
	// RunID is run_id, empty when the invocation's payload had none.
	RunID string
}

// eventTimeLayout is RFC 3339 in UTC with exactly millisecond precision.
const eventTimeLayout = "2006-01-02T15:04:05.000Z"

// CheckRecord decodes r's data as one event and checks it against the record
// contract: a single JSON object with every required field well-formed, a
// chat id where the event type needs one, and the user id as partition key.
func CheckRecord(r Record) (Event, error) {
	var e Event
	var raw struct {
		SchemaVersion json.RawMessage `json:"schema_version"`
		EventID       string          `json:"event_id"`
		EventTime     string          `json:"event_time"`
		EventName     string          `json:"event_name"`
		UserID        json.RawMessage `json:"user_id"`
		ChatID        json.RawMessage `json:"chat_id"`
		RunID         string          `json:"run_id"`
	}
	dec := json.NewDecoder(bytes.NewReader(r.Data))
	if err := dec.Decode(&raw); err != nil {
		return e, fmt.Errorf("record %s: data %q is not a JSON object: %w", r.SequenceNumber, r.Data, err)
	}
	if dec.More() {
		return e, fmt.Errorf("record %s: data %q holds more than one JSON value", r.SequenceNumber, r.Data)
	}
	e = Event{EventID: raw.EventID, EventName: raw.EventName, RunID: raw.RunID}
	if len(raw.SchemaVersion) == 0 || string(raw.SchemaVersion) == "null" {
		return e, fmt.Errorf("record %s: schema_version is missing", r.SequenceNumber)
	}
	if e.EventID == "" {
		return e, fmt.Errorf("record %s: event_id is missing", r.SequenceNumber)
	}
	if t, err := time.Parse(eventTimeLayout, raw.EventTime); err != nil || t.Format(eventTimeLayout) != raw.EventTime {
		return e, fmt.Errorf("record %s: event_time %q is not RFC 3339 UTC with milliseconds", r.SequenceNumber, raw.EventTime)
	}
	chatNeeded, known := chatRequired(e.EventName)
	if !known {
		return e, fmt.Errorf("record %s: event_name %q is not one of %v", r.SequenceNumber, e.EventName, EventNames())
	}
	if len(raw.UserID) == 0 {
		return e, fmt.Errorf("record %s: user_id is missing", r.SequenceNumber)
	}
	user, err := strconv.ParseInt(string(raw.UserID), 10, 64)
	if err != nil || user < 1 {
		return e, fmt.Errorf("record %s: user_id %s is not an integer >= 1", r.SequenceNumber, raw.UserID)
	}
	e.UserID = user
	if chatNeeded && (len(raw.ChatID) == 0 || string(raw.ChatID) == "null") {
		return e, fmt.Errorf("record %s: %s event %s has no chat_id", r.SequenceNumber, e.EventName, e.EventID)
	}
	if r.PartitionKey != strconv.FormatInt(user, 10) {
		return e, fmt.Errorf("record %s: partition key %q, want the user id %d", r.SequenceNumber, r.PartitionKey, user)
	}
	return e, nil
}

// chatRequired reports whether events named name carry a chat id, and
// whether name is a known event name at all.
func chatRequired(name string) (required, known bool) {
	switch name {
	case "JOIN", "LEAVE":
		return false, true
	case "OPEN_CHAT", "SUBSCRIBE", "SEND_MESSAGE":
		return true, true
	}
	return false, false
}
