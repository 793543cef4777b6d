package chat_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/chatstream/chatstream/lambda/chat"
)

// BenchmarkGenerateEncode measures one burst event generated, stamped with
// the real clock and encoded: a manual invocation's per-event CPU cost
// before publishing.
func BenchmarkGenerateEncode(b *testing.B) {
	g, err := chat.NewGenerator(chat.Config{Users: 1000, RunID: "bench", Rand: rand.New(rand.NewPCG(1, 0)), IDs: rand.New(rand.NewPCG(1, 1))})
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	b.ResetTimer()
	for ev := range g.Events(b.N) {
		buf = ev.AppendJSON(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkWorldEncode measures one event of the default world generated
// and encoded: a scheduled invocation's per-event CPU cost before
// publishing. One window holds all b.N events, so the cost of planning
// sessions (a scan of the users every 30 minutes of world time) is spread
// over them as it is in a long run.
func BenchmarkWorldEncode(b *testing.B) {
	w, err := chat.NewWorld(chat.WorldConfig{Users: 1000, Rate: 50})
	if err != nil {
		b.Fatal(err)
	}
	win, err := w.Window(t0, t0.Add(time.Duration(b.N/40+60)*time.Second), 0)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 512)
	var ev chat.Event
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if !win.Next(&ev) {
			b.Fatal("the window ran out of events")
		}
		buf = ev.AppendJSON(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkWorldWindowStart measures what a scheduled invocation pays once:
// planning the sessions of a one-minute window of the default world and
// finding its first event. It is reported per user, the unit it grows with.
func BenchmarkWorldWindowStart(b *testing.B) {
	w, err := chat.NewWorld(chat.WorldConfig{Users: 1000, Rate: 50})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		start := t0.Add(time.Duration(i) * time.Minute)
		win, err := w.Window(start, start.Add(time.Minute), 0)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := win.Peek(); !ok {
			b.Fatal("an empty minute")
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/user")
}
