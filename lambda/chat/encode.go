package chat

import (
	"strconv"
	"time"
)

// AppendJSON appends the event's record to dst and returns the extended
// slice: one JSON object, keys in a fixed order, no trailing newline:
//
//	{"schema_version":2,"event_id":"…","event_time":"2026-11-27T10:00:00.123Z","event_name":"SEND_MESSAGE","user_id":42,"chat_id":7,"platform":"ios","country":"US","app_version":"5.4.0","message_length":31,"has_attachment":false,"run_id":"abc"}
//
// "chat_id" is written only for types that happen in a chat, "message_length"
// and "has_attachment" only for SEND_MESSAGE, "plan" only for SUBSCRIBE, and
// "run_id" only when set. The version 1 keys come first, in their version 1
// order. It is written by hand rather than with encoding/json because it runs
// once per event and reflection would dominate the producer's CPU time. The
// event is trusted: RunID must already satisfy CheckRunID, and the profile
// strings and Plan come from the package's own tables, because they are
// written without escaping.
//
// An event with a Fault gets the malformed record the fault describes.
func (e *Event) AppendJSON(dst []byte) []byte {
	start := len(dst)
	dst = append(dst, `{"schema_version":`...)
	dst = strconv.AppendInt(dst, SchemaVersion, 10)
	if e.Fault != FaultNoEventID {
		dst = append(dst, `,"event_id":"`...)
		dst = appendUUID(dst, e.ID)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"event_time":"`...)
	dst = appendTime(dst, e.Time)
	dst = append(dst, `","event_name":"`...)
	dst = append(dst, e.Type.String()...)
	dst = append(dst, `","user_id":`...)
	if e.Fault == FaultUserIDString {
		dst = append(dst, '"')
		dst = strconv.AppendInt(dst, e.UserID, 10)
		dst = append(dst, '"')
	} else {
		dst = strconv.AppendInt(dst, e.UserID, 10)
	}
	if e.Type.HasChat() {
		dst = append(dst, `,"chat_id":`...)
		dst = strconv.AppendInt(dst, e.ChatID, 10)
	}
	dst = append(dst, `,"platform":"`...)
	dst = append(dst, e.Platform...)
	dst = append(dst, `","country":"`...)
	dst = append(dst, e.Country...)
	dst = append(dst, `","app_version":"`...)
	dst = append(dst, e.AppVersion...)
	dst = append(dst, '"')
	switch e.Type {
	case SendMessage:
		dst = append(dst, `,"message_length":`...)
		dst = strconv.AppendInt(dst, int64(e.MessageLength), 10)
		dst = append(dst, `,"has_attachment":`...)
		dst = strconv.AppendBool(dst, e.HasAttachment)
	case Subscribe:
		dst = append(dst, `,"plan":"`...)
		dst = append(dst, e.Plan...)
		dst = append(dst, '"')
	}
	if e.RunID != "" {
		dst = append(dst, `,"run_id":"`...)
		dst = append(dst, e.RunID...)
		dst = append(dst, '"')
	}
	dst = append(dst, '}')
	if e.Fault == FaultNotJSON {
		// Half an object: its closing brace is gone, so no parser takes it.
		dst = dst[:start+(len(dst)-start)/2]
	}
	return dst
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
// digits (truncated, not rounded, so an event never claims a later time),
// for years 0 to 9999. It works from the Unix time in milliseconds with
// integer arithmetic: time.AppendFormat, or even Date and Clock, would do
// the same at several times the cost.
func appendTime(dst []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	days := floorDiv(ms, msPerDay)
	ofDay := ms - days*msPerDay
	year, month, day := civil(days)
	dst = append2(dst, year/100)
	dst = append2(dst, year%100)
	dst = append(dst, '-')
	dst = append2(dst, month)
	dst = append(dst, '-')
	dst = append2(dst, day)
	dst = append(dst, 'T')
	sec := ofDay / 1000
	dst = append2(dst, int(sec/3600))
	dst = append(dst, ':')
	dst = append2(dst, int(sec/60%60))
	dst = append(dst, ':')
	dst = append2(dst, int(sec%60))
	milli := int(ofDay % 1000)
	return append(dst, '.', byte('0'+milli/100), byte('0'+milli/10%10), byte('0'+milli%10), 'Z')
}

// civil returns the proleptic Gregorian date of the given day since the
// Unix epoch (Howard Hinnant's days-to-civil algorithm, "chrono-Compatible
// Low-Level Date Algorithms").
func civil(days int64) (year, month, day int) {
	z := days + 719468 // days since 0000-03-01
	era := floorDiv(z, 146097)
	doe := z - era*146097                                  // day of the 400-year era, 0..146096
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // year of the era, 0..399
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // day of the year from March 1st, 0..365
	mp := (5*doy + 2) / 153                                // month from March, 0..11
	day = int(doy - (153*mp+2)/5 + 1)
	month = int(mp + 3)
	if mp >= 10 {
		month = int(mp - 9)
	}
	year = int(yoe + era*400)
	if month <= 2 {
		year++
	}
	return year, month, day
}

// append2 writes v, 0 to 99, as two digits.
func append2(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/10), byte('0'+v%10))
}
