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
	// Time is event_time.
	Time time.Time
}

// eventTimeLayout is RFC 3339 in UTC with exactly millisecond precision.
const eventTimeLayout = "2006-01-02T15:04:05.000Z"

// schemaVersion is the schema_version this contract describes: the one the
// producer writes.
const schemaVersion = "2"

// contractKey reports whether key is one of the record contract's keys. Any
// other is refused, so that a typo in the producer cannot add a field nobody
// reads.
func contractKey(key string) bool {
	switch key {
	case "schema_version", "event_id", "event_time", "event_name", "user_id", "chat_id", "run_id",
		"platform", "country", "app_version", "message_length", "has_attachment", "plan":
		return true
	}
	return false
}

// The ways a record may be malformed on purpose when the producer runs with
// DIRTY_RATIO: the names of chat.Fault.
const (
	DirtyNotJSON       = "not JSON"
	DirtyNoEventID     = "event_id missing"
	DirtyUserIDAString = "user_id a string"
)

// DirtyKinds are the three kinds of deliberately malformed record.
func DirtyKinds() []string {
	return []string{DirtyNotJSON, DirtyNoEventID, DirtyUserIDAString}
}

// CheckRecord decodes r's data as one event and checks it against the record
// contract, version 2: exactly one JSON object and nothing after it (not even
// a newline), only the contract's keys, each once; schema_version 2; a
// non-empty event_id; event_time in RFC 3339 UTC with milliseconds; a known
// event_name; user_id an integer ≥ 1 and the partition key; chat_id an
// integer ≥ 1 for OPEN_CHAT, SUBSCRIBE and SEND_MESSAGE and absent for JOIN
// and LEAVE; platform, country and app_version non-empty strings;
// message_length an integer ≥ 1 and has_attachment a boolean for
// SEND_MESSAGE, plan a non-empty string for SUBSCRIBE, and none of the three
// on other events; run_id, when present, a non-empty string. The Event holds
// what could be read even when the record is refused.
//
// A record malformed on purpose (see ClassifyRecord) breaks the contract
// like any other.
func CheckRecord(r Record) (Event, error) {
	return checkRecord(r, "")
}

// ClassifyRecord checks r like CheckRecord, but tells a record the producer
// malformed on purpose (DIRTY_RATIO) from one that breaks the contract
// otherwise: dirty is one of DirtyKinds when r is exactly such a record,
// the cut-off start of a version 2 record or one that would meet the
// contract but for its missing event_id or its user_id written as the
// partition key's string, and err is nil then.
func ClassifyRecord(r Record) (e Event, dirty string, err error) {
	e, err = checkRecord(r, "")
	if err == nil {
		return e, "", nil
	}
	if bytes.HasPrefix(r.Data, []byte(`{"schema_version":`+schemaVersion+`,`)) && !json.Valid(r.Data) {
		return e, DirtyNotJSON, nil
	}
	for _, kind := range []string{DirtyNoEventID, DirtyUserIDAString} {
		if e, again := checkRecord(r, kind); again == nil {
			return e, kind, nil
		}
	}
	return e, "", err
}

// checkRecord is CheckRecord, except that dirty names the one fault it
// must find instead of failing: a missing event_id or a string user_id.
func checkRecord(r Record, dirty string) (Event, error) {
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
	_, hasID := fields["event_id"]
	switch {
	case dirty == DirtyNoEventID && hasID:
		return fail("has an event_id")
	case dirty != DirtyNoEventID && e.EventID == "":
		return fail("event_id %s is missing or not a non-empty string", orMissing(fields["event_id"]))
	}
	eventTime, _ := jsonString(fields["event_time"])
	t, err := time.Parse(eventTimeLayout, eventTime)
	if err != nil || t.Format(eventTimeLayout) != eventTime {
		return fail("event_time %s is not RFC 3339 UTC with milliseconds", orMissing(fields["event_time"]))
	}
	e.Time = t
	e.EventName, _ = jsonString(fields["event_name"])
	chatNeeded, known := chatRequired(e.EventName)
	if !known {
		return fail("event_name %s is not one of %v", orMissing(fields["event_name"]), EventNames())
	}
	rawUser, ok := fields["user_id"]
	if !ok {
		return fail("user_id is missing")
	}
	if dirty == DirtyUserIDAString {
		s, isString := jsonString(rawUser)
		if !isString || s != r.PartitionKey {
			return fail("user_id %s is not the partition key as a string", rawUser)
		}
		rawUser = json.RawMessage(s)
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
	if err := checkVersion2(fields, e.EventName); err != nil {
		return fail("%s event %s: %v", e.EventName, e.EventID, err)
	}
	if r.PartitionKey != strconv.FormatInt(e.UserID, 10) {
		return fail("partition key %q, want the user id %d", r.PartitionKey, e.UserID)
	}
	return e, nil
}

// checkVersion2 checks the fields version 2 added: platform, country and
// app_version on every event, message_length and has_attachment on
// SEND_MESSAGE only, plan on SUBSCRIBE only.
func checkVersion2(fields map[string]json.RawMessage, name string) error {
	for _, key := range []string{"platform", "country", "app_version"} {
		if s, ok := jsonString(fields[key]); !ok || s == "" {
			return fmt.Errorf("%s %s is not a non-empty string", key, orMissing(fields[key]))
		}
	}
	length, hasLength := fields["message_length"]
	attachment, hasAttachment := fields["has_attachment"]
	plan, hasPlan := fields["plan"]
	switch {
	case name == "SEND_MESSAGE" && !hasLength:
		return fmt.Errorf("message_length is missing")
	case name == "SEND_MESSAGE" && !isPositiveInt(length):
		return fmt.Errorf("message_length %s is not an integer >= 1", length)
	case name == "SEND_MESSAGE" && string(attachment) != "true" && string(attachment) != "false":
		return fmt.Errorf("has_attachment %s is not a boolean", orMissing(attachment))
	case name != "SEND_MESSAGE" && (hasLength || hasAttachment):
		return fmt.Errorf("has message_length or has_attachment, which only SEND_MESSAGE carries")
	case name == "SUBSCRIBE":
		if s, ok := jsonString(plan); !ok || s == "" {
			return fmt.Errorf("plan %s is not a non-empty string", orMissing(plan))
		}
	case hasPlan:
		return fmt.Errorf("has a plan (%s), which only SUBSCRIBE carries", plan)
	}
	return nil
}

func isPositiveInt(raw json.RawMessage) bool {
	_, ok := positiveInt(raw)
	return ok
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
