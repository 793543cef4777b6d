package chat

import (
	"strconv"
	"time"
)

// AppendJSON appends the event's record to dst and returns the extended
// slice: one JSON object, keys in a fixed order, no trailing newline:
//
//	{"schema_version":1,"event_id":"…","event_time":"2026-11-27T10:00:00.123Z","event_name":"SEND_MESSAGE","user_id":42,"chat_id":7,"run_id":"abc"}
//
// "chat_id" is written only for types that happen in a chat and "run_id" only
// when set. It is written by hand rather than with encoding/json because it
// runs once per event and reflection would dominate the producer's CPU time.
// The event is trusted: RunID must already satisfy CheckRunID, as the
// Generator ensures, because it is written without escaping.
func (e *Event) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"schema_version":`...)
	dst = strconv.AppendInt(dst, SchemaVersion, 10)
	dst = append(dst, `,"event_id":"`...)
	dst = appendUUID(dst, e.ID)
	dst = append(dst, `","event_time":"`...)
	dst = appendTime(dst, e.Time)
	dst = append(dst, `","event_name":"`...)
	dst = append(dst, e.Type.String()...)
	dst = append(dst, `","user_id":`...)
	dst = strconv.AppendInt(dst, e.UserID, 10)
	if e.Type.HasChat() {
		dst = append(dst, `,"chat_id":`...)
		dst = strconv.AppendInt(dst, e.ChatID, 10)
	}
	if e.RunID != "" {
		dst = append(dst, `,"run_id":"`...)
		dst = append(dst, e.RunID...)
		dst = append(dst, '"')
	}
	return append(dst, '}')
}

// appendUUID writes the canonical 8-4-4-4-12 lower-case hex form without the
// allocation that uuid.UUID.String makes.
func appendUUID(dst []byte, id [16]byte) []byte {
	const hex = "0123456789abcdef"
	for i, b := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hex[b>>4], hex[b&0x0f])
	}
	return dst
}

// appendTime writes t in UTC as RFC 3339 with exactly three fractional
// digits (truncated, not rounded, so an event never claims a later time).
// time.AppendFormat would do the same at several times the cost.
func appendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	hour, minute, second := t.Clock()
	dst = appendDigits(dst, year, 4)
	dst = append(dst, '-')
	dst = appendDigits(dst, int(month), 2)
	dst = append(dst, '-')
	dst = appendDigits(dst, day, 2)
	dst = append(dst, 'T')
	dst = appendDigits(dst, hour, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, minute, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, second, 2)
	dst = append(dst, '.')
	dst = appendDigits(dst, t.Nanosecond()/int(time.Millisecond), 3)
	return append(dst, 'Z')
}

// appendDigits writes the last width decimal digits of a non-negative v,
// zero-padded.
func appendDigits(dst []byte, v, width int) []byte {
	n := len(dst) + width
	dst = append(dst, make([]byte, width)...)
	for i := n - 1; i >= n-width; i-- {
		dst[i] = byte('0' + v%10)
		v /= 10
	}
	return dst
}
