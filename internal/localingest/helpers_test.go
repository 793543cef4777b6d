package localingest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/chatstream/chatstream/internal/pause"
)

// testContext is cancelled when the test ends or after limit.
func testContext(t testing.TB, limit time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), limit)
	t.Cleanup(cancel)
	return ctx
}

// clock returns the same time until a test moves it.
type clock struct{ now time.Time }

// newClock starts at a time given in a zone east of UTC: refresh_time must
// be its UTC wall time whatever zone the clock reports in.
func newClock() *clock {
	return &clock{now: time.Date(2026, 11, 27, 12, 0, 0, 123456000, time.FixedZone("UTC+2", 2*60*60))}
}

func (c *clock) Now() time.Time { return c.now }

// fixture is one test's stream, schemas and view.
type fixture struct {
	stream, schema string
	view           *View
	clock          *clock
}

// newFixture creates an on-demand stream (4 shards) named after the test,
// and a view into schemas of its own.
func newFixture(t testing.TB, ctx context.Context) *fixture {
	t.Helper()
	f := &fixture{clock: newClock()}
	f.stream, f.schema = names(strings.NewReplacer("/", "-", "_", "-").Replace(strings.ToLower(t.Name())))
	if err := localrun.CreateStream(ctx, streams, f.stream, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	f.view = f.newView(t, streams)
	if err := f.view.Create(ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

// names returns a stream and a schema for base that no earlier run of the
// test in this process used: the tests share one kinesis-local and one
// PostgreSQL, and go test -count=N runs each test N times. The schema keeps
// the run's mark within PostgreSQL's 63 bytes.
func names(base string) (stream, schema string) {
	mark := fmt.Sprintf("%06x", rand.Uint32()&0xffffff)
	schema = "t_" + mark + "_" + strings.ReplaceAll(base, "-", "_")
	return base + "-" + mark, schema[:min(len(schema), 50)]
}

// newView is a view of the fixture's stream that reads through api.
func (f *fixture) newView(t testing.TB, api kinesisReader) *View {
	t.Helper()
	v, err := New(Config{Kinesis: api, DB: pool, Stream: f.stream, Schema: f.schema, StateSchema: f.schema + "_state", Now: f.clock.Now, Wait: pause.For})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// put writes records with the given data to the stream, user ids 1 to 50
// as partition keys, spreading them over the shards.
func (f *fixture) put(t testing.TB, ctx context.Context, data ...string) {
	t.Helper()
	for start := 0; start < len(data); start += 500 {
		var entries []types.PutRecordsRequestEntry
		for i, d := range data[start:min(start+500, len(data))] {
			entries = append(entries, types.PutRecordsRequestEntry{Data: []byte(d), PartitionKey: aws.String(fmt.Sprint((start+i)%50 + 1))})
		}
		out, err := streams.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(f.stream), Records: entries})
		if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
			t.Fatalf("PutRecords: %v, %d failed", err, aws.ToInt32(out.FailedRecordCount))
		}
	}
}

// events returns n JSON events numbered from first.
func events(first, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(`{"event_id":"e%d","event_name":"JOIN","user_id":%d}`, first+i, (first+i)%50+1)
	}
	return out
}

// row is one row of a landing table.
type row struct {
	shard, sequence, key, payload string
	refresh                       time.Time
	hasPayload, hasArrival        bool
}

// rows reads the fixture's landing table, in shard and sequence order.
func (f *fixture) rows(t testing.TB, ctx context.Context) []row {
	t.Helper()
	rs, err := pool.Query(ctx, fmt.Sprintf(`SELECT shard_id, sequence_number, partition_key, refresh_time,
		COALESCE(payload::TEXT, ''), payload IS NOT NULL, approximate_arrival_timestamp IS NOT NULL
		FROM %s.chat_events_stream ORDER BY shard_id, sequence_number::NUMERIC`, f.schema))
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []row
	for rs.Next() {
		var r row
		if err := rs.Scan(&r.shard, &r.sequence, &r.key, &r.refresh, &r.payload, &r.hasPayload, &r.hasArrival); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkExactlyTheStream fails the test unless the landing table holds each
// record of the stream once, and nothing else.
func (f *fixture) checkExactlyTheStream(t testing.TB, ctx context.Context) []row {
	t.Helper()
	records, err := localrun.ReadStream(ctx, streams, f.stream)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{} // shard/sequence -> partition key
	for _, r := range records {
		want[r.ShardID+"/"+r.SequenceNumber] = r.PartitionKey
	}
	rows := f.rows(t, ctx)
	seen := map[string]bool{}
	for _, r := range rows {
		id := r.shard + "/" + r.sequence
		if seen[id] {
			t.Errorf("record %s landed twice", id)
		}
		seen[id] = true
		if key, ok := want[id]; !ok {
			t.Errorf("record %s landed but is not in the stream", id)
		} else if key != r.key {
			t.Errorf("record %s: partition_key %q, want %q", id, r.key, key)
		}
		if !r.hasArrival {
			t.Errorf("record %s: approximate_arrival_timestamp is NULL", id)
		}
	}
	for id := range want {
		if !seen[id] {
			t.Errorf("record %s of the stream did not land", id)
		}
	}
	return rows
}
