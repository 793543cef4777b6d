package chat

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// SchemaVersion is the value of every record's "schema_version" key. Bump it
// when a consumer would need to tell old records from new ones. Version 2
// added platform, country and app_version to every event, message_length and
// has_attachment to SEND_MESSAGE, and plan to SUBSCRIBE; every version 1 key
// kept its name, type and meaning, so a version 1 reader that skips keys it
// does not know reads version 2 records unchanged.
const SchemaVersion = 2

// Type is the kind of a chat event, written as "event_name".
type Type uint8

// The five event types. A session is JOIN, then any mix of the middle three,
// then LEAVE.
const (
	Join Type = iota + 1
	Leave
	OpenChat
	Subscribe
	SendMessage
)

// String returns the name written to "event_name", such as "SEND_MESSAGE".
func (t Type) String() string {
	switch t {
	case Join:
		return "JOIN"
	case Leave:
		return "LEAVE"
	case OpenChat:
		return "OPEN_CHAT"
	case Subscribe:
		return "SUBSCRIBE"
	case SendMessage:
		return "SEND_MESSAGE"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// HasChat reports whether events of this type happen in a chat and so carry
// a "chat_id".
func (t Type) HasChat() bool {
	return t == OpenChat || t == Subscribe || t == SendMessage
}

// Event is one thing a user did. Its JSON form is written by AppendJSON.
type Event struct {
	ID     uuid.UUID
	Time   time.Time // written in UTC with millisecond precision
	Type   Type
	UserID int64 // ≥ 1
	ChatID int64 // ≥ 1 when Type.HasChat(), otherwise unused
	RunID  string

	// The user's device and app (schema version 2), the same on every event
	// of one user: see Profile.
	Platform   string // "ios", "android" or "web"
	Country    string // ISO 3166-1 alpha-2, such as "US"
	AppVersion string // such as "5.4.0"

	// MessageLength (characters, ≥ 1) and HasAttachment describe a
	// SEND_MESSAGE; other types leave them unused.
	MessageLength int
	HasAttachment bool
	// Plan is what a SUBSCRIBE signs up for: "free", "plus" or "pro".
	Plan string

	// Fault, when not FaultNone, makes AppendJSON write a malformed record
	// on purpose (see DIRTY_RATIO in the producer).
	Fault Fault
}

// maxRunID is the longest run id accepted: long enough for a UUID or a
// timestamped name, short enough to keep records small.
const maxRunID = 64

// CheckRunID returns an error unless id is 1 to 64 characters of
// A-Z, a-z, 0-9, '.', '_' and '-'. The restriction lets encoders write the id
// without escaping and lets it be used verbatim in SQL filters and file names.
func CheckRunID(id string) error {
	if id == "" {
		return fmt.Errorf("run id is empty")
	}
	if len(id) > maxRunID {
		// Only the start: a payload may carry a megabyte here.
		return fmt.Errorf("run id %q… is %d characters long, more than %d", id[:maxRunID], len(id), maxRunID)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || c == '.' || c == '_' || c == '-' {
			continue
		}
		return fmt.Errorf("run id %q has character %q at byte %d; allowed are A-Z, a-z, 0-9, '.', '_' and '-'", id, c, i)
	}
	return nil
}
