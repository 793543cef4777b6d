package produce

import (
	"iter"
	"strconv"

	"github.com/chatstream/chatstream/lambda/chat"
	"github.com/chatstream/chatstream/lambda/publish"
)

// Encoded events are carved out of shared chunks rather than allocated one
// by one: one allocation serves a couple of hundred records. A chunk is
// retired when less than maxEventBytes remain, more than the largest event
// (20-digit ids, the longest profile, a 4-digit message length and a
// 64-character run id come to under 400 bytes).
const (
	chunkBytes    = 64 << 10
	maxEventBytes = 512
)

// encoder encodes events as Kinesis records, keyed by their user id, and
// counts the records malformed on purpose. Its current chunk carries over
// from one call of records to the next.
type encoder struct {
	chunk []byte
	dirty int
}

// records encodes each event lazily: an event is generated only when its
// record is pulled.
func (e *encoder) records(events iter.Seq[chat.Event]) iter.Seq[publish.Record] {
	return func(yield func(publish.Record) bool) {
		for ev := range events {
			if cap(e.chunk)-len(e.chunk) < maxEventBytes {
				e.chunk = make([]byte, 0, chunkBytes)
			}
			start := len(e.chunk)
			e.chunk = ev.AppendJSON(e.chunk)
			if ev.Fault != chat.FaultNone {
				e.dirty++
			}
			// The full slice expression stops anyone appending to one
			// record from overwriting the next.
			rec := publish.Record{
				PartitionKey: strconv.FormatInt(ev.UserID, 10),
				Data:         e.chunk[start:len(e.chunk):len(e.chunk)],
			}
			if !yield(rec) {
				return
			}
		}
	}
}
