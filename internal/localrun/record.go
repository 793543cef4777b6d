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
	// ChatID is chat_id, 0 for JOIN and LEAVE, which carry none.
	ChatID int64
	// RunID is run_id, empty when the invocation's payload had none.
	RunID string
}

// eventTimeLayout is RFC 3339 in UTC with exactly millisecond precision.
const eventTimeLayout = "2006-01-02T15:04:05.000Z"

// schemaVersion is the only schema_version this contract describes.
const schemaVersion = "1"

// contractKey reports whether key is one of the record contract's keys. Any
// other is refused, so that a typo in the producer cannot add a field nobody
// reads.
func contractKey(key string) bool {
	switch key {
	case "schema_version", "event_id", "event_time", "event_name", "user_id", "chat_id", "run_id":
		return true
	}
	return false
}

// CheckRecord decodes r's data as one event and checks it against the record
// contract: exactly one JSON object and nothing after it (not even a
// newline), only the contract's keys, each once; schema_version 1; a
// non-empty event_id; event_time in RFC 3339 UTC with milliseconds; a known
// event_name; user_id an integer ≥ 1 and the partition key; chat_id an
// integer ≥ 1 for OPEN_CHAT, SUBSCRIBE and SEND_MESSAGE and absent for JOIN
// and LEAVE; run_id, when present, a non-empty string. The Event holds what
// could be read even when the record is refused.
func CheckRecord(r Record) (Event, error) {
	var e Event
	fields, err := objectFields(r.Data)
	if err != nil {
		return e, fmt.Errorf("record %s: data %s %w", r.SequenceNumber, quoteStart(r.Data), err)
	}
	fail := func(format string, args ...any) (Event, error) {
		return e, fmt.Errorf("record %s: "+format, append([]any{r.SequenceNumber}, args...)...)
	}
	if raw, ok := fields["event_id"]; ok {
		e.EventID, _ = jsonString(raw)
	}
	if raw, ok := fields["run_id"]; ok {
		id, isString := jsonString(raw)
		if !isString || id == "" {
			return fail("run_id %s is not a non-empty string", raw)
		}
		e.RunID = id
	}
	if v, ok := fields["schema_version"]; !ok {
		return fail("schema_version is missing")
	} else if string(v) != schemaVersion {
		return fail("schema_version %s, want %s", v, schemaVersion)
	}
	if e.EventID == "" {
		return fail("event_id %s is missing or not a non-empty string", orMissing(fields["event_id"]))
	}
	eventTime, _ := jsonString(fields["event_time"])
	if t, err := time.Parse(eventTimeLayout, eventTime); err != nil || t.Format(eventTimeLayout) != eventTime {
		return fail("event_time %s is not RFC 3339 UTC with milliseconds", orMissing(fields["event_time"]))
	}
	e.EventName, _ = jsonString(fields["event_name"])
	chatNeeded, known := chatRequired(e.EventName)
	if !known {
		return fail("event_name %s is not one of %v", orMissing(fields["event_name"]), EventNames())
	}
	rawUser, ok := fields["user_id"]
	if !ok {
		return fail("user_id is missing")
	}
	if e.UserID, ok = positiveInt(rawUser); !ok {
		return fail("user_id %s is not an integer >= 1", rawUser)
	}
	rawChat, hasChat := fields["chat_id"]
	switch {
	case chatNeeded && !hasChat:
		return fail("%s event %s has no chat_id", e.EventName, e.EventID)
	case chatNeeded:
		if e.ChatID, ok = positiveInt(rawChat); !ok {
			return fail("%s event %s: chat_id %s is not an integer >= 1", e.EventName, e.EventID, rawChat)
		}
	case hasChat:
		return fail("%s event %s has a chat_id (%s), want none", e.EventName, e.EventID, rawChat)
	}
	if r.PartitionKey != strconv.FormatInt(e.UserID, 10) {
		return fail("partition key %q, want the user id %d", r.PartitionKey, e.UserID)
	}
	return e, nil
}

// objectFields splits data, which must be exactly one flat JSON object, into
// its members. Its errors read after the data they describe.
func objectFields(data []byte) (map[string]json.RawMessage, error) {
	if len(data) == 0 || data[0] != '{' {
		return nil, fmt.Errorf("is not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("is not a JSON object: %w", err)
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("is not a JSON object: %w", err)
		}
		key, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, fmt.Errorf("is not a JSON object: %w", err)
		}
		if !contractKey(key) {
			return nil, fmt.Errorf("has the key %q, which the record contract does not define", key)
		}
		if _, dup := fields[key]; dup {
			return nil, fmt.Errorf("has the key %q twice", key)
		}
		fields[key] = value
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("is not a JSON object: %w", err)
	}
	if end := int(dec.InputOffset()); end < len(data) {
		return nil, fmt.Errorf("goes on after the JSON object with %s, want nothing after it", quoteStart(data[end:]))
	}
	return fields, nil
}

// jsonString returns the string raw holds, and whether it is a JSON string.
func jsonString(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// positiveInt returns the integer raw holds when it is written in plain
// decimal digits, without sign, fraction or exponent, and is at least 1.
func positiveInt(raw json.RawMessage) (int64, bool) {
	if len(raw) == 0 || raw[0] < '1' || raw[0] > '9' {
		return 0, false
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	return n, err == nil
}

// orMissing shows a member's JSON text, or that it is missing.
func orMissing(raw json.RawMessage) string {
	if raw == nil {
		return "(missing)"
	}
	return string(raw)
}

// quoteStart quotes data, or its first 200 bytes when it is longer, so
// that an error about a huge record stays readable.
func quoteStart(data []byte) string {
	const most = 200
	if len(data) <= most {
		return strconv.Quote(string(data))
	}
	return fmt.Sprintf("%q… (%d bytes)", data[:most], len(data))
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
