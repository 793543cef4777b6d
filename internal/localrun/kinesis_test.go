package localrun

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

func TestKinesisLocal(t *testing.T) {
	// GIVEN kinesis-local started by the harness
	k := startKinesis(t)
	ctx := testContext(t, 2*time.Minute)

	t.Run("listens on loopback only", func(t *testing.T) {
		assertLoopbackOnly(t, "kinesis-local", k.proc.pid())
	})

	t.Run("stream round trip", func(t *testing.T) {
		// WHEN a stream is created and 200 records with 50 keys are put
		const stream = "roundtrip"
		if err := CreateStream(ctx, k.Client, stream, 30*time.Second); err != nil {
			t.Fatal(err)
		}
		summary, err := k.Client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(stream)})
		if err != nil {
			t.Fatal(err)
		}
		if mode := summary.StreamDescriptionSummary.StreamModeDetails.StreamMode; mode != types.StreamModeOnDemand {
			t.Errorf("stream mode = %s, want ON_DEMAND", mode)
		}
		var entries []types.PutRecordsRequestEntry
		for i := range 200 {
			entries = append(entries, types.PutRecordsRequestEntry{
				Data:         fmt.Appendf(nil, "record-%d", i),
				PartitionKey: aws.String(fmt.Sprint(i % 50)),
			})
		}
		out, err := k.Client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries})
		if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
			t.Fatalf("PutRecords: %v, %d failed", err, aws.ToInt32(out.FailedRecordCount))
		}

		// THEN reading back returns each record once, spread over several shards
		records, err := ReadStream(ctx, k.Client, stream)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		shards := map[string]bool{}
		for _, r := range records {
			seen[string(r.Data)] = true
			shards[r.ShardID] = true
		}
		if len(records) != 200 || len(seen) != 200 {
			t.Errorf("read %d records, %d distinct; want 200 and 200", len(records), len(seen))
		}
		if len(shards) < 2 {
			t.Errorf("records on %d shards, want more than one for 50 keys over 4 shards", len(shards))
		}
	})

	t.Run("a reader follows the stream, and recreating it empties it", func(t *testing.T) {
		const stream = "follow"
		if err := CreateStream(ctx, k.Client, stream, 30*time.Second); err != nil {
			t.Fatal(err)
		}
		put := func(from, n int) {
			t.Helper()
			var entries []types.PutRecordsRequestEntry
			for i := from; i < from+n; i++ {
				entries = append(entries, types.PutRecordsRequestEntry{Data: fmt.Appendf(nil, "record-%d", i), PartitionKey: aws.String(fmt.Sprint(i))})
			}
			if _, err := k.Client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries}); err != nil {
				t.Fatal(err)
			}
		}
		// WHEN 100 records are put, polled, and 50 more put and drained
		r := NewReader(k.Client, stream)
		put(0, 100)
		first, err := r.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		put(100, 50)
		rest, err := r.Drain(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// THEN the poll saw the first 100 and the drain only the new 50
		if len(first) != 100 || len(rest) != 50 || r.Read() != 150 {
			t.Errorf("poll %d, drain %d, read %d; want 100, 50, 150", len(first), len(rest), r.Read())
		}
		// WHEN the stream is recreated and 10 records put, THEN only those
		// 10 are in it
		if err := RecreateStream(ctx, k.Client, stream, 30*time.Second); err != nil {
			t.Fatal(err)
		}
		put(150, 10)
		after, err := ReadStream(ctx, k.Client, stream)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != 10 {
			t.Errorf("read %d records after recreating the stream and putting 10, want 10", len(after))
		}
	})

	t.Run("explicit port in use", func(t *testing.T) {
		// GIVEN the port of the running kinesis-local, asked for again
		_, portText, _ := net.SplitHostPort(k.Endpoint[len("http://"):])
		var port int
		fmt.Sscan(portText, &port)
		dir, err := KinesisLocalDir(repoRoot(t))
		if err != nil {
			t.Fatal(err)
		}
		work := t.TempDir()
		_, err = StartKinesis(ctx, KinesisConfig{Dir: dir, WorkDir: work, Port: port})
		var inUse *PortInUseError
		if !errors.As(err, &inUse) || inUse.Port != port {
			t.Fatalf("StartKinesis on busy port %d: error = %v, want *PortInUseError", port, err)
		}
		// THEN it refused before starting anything: no preload, no log
		if left, err := os.ReadDir(work); err != nil || len(left) != 0 {
			t.Errorf("work folder after the refusal holds %v (%v), want nothing: the check comes before the start", left, err)
		}
	})
}

func TestKinesisStopEndsTheProcess(t *testing.T) {
	k := startKinesis(t)
	pid := k.proc.pid()
	if err := k.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("after Stop, signal 0 to pid %d = %v, want ESRCH (no such process)", pid, err)
	}
	conn, err := net.DialTimeout("tcp", k.Endpoint[len("http://"):], time.Second)
	if err == nil {
		conn.Close()
		t.Errorf("after Stop, %s still accepts connections", k.Endpoint)
	}
	// A second Stop, as t.Cleanup does, is harmless.
	if err := k.Stop(); err != nil {
		t.Errorf("second Stop = %v, want nil", err)
	}
}

func TestStartKinesisReportsEarlyExit(t *testing.T) {
	// A folder without kinesis-local makes node exit at once.
	_, err := StartKinesis(context.Background(), KinesisConfig{Dir: t.TempDir(), WorkDir: t.TempDir(), StartTimeout: 30 * time.Second})
	if err == nil {
		t.Fatal("StartKinesis without main.js succeeded")
	}
	if want := "kinesis-local exited"; !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want %q with node's output", err, want)
	}
}
