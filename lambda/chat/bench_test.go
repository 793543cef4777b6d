package chat_test

import (
	"math/rand/v2"
	"testing"

	"github.com/chatstream/chatstream/lambda/chat"
)

// BenchmarkGenerateEncode measures one event generated, stamped with the real
// clock and encoded: the producer's per-event CPU cost before publishing.
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
