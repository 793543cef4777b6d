package dashboard

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
)

// BenchmarkPanels measures what each question of an open page costs the
// server besides the queries: drawing every chart and writing the panels'
// HTML, with an hour of events per minute for five event names.
func BenchmarkPanels(b *testing.B) {
	runner := seededAnswers()
	names := []string{"JOIN", "LEAVE", "OPEN_CHAT", "SEND_MESSAGE", "SUBSCRIBE"}
	var rows [][]types.Field
	for m := range 60 {
		for i, n := range names {
			rows = append(rows, []types.Field{minute(m), str(n), long(int64(100 + 10*i + m%7))})
		}
	}
	runner["events_per_minute"] = rowsOf([]string{"minute", "event_name", "events"}, rows...)
	d, err := New(Config{
		Source:       Source{Name: "bench", Runner: runner, Render: fakeRender},
		QueryTimeout: time.Millisecond,
		Now:          func() time.Time { return testNow },
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := d.Refresh(b.Context()); err != nil {
		b.Fatal(err)
	}
	p, err := parsePages()
	if err != nil {
		b.Fatal(err)
	}
	var size int
	for b.Loop() {
		var out countingWriter
		if err := p.write(&out, "content", d.snapshot(), false); err != nil {
			b.Fatal(err)
		}
		size = int(out)
	}
	b.ReportMetric(float64(size), "bytes/page")
}

type countingWriter int

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}
