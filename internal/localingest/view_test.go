package localingest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/jackc/pgx/v5"
)

func TestRefresh(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	f := newFixture(t, ctx)

	t.Run("the first refresh reads every shard from the oldest record", func(t *testing.T) {
		// GIVEN 200 events and four records that are not JSON to PostgreSQL:
		// text, a cut-off object, bytes that are not UTF-8, and a NUL
		// character, which JSONB cannot hold
		malformed := []string{"not json", `{"event_id": "cut off`, "\xff\xfe invalid UTF-8", `{"event_id": "e\u0000"}`}
		f.put(t, ctx, append(events(0, 200), malformed...)...)

		// WHEN the view is refreshed
		report, err := f.view.Refresh(ctx)
		if err != nil {
			t.Fatal(err)
		}

		// THEN it holds each record once, the malformed with a NULL payload
		if report.Records != 204 || report.Malformed != 4 {
			t.Errorf("report = %d records, %d malformed; want 204, 4", report.Records, report.Malformed)
		}
		if len(report.Shards) != 4 {
			t.Errorf("report has %d shards, want the on-demand stream's 4", len(report.Shards))
		}
		perShard := 0
		for _, s := range report.Shards {
			if s.Records == 0 || s.Ended || s.Behind {
				t.Errorf("shard %s: %+v; want records from each open shard, read to its tip", s.ShardID, s)
			}
			perShard += s.Records
		}
		if perShard != report.Records {
			t.Errorf("shard records add up to %d, want %d", perShard, report.Records)
		}
		rows := f.checkExactlyTheStream(t, ctx)
		nulls := 0
		for _, r := range rows {
			if !r.refresh.Equal(f.clock.now) {
				t.Errorf("record %s: refresh_time %s, want the refresh's start %s", r.sequence, r.refresh, f.clock.now)
			}
			if !r.hasPayload {
				nulls++
			} else if !strings.HasPrefix(r.payload, `{"user_id": `) {
				t.Errorf("record %s: payload %s, want the event as JSONB", r.sequence, r.payload)
			}
		}
		if nulls != 4 {
			t.Errorf("%d rows with a NULL payload, want 4", nulls)
		}
	})

	t.Run("a second refresh continues where the first stopped", func(t *testing.T) {
		// GIVEN 100 more events, a minute later
		f.put(t, ctx, events(200, 100)...)
		f.clock.now = f.clock.now.Add(time.Minute)

		// WHEN the view is refreshed
		report, err := f.view.Refresh(ctx)
		if err != nil {
			t.Fatal(err)
		}

		// THEN it loaded only the new ones, with the new refresh_time
		if report.Records != 100 || report.Malformed != 0 {
			t.Errorf("report = %d records, %d malformed; want 100, 0", report.Records, report.Malformed)
		}
		rows := f.checkExactlyTheStream(t, ctx)
		newer := 0
		for _, r := range rows {
			if r.refresh.Equal(f.clock.now) {
				newer++
			}
		}
		if newer != 100 {
			t.Errorf("%d rows of the second refresh, want 100", newer)
		}
	})

	t.Run("a refresh with nothing new loads nothing", func(t *testing.T) {
		report, err := f.view.Refresh(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if report.Records != 0 {
			t.Errorf("report = %d records, want 0", report.Records)
		}
		if n := len(f.rows(t, ctx)); n != 304 {
			t.Errorf("table holds %d rows, want 304", n)
		}
	})

	t.Run("a crash between reading and committing loses and doubles nothing", func(t *testing.T) {
		// GIVEN 50 more events, and a refresh whose client dies before it commits
		f.put(t, ctx, events(300, 50)...)
		crashing := f.newView(t, streams)
		crashing.beforeCommit = func(ctx context.Context, tx pgx.Tx) error {
			// The server sees the client vanish mid-transaction.
			return errors.Join(errors.New("crashed"), tx.Conn().Close(ctx))
		}
		if _, err := crashing.Refresh(ctx); err == nil || !strings.Contains(err.Error(), "nothing of this refresh is kept") {
			t.Fatalf("crashing Refresh = %v; want it to fail and say nothing was kept", err)
		}
		if n := len(f.rows(t, ctx)); n != 304 {
			t.Fatalf("after the crash the table holds %d rows, want the 304 from before", n)
		}

		// WHEN the view is refreshed again
		report, err := f.view.Refresh(ctx)
		if err != nil {
			t.Fatal(err)
		}

		// THEN it loads the 50 once
		if report.Records != 50 {
			t.Errorf("report = %d records, want 50", report.Records)
		}
		if rows := f.checkExactlyTheStream(t, ctx); len(rows) != 354 {
			t.Errorf("table holds %d rows, want 354", len(rows))
		}
	})

	t.Run("a Kinesis failure halfway loses and doubles nothing", func(t *testing.T) {
		// GIVEN 50 more events, and a stream that fails on the third shard
		f.put(t, ctx, events(350, 50)...)
		failing := f.newView(t, &failOnShard{kinesisReader: streams, shard: 2})
		if _, err := failing.Refresh(ctx); err == nil || !strings.Contains(err.Error(), "nothing of this refresh is kept") {
			t.Fatalf("failing Refresh = %v; want it to fail and say nothing was kept", err)
		}

		// WHEN the view is refreshed again, THEN it loads the 50 once
		report, err := f.view.Refresh(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if report.Records != 50 {
			t.Errorf("report = %d records, want 50", report.Records)
		}
		if rows := f.checkExactlyTheStream(t, ctx); len(rows) != 404 {
			t.Errorf("table holds %d rows, want 404", len(rows))
		}
	})
}

// failOnShard fails GetShardIterator for the shard at index shard of the
// order a refresh reads them in.
type failOnShard struct {
	kinesisReader
	shard int
	seen  []string
}

func (f *failOnShard) GetShardIterator(ctx context.Context, in *kinesis.GetShardIteratorInput, opts ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error) {
	f.seen = append(f.seen, aws.ToString(in.ShardId))
	if len(f.seen) == f.shard+1 {
		return nil, &types.InvalidArgumentException{Message: aws.String("injected failure")}
	}
	return f.kinesisReader.GetShardIterator(ctx, in, opts...)
}

func TestOverlappingRefreshesLoadOnce(t *testing.T) {
	// GIVEN 300 events and three views of the same stream
	ctx := testContext(t, 2*time.Minute)
	f := newFixture(t, ctx)
	f.put(t, ctx, events(0, 300)...)

	// WHEN they refresh at the same time
	var wg sync.WaitGroup
	reports := make([]Report, 3)
	errs := make([]error, 3)
	for i := range reports {
		v := f.newView(t, streams)
		wg.Go(func() { reports[i], errs[i] = v.Refresh(ctx) })
	}
	wg.Wait()

	// THEN one loads every record and the others find nothing new
	total := 0
	for i := range reports {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		total += reports[i].Records
	}
	if total != 300 {
		t.Errorf("the refreshes loaded %d records in all, want 300", total)
	}
	f.checkExactlyTheStream(t, ctx)
}

func TestRefreshReadsClosedShardsToTheirEnd(t *testing.T) {
	// GIVEN a provisioned stream of one shard with 100 events, then split in two
	// and given 100 more
	ctx := testContext(t, 2*time.Minute)
	f := &fixture{clock: newClock()}
	f.stream, f.schema = names("closed-shards")
	if _, err := streams.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(f.stream), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, ctx, f.stream)
	f.view = f.newView(t, streams)
	if err := f.view.Create(ctx); err != nil {
		t.Fatal(err)
	}
	f.put(t, ctx, events(0, 100)...)
	if _, err := streams.UpdateShardCount(ctx, &kinesis.UpdateShardCountInput{
		StreamName: aws.String(f.stream), TargetShardCount: aws.Int32(2), ScalingType: types.ScalingTypeUniformScaling,
	}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, ctx, f.stream)
	f.put(t, ctx, events(100, 100)...)

	// WHEN the view is refreshed
	report, err := f.view.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// THEN it read the closed parent to its end before its children
	if report.Records != 200 || len(report.Shards) != 3 {
		t.Fatalf("report = %d records from %d shards; want 200 from the parent and its 2 children: %+v", report.Records, len(report.Shards), report.Shards)
	}
	if parent := report.Shards[0]; !parent.Ended || parent.Records != 100 {
		t.Errorf("first shard read = %+v; want the closed parent, ended, with its 100 records", parent)
	}
	for _, child := range report.Shards[1:] {
		if child.Ended {
			t.Errorf("child %+v ended; want it open", child)
		}
	}
	f.checkExactlyTheStream(t, ctx)

	// AND a later refresh skips the ended parent and doubles nothing
	f.put(t, ctx, events(200, 20)...)
	calls := &countIterators{kinesisReader: streams}
	report, err = f.newView(t, calls).Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if report.Records != 20 || !report.Shards[0].Ended || report.Shards[0].Records != 0 {
		t.Errorf("second report = %+v; want 20 records, none from the ended parent", report)
	}
	if calls.byShard[report.Shards[0].ShardID] != 0 {
		t.Errorf("the ended parent was read again")
	}
	f.checkExactlyTheStream(t, ctx)
}

// countIterators counts GetShardIterator calls per shard.
type countIterators struct {
	kinesisReader
	byShard map[string]int
}

func (c *countIterators) GetShardIterator(ctx context.Context, in *kinesis.GetShardIteratorInput, opts ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error) {
	if c.byShard == nil {
		c.byShard = map[string]int{}
	}
	c.byShard[aws.ToString(in.ShardId)]++
	return c.kinesisReader.GetShardIterator(ctx, in, opts...)
}

// waitActive waits until stream is ACTIVE again after a change.
func waitActive(t *testing.T, ctx context.Context, stream string) {
	t.Helper()
	waiter := kinesis.NewStreamExistsWaiter(streams, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 100*time.Millisecond, time.Second
	})
	if err := waiter.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(stream)}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestAStreamCreatedAgainIsReadFromItsStart(t *testing.T) {
	// GIVEN a refreshed stream that is deleted and created again under its
	// name, as when kinesis-local restarts, with new records
	ctx := testContext(t, 2*time.Minute)
	f := newFixture(t, ctx)
	f.put(t, ctx, events(0, 40)...)
	if _, err := f.view.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	before := createdAt(t, ctx, f.stream)
	if _, err := streams.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String(f.stream)}); err != nil {
		t.Fatal(err)
	}
	waiter := kinesis.NewStreamNotExistsWaiter(streams, func(o *kinesis.StreamNotExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 100*time.Millisecond, time.Second
	})
	if err := waiter.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(f.stream)}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := localrun.CreateStream(ctx, streams, f.stream, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if after := createdAt(t, ctx, f.stream); after.Equal(before) {
		t.Fatalf("the stream created again has the creation time of the first, %s", after)
	}
	f.put(t, ctx, events(40, 30)...)

	// WHEN the view is refreshed
	report, err := f.view.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// THEN it read the new stream from its oldest record
	if report.Records != 30 {
		t.Errorf("report = %d records, want the new stream's 30", report.Records)
	}
	if n := len(f.rows(t, ctx)); n != 70 {
		t.Errorf("table holds %d rows, want 40 + 30", n)
	}
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "no stream", cfg: Config{Kinesis: streams, DB: pool}, wantErr: "Config.Kinesis, Config.DB and Config.Stream are required"},
		{name: "schema PostgreSQL would truncate", cfg: Config{Kinesis: streams, DB: pool, Stream: "s", Schema: strings.Repeat("s", 64)}, wantErr: "schema: identifier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New = %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// createdAt is the stream's creation time.
func createdAt(t *testing.T, ctx context.Context, stream string) time.Time {
	t.Helper()
	out, err := streams.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(stream)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToTime(out.StreamDescriptionSummary.StreamCreationTimestamp)
}
