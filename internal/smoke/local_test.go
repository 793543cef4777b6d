package smoke

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	schedtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/chatstream/chatstream/internal/localrun"
)

// duplicatingInvoker invokes the real producer, then writes copies of some
// of the run's records to the stream again, as a PutRecords request whose
// answer was lost and that was resent would.
type duplicatingInvoker struct {
	invoker
	local  *localrun.Local
	tail   *streamTail
	copies int
	t      *testing.T
}

func (d *duplicatingInvoker) Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	out, err := d.invoker.Invoke(ctx, in, optFns...)
	if err != nil {
		return out, err
	}
	var p manualPayload
	if err := json.Unmarshal(in.Payload, &p); err != nil {
		return nil, err
	}
	records, err := d.tail.read(ctx)
	if err != nil {
		return nil, err
	}
	var again []kinesistypes.PutRecordsRequestEntry
	for _, r := range records {
		if len(again) < d.copies && bytes.Contains(r.Data, []byte(`"run_id":"`+p.RunID+`"`)) {
			again = append(again, kinesistypes.PutRecordsRequestEntry{Data: r.Data, PartitionKey: aws.String(r.PartitionKey)})
		}
	}
	put, err := d.local.Kinesis.Client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(d.local.Stream), Records: again})
	if err != nil || aws.ToInt32(put.FailedRecordCount) != 0 || len(again) != d.copies {
		d.t.Errorf("put %d copies of %d wanted: %v", len(again), d.copies, err)
	}
	return out, nil
}

// TestAgainstLocalProducer runs the whole command against the real producer
// binary under the Lambda Runtime Interface Emulator, writing to
// kinesis-local, with a fake of the Data API that answers from what the
// stream holds.
func TestAgainstLocalProducer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the producer and the emulator and starts kinesis-local")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	root, err := localrun.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	local, err := localrun.Start(ctx, localrun.Config{Root: root, WorkDir: t.TempDir(), Stream: testStream})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, log := range []string{local.Emulator.Log, local.Kinesis.Log} {
				if b, err := os.ReadFile(log); err == nil {
					t.Logf("%s:\n%s", log, lastLines(string(b), 30))
				}
			}
		}
		if err := local.Close(); err != nil {
			t.Error(err)
		}
	})
	// The command's own kind of Lambda client, pointed at the emulator,
	// which serves its one function under the name "function".
	producer := lambda.New(lambda.Options{
		Region:       local.Kinesis.Region,
		BaseEndpoint: aws.String(local.Emulator.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		Retryer:      aws.NopRetryer{},
	})

	// One reader for every run: they share the stream, and their own run
	// ids keep them apart.
	tail := newStreamTail(local.Kinesis.Client, local.Stream)
	const events = 200
	tests := []struct {
		name    string
		arrival arrival
		args    []string
		setup   func(w *fakeWarehouse)
		copies  int
		want    int
		golden  string
		check   func(t *testing.T, w *fakeWarehouse, progress []int)
	}{
		{
			name:    "success",
			arrival: after(300 * time.Millisecond),
			want:    ExitPass,
			golden:  "local_success.golden",
			check: func(t *testing.T, w *fakeWarehouse, _ []int) {
				if calls := w.called(); calls[len(calls)-1] != "smoke_latency" || strings.Contains(strings.Join(calls, " "), "scan_errors") {
					t.Errorf("statements %v; want polls, the latency, and no diagnosis", calls)
				}
			},
		},
		{
			// From 2 s for the first event id to 3.99 s for the last,
			// counted from the first poll that reads the run: that poll
			// sees none of it and later ones see it grow, however long the
			// invocation took.
			name: "slow arrival",
			arrival: func(rank, n int) (time.Duration, bool) {
				return 2*time.Second + time.Duration(rank)*10*time.Millisecond, true
			},
			want:   ExitPass,
			golden: "local_slow.golden",
			check: func(t *testing.T, _ *fakeWarehouse, progress []int) {
				if len(progress) < 2 || progress[0] >= events || progress[len(progress)-1] != events {
					t.Errorf("progress %v; want a poll that saw part of the run before one saw all %d", progress, events)
				}
			},
		},
		{
			name: "partial arrival",
			arrival: func(rank, n int) (time.Duration, bool) {
				return 300 * time.Millisecond, rank < n*9/10
			},
			args:   []string{"-timeout", "3s"},
			want:   ExitFail,
			golden: "local_partial.golden",
		},
		{
			name:    "duplicates",
			arrival: after(300 * time.Millisecond),
			copies:  7,
			want:    ExitPass,
			golden:  "local_duplicates.golden",
		},
		{
			name:    "failed statement",
			arrival: after(300 * time.Millisecond),
			setup: func(w *fakeWarehouse) {
				w.fail = map[string]string{
					"smoke_progress":   `ERROR: relation "chatstream.chat_events" does not exist`,
					"smoke_newest_row": `ERROR: relation "chatstream.chat_events_stream" does not exist`,
				}
				w.view, w.refresh = nil, nil
			},
			want:   ExitFail,
			golden: "local_failed_statement.golden",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newFakeWarehouse(t, tail.read, tt.arrival)
			if tt.setup != nil {
				tt.setup(w)
			}
			var fn invoker = producer
			if tt.copies > 0 {
				fn = &duplicatingInvoker{invoker: producer, local: local, tail: tail, copies: tt.copies, t: t}
			}
			deps := Deps{
				NewClients: func(context.Context) (Clients, error) {
					return Clients{Stacks: stagingStack("function"), Lambda: fn, Data: w, Schedules: fakeSchedules{state: schedtypes.ScheduleStateEnabled}}, nil
				},
				NewRunID: fixedRunID("smoke-20261127T100000Z-" + strings.ReplaceAll(tt.name, " ", "-")),
			}
			args := append([]string{"-env", "staging", "-count", strconv.Itoa(events), "-poll", "100ms", "-timeout", "30s"}, tt.args...)
			var stdout, stderr bytes.Buffer
			start := time.Now()
			code := Main(ctx, args, &stdout, &stderr, deps)
			t.Logf("%s in %s\n%s%s", tt.name, time.Since(start).Round(time.Millisecond), stderr.String(), stdout.String())
			if code != tt.want {
				t.Errorf("exit code %d, want %d; report:\n%s", code, tt.want, stdout.String())
			}
			goldenReport(t, tt.golden, stdout.String())
			if tt.check != nil {
				tt.check(t, w, visibleCounts(t, stderr.String()))
			}
		})
	}
}

// visibleCounts reads the "N of M events visible" progress lines.
func visibleCounts(t *testing.T, progress string) []int {
	t.Helper()
	var counts []int
	for _, line := range strings.Split(progress, "\n") {
		var secs float64
		var n, of int
		if _, err := fmt.Sscanf(strings.TrimSpace(line), "%fs %d of %d events visible", &secs, &n, &of); err == nil {
			counts = append(counts, n)
		}
	}
	return counts
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
