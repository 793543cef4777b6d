package produce

import (
	"iter"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/chatstream/chatstream/lambda/chat"
)

// seededEvents returns n events of a fixed seed and clock: calling it
// twice gives the same events.
func seededEvents(t *testing.T, n int) iter.Seq[chat.Event] {
	t.Helper()
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	gen, err := chat.NewGenerator(chat.Config{
		Users: 500, RunID: "r",
		Rand: rand.New(rand.NewPCG(9, 0)),
		IDs:  rand.New(rand.NewPCG(9, 1)),
		Now:  func() time.Time { return at },
	})
	if err != nil {
		t.Fatal(err)
	}
	return gen.Events(n)
}

func TestRecords(t *testing.T) {
	const n = 2000 // several chunks' worth
	var data [][]byte
	var keys []string
	var enc encoder
	for rec := range enc.records(seededEvents(t, n)) {
		if cap(rec.Data) != len(rec.Data) {
			t.Fatalf("record data has spare capacity %d: an append to it would overwrite the next record", cap(rec.Data)-len(rec.Data))
		}
		data = append(data, rec.Data)
		keys = append(keys, rec.PartitionKey)
	}
	if len(data) != n {
		t.Fatalf("records = %d, want %d", len(data), n)
	}
	// Checked after all records exist: records share chunks, and none may
	// be overwritten by a later one.
	i := 0
	for ev := range seededEvents(t, n) {
		if want := string(ev.AppendJSON(nil)); string(data[i]) != want {
			t.Fatalf("record %d = %s, want %s", i, data[i], want)
		}
		if want := strconv.FormatInt(ev.UserID, 10); keys[i] != want {
			t.Fatalf("record %d partition key %q, want %q", i, keys[i], want)
		}
		i++
	}
}
