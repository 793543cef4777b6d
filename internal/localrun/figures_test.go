package localrun

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/chatstream/chatstream/internal/golden"
	"github.com/google/go-cmp/cmp"
)

// timed returns a valid record of user at t, arriving lag later.
func timed(name string, user int, t time.Time, lag time.Duration, shard string) Record {
	r := event(fmt.Sprintf("%s-%d-%d", name, user, t.UnixMilli()), name, user, shard)
	r.Data = bytes.Replace(r.Data, []byte("2026-11-27T10:00:00.000Z"), []byte(t.UTC().Format(eventTimeLayout)), 1)
	r.Arrival = t.Add(lag)
	return r
}

func TestMeasure(t *testing.T) {
	const s0, s1 = "shardId-000000000000", "shardId-000000000001"
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	records := []Record{
		// User 1 is under way when the run starts, and leaves at 25 s.
		timed("SEND_MESSAGE", 1, at(0), 100*time.Millisecond, s0),
		timed("SEND_MESSAGE", 1, at(12), 200*time.Millisecond, s0),
		timed("LEAVE", 1, at(25), 300*time.Millisecond, s0),
		// User 2 joins at 5 s and stays.
		timed("JOIN", 2, at(5), 400*time.Millisecond, s1),
		timed("OPEN_CHAT", 2, at(6), 500*time.Millisecond, s1),
		timed("SEND_MESSAGE", 2, at(7), 600*time.Millisecond, s1),
		timed("SEND_MESSAGE", 2, at(21), 700*time.Millisecond, s1),
		// User 3 joins at 15 s; its last record arrives 1.5 s late.
		timed("JOIN", 3, at(15), 800*time.Millisecond, s1),
		timed("OPEN_CHAT", 3, at(31), 1500*time.Millisecond, s1),
		// Malformed: counted per shard, nowhere else.
		{ShardID: s0, PartitionKey: "9", Data: []byte(`{"schema_version":2,"ev`)},
	}
	f := Measure(records, 200, 10*time.Second)

	// Samples at 10 s (users 1, 2), 20 s (1, 2, 3), 30 s (2, 3: 1 left).
	if diff := cmp.Diff([]int{2, 3, 2}, f.Active); diff != "" {
		t.Errorf("active users (-want +got):\n%s", diff)
	}
	if f.Events != 9 || f.Records != 10 || !f.From.Equal(at(0)) || !f.To.Equal(at(31)) {
		t.Errorf("Measure() = %d events of %d records from %s to %s, want 9 of 10 from 0 s to 31 s", f.Events, f.Records, f.From, f.To)
	}
	if diff := cmp.Diff([]UserEvents{{2, 4}, {1, 3}, {3, 2}}, f.Busiest); diff != "" {
		t.Errorf("busiest users (-want +got):\n%s", diff)
	}
	// 200 users: the top 1% are the two busiest.
	if want := 7.0 / 9; f.TopShare != want {
		t.Errorf("top 1%% share = %v, want %v", f.TopShare, want)
	}
	if f.Lag(0.5) != 500*time.Millisecond || f.Within(time.Second) != 8.0/9 || f.Within(800*time.Millisecond) != 8.0/9 {
		t.Errorf("median lag %v, within 1 s %v; want 500ms and 8 of 9", f.Lag(0.5), f.Within(time.Second))
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/figures.golden", b.String())
}

func TestMeasureNothing(t *testing.T) {
	f := Measure([]Record{{ShardID: "s", Data: []byte("x")}}, 1000, 10*time.Second)
	var b bytes.Buffer
	if err := f.Write(&b); err != nil || b.String() != "world figures     no well-formed events\n" {
		t.Errorf("Write() = %q, %v; want one line saying there were no events", b.String(), err)
	}
}
