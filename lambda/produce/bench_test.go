package produce

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/chatstream/chatstream/internal/fakekinesis"
	"github.com/chatstream/chatstream/lambda/publish"
)

// reportCPU reports the CPU time, user and system, used since cpu0 per
// event, where the platform measures it: wall time per event understates
// the cost when requests run in parallel.
func reportCPU(b *testing.B, cpu0 time.Duration, cpuOK bool, events float64) {
	if cpu1, ok := cpuTime(); ok && cpuOK {
		b.ReportMetric(float64(cpu1-cpu0)/events, "cpu-ns/event")
	}
}

// acceptAll answers every PutRecords at once, without the network: what is
// left is the producer's own work per event.
type acceptAll struct{}

func (acceptAll) PutRecords(_ context.Context, in *kinesis.PutRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error) {
	out := &kinesis.PutRecordsOutput{FailedRecordCount: aws.Int32(0), Records: make([]types.PutRecordsResultEntry, len(in.Records))}
	for i := range out.Records {
		out.Records[i].SequenceNumber = aws.String("1")
	}
	return out, nil
}

// BenchmarkHandlePerEvent is the CPU cost of one event through the whole
// handler, network aside: generate, encode, build the record and the
// PutRecords entry, account for the answer. One op is one event.
func BenchmarkHandlePerEvent(b *testing.B) {
	h := NewHandler(Config{Stream: "bench", Count: 1, Users: DefaultUsers}, acceptAll{}, slog.New(slog.DiscardHandler), Options{})
	b.ReportAllocs()
	cpu0, cpuOK := cpuTime()
	b.ResetTimer()
	for left := b.N; left > 0; {
		n := min(left, MaxCount)
		res, err := h.Handle(b.Context(), json.RawMessage(fmt.Sprintf(`{"count": %d}`, n)))
		if err != nil || res.Sent != n {
			b.Fatalf("Handle() = %+v, %v", res, err)
		}
		left -= n
	}
	b.StopTimer()
	reportCPU(b, cpu0, cpuOK, float64(b.N))
}

// BenchmarkWindowPerEvent is the CPU cost of one event of a scheduled
// invocation of the default world, network aside: the window's planning,
// generating, encoding, the wait for each event (in virtual time) and one
// Publish call per group of due events, at most every 100 ms. Invocations
// of consecutive minutes run until at least b.N events are sent; cpu-ns/event
// and events/request count the events sent, while ns/op, B/op and allocs/op
// divide by b.N and so read high when a window holds many more events.
// At the default 50 events/s a group holds about 5 events and the cost of a
// Publish call dominates; at 5,000 events/s it is spread over 500.
func BenchmarkWindowPerEvent(b *testing.B) {
	for _, rate := range []float64{DefaultRate, 5000} {
		b.Run(fmt.Sprintf("rate=%v", rate), func(b *testing.B) {
			cfg := worldConfig()
			cfg.Rate = rate
			clock := &virtualClock{now: scheduled}
			h := NewHandler(cfg, acceptAll{}, slog.New(slog.DiscardHandler), Options{Now: clock.Now, Sleep: clock.Sleep})
			b.ReportAllocs()
			cpu0, cpuOK := cpuTime()
			b.ResetTimer()
			// The last invocation sends its whole window, past b.N when a
			// window holds more events than are left, so the metrics divide
			// by the events sent.
			sent, requests := 0, 0
			for at := scheduled; sent < b.N; at = at.Add(time.Minute) {
				res, err := h.Handle(b.Context(), schedulerEvent(at))
				if err != nil {
					b.Fatalf("Handle() = %+v, %v", res, err)
				}
				sent += res.Sent
				requests += res.Requests
			}
			b.StopTimer()
			reportCPU(b, cpu0, cpuOK, float64(sent))
			b.ReportMetric(float64(sent)/float64(requests), "events/request")
		})
	}
}

// BenchmarkHandleEndToEnd is one invocation of 100,000 events through the
// real SDK client to an in-process Kinesis endpoint on 127.0.0.1 that takes
// 20 ms to answer each request, about what a region does.
func BenchmarkHandleEndToEnd(b *testing.B) {
	const events = 100_000
	srv, err := fakekinesis.New(fakekinesis.Options{Streams: []string{"bench"}, Latency: 20 * time.Millisecond, Discard: true})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	client := srv.Client(publish.DefaultMaxInFlight)
	h := NewHandler(Config{Stream: "bench", Count: events, Users: DefaultUsers}, client, slog.New(slog.NewJSONHandler(io.Discard, nil)), Options{})

	cpu0, cpuOK := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		res, err := h.Handle(b.Context(), json.RawMessage(`{}`))
		if err != nil || res.Sent != events {
			b.Fatalf("Handle() = %+v, %v", res, err)
		}
	}
	b.StopTimer()
	total := float64(b.N * events)
	b.ReportMetric(total/b.Elapsed().Seconds(), "events/s")
	reportCPU(b, cpu0, cpuOK, total)
}
