package publish

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/chatstream/chatstream/internal/fakekinesis"
)

// benchEvents is the number of events one end-to-end Publish sends.
const benchEvents = 100_000

// chatEvents returns n records shaped like the producer's: a JSON chat event
// of about 230 bytes, keyed by one of 10,000 user ids.
func chatEvents(n int) []Record {
	out := make([]Record, n)
	base := time.Date(2025, 11, 27, 0, 0, 0, 0, time.UTC)
	for i := range out {
		user := i%10_000 + 1
		data := fmt.Sprintf(`{"event_id":"%08x-7d3c-4b8e-9f21-%012x","event_time":"%s","event_name":"SEND_MESSAGE","user_id":%d,"chat_id":%d,"message_length":%d,"schema_version":1}`,
			i, i*7919, base.Add(time.Duration(i)*time.Millisecond).Format("2006-01-02T15:04:05.000Z"), user, user%97+1, i%280)
		out[i] = Record{PartitionKey: strconv.Itoa(user), Data: []byte(data)}
	}
	return out
}

// perEvent reports CPU time and allocations per event over the benchmark's
// loop; start it before the loop and call the result after.
func perEvent(b *testing.B, events func() int) func() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	mallocs := m.Mallocs
	cpu0, cpuOK := cpuTime()
	return func() {
		n := float64(events())
		runtime.ReadMemStats(&m)
		b.ReportMetric(float64(m.Mallocs-mallocs)/n, "allocs/event")
		if cpu1, ok := cpuTime(); ok && cpuOK {
			b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/n, "cpu-ns/event")
		}
		b.ReportMetric(n/b.Elapsed().Seconds(), "events/s")
	}
}

// BenchmarkBatching measures Publish's own work per event, batching and
// request building, against a client that accepts everything at once.
func BenchmarkBatching(b *testing.B) {
	full := accepted(MaxBatchRecords).Records
	client := putRecordsFunc(func(_ context.Context, in *kinesis.PutRecordsInput) (*kinesis.PutRecordsOutput, error) {
		return &kinesis.PutRecordsOutput{Records: full[:len(in.Records)]}, nil
	})
	benchPublish(b, client)
}

// benchPublish publishes benchEvents chat-sized records through client per
// iteration and reports the CPU time and allocations per event.
func benchPublish(b *testing.B, client putRecordsAPI) {
	b.Helper()
	records := chatEvents(benchEvents)
	p, err := New(client, Options{Stream: testStream})
	if err != nil {
		b.Fatal(err)
	}
	var src source
	sent := 0
	report := perEvent(b, func() int { return sent })
	for b.Loop() {
		res := p.Publish(b.Context(), src.of(records))
		if res.Sent != len(records) {
			b.Fatalf("Publish() = %+v, want %d sent", res, len(records))
		}
		sent += res.Sent
	}
	report()
}

// answerTransport answers PutRecords in memory with success for every entry,
// so that a benchmark measures the SDK client's own work: serializing,
// signing and parsing.
type answerTransport struct {
	answers map[int][]byte
	// buffers recycles request-body buffers, keeping the transport's own
	// cost out of the measurement.
	buffers chan []byte
}

func newAnswerTransport(inFlight int) *answerTransport {
	return &answerTransport{
		answers: map[int][]byte{MaxBatchRecords: putRecordsAnswer(MaxBatchRecords)},
		buffers: make(chan []byte, inFlight),
	}
}

func (t *answerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var buf []byte
	select {
	case buf = <-t.buffers:
	default:
	}
	body := bytes.NewBuffer(buf[:0])
	_, err := body.ReadFrom(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	n := bytes.Count(body.Bytes(), []byte(`"PartitionKey"`))
	select {
	case t.buffers <- body.Bytes():
	default:
	}
	answer, ok := t.answers[n]
	if !ok {
		answer = putRecordsAnswer(n)
	}
	return &http.Response{
		StatusCode:    http.StatusOK,
		Header:        http.Header{"Content-Type": {"application/x-amz-json-1.1"}},
		Body:          io.NopCloser(bytes.NewReader(answer)),
		ContentLength: int64(len(answer)),
		Request:       req,
	}, nil
}

func putRecordsAnswer(n int) []byte {
	var sb strings.Builder
	sb.WriteString(`{"FailedRecordCount":0,"EncryptionType":"NONE","Records":[`)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"SequenceNumber":"%056d","ShardId":"shardId-%012d"}`, i+1, i%4)
	}
	sb.WriteString(`]}`)
	return []byte(sb.String())
}

// BenchmarkPublishSide measures the whole publish side per event: Publish
// plus the real SDK client building, signing and parsing each request, with
// no network or server.
func BenchmarkPublishSide(b *testing.B) {
	client := kinesis.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDBENCH", "bench-secret", ""),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:   &http.Client{Transport: newAnswerTransport(DefaultMaxInFlight)},
		BaseEndpoint: aws.String("http://127.0.0.1:1"),
	})
	benchPublish(b, client)
}

// BenchmarkEndToEnd sends events over HTTP with the real SDK client to an
// in-process Kinesis endpoint that takes 20 ms per request, about what a
// region answers in: PutRecords batches through Publish at several
// MaxInFlight settings, against one PutRecord call per event, the approach
// this project started from. CPU time counts the whole process, the fake
// server included.
func BenchmarkEndToEnd(b *testing.B) {
	const latency = 20 * time.Millisecond
	srv, err := fakekinesis.New(fakekinesis.Options{Streams: []string{testStream}, Latency: latency, Discard: true})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	records := chatEvents(benchEvents)

	// The one-by-one baseline runs first so that each PutRecords run can
	// report its speed-up over it, measured in the same process and run.
	// Its cpu-ns/event is mostly the process's background work (GC, timers)
	// spread over few events.
	const oneByOne = 100
	var baseline float64
	b.Run("PutRecord-per-event", func(b *testing.B) {
		client := srv.Client(1)
		sent := 0
		report := perEvent(b, func() int { return sent })
		for b.Loop() {
			for _, r := range records[:oneByOne] {
				_, err := client.PutRecord(b.Context(), &kinesis.PutRecordInput{
					StreamName: aws.String(testStream), PartitionKey: aws.String(r.PartitionKey), Data: r.Data,
				})
				if err != nil {
					b.Fatalf("PutRecord() error = %v", err)
				}
				sent++
			}
		}
		report()
		baseline = float64(sent) / b.Elapsed().Seconds()
	})

	for _, inFlight := range []int{1, 2, 4, DefaultMaxInFlight, 16} {
		b.Run(fmt.Sprintf("PutRecords/in-flight=%d", inFlight), func(b *testing.B) {
			p, err := New(srv.Client(inFlight), Options{Stream: testStream, MaxInFlight: inFlight})
			if err != nil {
				b.Fatal(err)
			}
			var src source
			sent := 0
			report := perEvent(b, func() int { return sent })
			for b.Loop() {
				res := p.Publish(b.Context(), src.of(records))
				if res.Sent != len(records) {
					b.Fatalf("Publish() = %+v, want %d sent", res, len(records))
				}
				sent += res.Sent
			}
			report()
			if baseline > 0 {
				b.ReportMetric(float64(sent)/b.Elapsed().Seconds()/baseline, "x-PutRecord")
			}
		})
	}
}
