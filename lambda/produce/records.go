package produce

import (
	"iter"
	"strconv"

	"github.com/chatstream/chatstream/lambda/chat"
	"github.com/chatstream/chatstream/lambda/publish"
)

// Encoded events are carved out of shared chunks rather than allocated one
// by one: one allocation serves a few hundred records. A chunk is retired
// when less than maxEventBytes remain, more than the largest event
// (20-digit ids and a 64-character run id come to under 300 bytes).
const (
	chunkBytes    = 64 << 10
	maxEventBytes = 512
)

// records encodes each event as a Kinesis record keyed by its user id,
// lazily: an event is generated only when its record is pulled.
func records(events iter.Seq[chat.Event]) iter.Seq[publish.Record] {
	return func(yield func(publish.Record) bool) {
		var chunk []byte
		for ev := range events {
			if cap(chunk)-len(chunk) < maxEventBytes {
				chunk = make([]byte, 0, chunkBytes)
			}
			start := len(chunk)
			chunk = ev.AppendJSON(chunk)
			// The full slice expression stops anyone appending to one
			// record from overwriting the next.
			rec := publish.Record{
				PartitionKey: strconv.FormatInt(ev.UserID, 10),
				Data:         chunk[start:len(chunk):len(chunk)],
			}
			if !yield(rec) {
				return
			}
		}
	}
}
