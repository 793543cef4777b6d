package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/chatstream/chatstream/internal/localrun"
)

// growingStream is a one-shard stream that a test writes to while a
// follower reads it. An iterator is the index of the next record.
type growingStream struct {
	mu      sync.Mutex
	records []string
}

func (g *growingStream) put(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for range n {
		g.records = append(g.records, fmt.Sprintf("record-%d", len(g.records)))
	}
}

func (g *growingStream) ListShards(context.Context, *kinesis.ListShardsInput, ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error) {
	return &kinesis.ListShardsOutput{Shards: []types.Shard{{ShardId: aws.String("s0")}}}, nil
}

func (g *growingStream) GetShardIterator(context.Context, *kinesis.GetShardIteratorInput, ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error) {
	return &kinesis.GetShardIteratorOutput{ShardIterator: aws.String("0")}, nil
}

func (g *growingStream) GetRecords(_ context.Context, in *kinesis.GetRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	from, _ := strconv.Atoi(aws.ToString(in.ShardIterator))
	out := &kinesis.GetRecordsOutput{NextShardIterator: aws.String(strconv.Itoa(len(g.records))), MillisBehindLatest: aws.Int64(0)}
	for i, data := range g.records[from:] {
		out.Records = append(out.Records, types.Record{Data: []byte(data), PartitionKey: aws.String("1"), SequenceNumber: aws.String(strconv.Itoa(from + i))})
	}
	return out, nil
}

// lineWriter collects output and signals each line.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines chan struct{}
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for range bytes.Count(p, []byte("\n")) {
		select {
		case w.lines <- struct{}{}:
		default:
		}
	}
	return w.buf.Write(p)
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestFollowerReportsProgress: a long tick used to print nothing until it
// ended, minutes later.
func TestFollowerReportsProgress(t *testing.T) {
	// GIVEN a follower that reports every 10 ms on a stream being written
	stream := &growingStream{}
	out := &lineWriter{lines: make(chan struct{}, 100)}
	f := newFollower(localrun.NewReader(stream, "events"), out)
	f.every, f.gap = 10*time.Millisecond, time.Millisecond

	// WHEN an invocation writes 100 events in two halves, each time until a
	// progress line shows them
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	inv, err := f.invoke(ctx, "tick 1/1    ", 100, func(ctx context.Context) (localrun.Invocation, error) {
		for _, want := range []string{", 50 of 100 events", ", 100 of 100 events"} {
			stream.put(50)
			for !strings.Contains(out.String(), want) {
				select {
				case <-out.lines:
				case <-ctx.Done():
					return localrun.Invocation{}, fmt.Errorf("no progress line with %q: %w", want, ctx.Err())
				}
			}
		}
		return localrun.Invocation{Result: localrun.Result{Sent: 100}}, nil
	})
	if err != nil || inv.Result.Sent != 100 {
		t.Fatalf("invoke = %+v, %v; want the call's result", inv, err)
	}

	// THEN the lines count the records read so far, and afterwards every
	// record has been read and counted once
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	re := regexp.MustCompile(`^tick 1/1    … \d+s, (\d+) of 100 events in the stream$`)
	last := 0
	for _, line := range lines {
		m := re.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("progress line %q does not match %s", line, re)
		}
		n, _ := strconv.Atoi(m[1])
		if n < last || n > 100 {
			t.Errorf("progress went from %d to %d of 100", last, n)
		}
		last = n
	}
	if len(f.records) != 100 {
		t.Errorf("%d records read, want 100", len(f.records))
	}
}
