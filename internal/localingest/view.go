package localingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/chatstream/chatstream/internal/pause"
	chatsql "github.com/chatstream/chatstream/sql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// kinesisReader is the part of the Kinesis API a refresh reads with;
// *kinesis.Client has it.
type kinesisReader interface {
	DescribeStreamSummary(ctx context.Context, params *kinesis.DescribeStreamSummaryInput, optFns ...func(*kinesis.Options)) (*kinesis.DescribeStreamSummaryOutput, error)
	ListShards(ctx context.Context, params *kinesis.ListShardsInput, optFns ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error)
	GetShardIterator(ctx context.Context, params *kinesis.GetShardIteratorInput, optFns ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, params *kinesis.GetRecordsInput, optFns ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error)
}

// database opens transactions on the local warehouse; *pgxpool.Pool and
// *pgx.Conn have it.
type database interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Config says which stream a View reads and where it lands.
type Config struct {
	// Kinesis reads the stream: kinesis-local's client.
	Kinesis kinesisReader
	// DB is the local warehouse.
	DB database
	// Stream is the Kinesis stream's name.
	Stream string
	// Schema holds the landing table, chat_events_stream; empty means
	// sql.DefaultSchema, the schema of the streaming materialized view.
	Schema string
	// StateSchema holds the shard positions; empty means
	// sql.DefaultLocalStateSchema.
	StateSchema string
	// Now is the clock for refresh_time; nil means time.Now.
	Now func() time.Time
	// Wait pauses between retries of a throttled read; nil waits on a
	// timer. It returns ctx's error when ctx ends first.
	Wait func(ctx context.Context, d time.Duration) error
}

// View is the local stand-in for the streaming materialized view: a table
// of the same name and columns, filled by Refresh.
type View struct {
	cfg   Config
	stmts chatsql.LocalIngestStatements
	// beforeCommit, when set, runs after a refresh has written everything
	// and before it commits, so tests can fail it there.
	beforeCommit func(ctx context.Context, tx pgx.Tx) error
}

// New checks cfg and renders the statements.
func New(cfg Config) (*View, error) {
	if cfg.Kinesis == nil || cfg.DB == nil || cfg.Stream == "" {
		return nil, errors.New("localingest: Config.Kinesis, Config.DB and Config.Stream are required")
	}
	if cfg.Schema == "" {
		cfg.Schema = chatsql.DefaultSchema
	}
	if cfg.StateSchema == "" {
		cfg.StateSchema = chatsql.DefaultLocalStateSchema
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Wait == nil {
		cfg.Wait = pause.For
	}
	stmts, err := chatsql.LocalIngest(cfg.Schema, cfg.StateSchema)
	if err != nil {
		return nil, err
	}
	return &View{cfg: cfg, stmts: stmts}, nil
}

// Create makes the landing table and the table of shard positions if they
// do not exist, in one transaction.
func (v *View) Create(ctx context.Context) error {
	return pgx.BeginFunc(ctx, v.cfg.DB, func(tx pgx.Tx) error {
		for _, s := range v.stmts.Setup {
			if _, err := tx.Exec(ctx, s.SQL); err != nil {
				return fmt.Errorf("%s: %w", s.Name, err)
			}
		}
		return nil
	})
}

// Report is what one refresh loaded.
type Report struct {
	// RefreshTime is the refresh_time of every row it loaded: when it
	// started reading.
	RefreshTime time.Time
	// Records is how many records it loaded, Malformed how many of them are
	// not JSON and have a NULL payload.
	Records, Malformed int
	// Shards are the stream's shards, in the order they were read.
	Shards []ShardReport
}

// ShardReport is what one refresh loaded from one shard.
type ShardReport struct {
	// ShardID names the shard.
	ShardID string
	// Records and Malformed count as in Report.
	Records, Malformed int
	// Ended says the shard is closed (split or merged) and read to its end;
	// later refreshes skip it.
	Ended bool
	// Behind says the refresh stopped reading the shard after maxPages
	// pages with more to read; the next refresh goes on from there.
	Behind bool
}

// Refresh reads every shard of the stream from where the previous refresh
// stopped, or from its oldest record the first time, into the landing
// table. Like a refresh of the streaming materialized view, it is one
// transaction: its rows and the new shard positions commit together, so a
// refresh that fails at any point, or a process that dies during one, leaves
// the table and the positions as they were, and the next refresh loads the
// same records once. Refreshes that overlap run one after the other.
func (v *View) Refresh(ctx context.Context) (Report, error) {
	summary, err := v.cfg.Kinesis.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(v.cfg.Stream)})
	if err != nil {
		return Report{}, fmt.Errorf("describe stream %s: %w", v.cfg.Stream, err)
	}
	stream := summary.StreamDescriptionSummary
	if stream == nil || stream.StreamARN == nil || stream.StreamCreationTimestamp == nil {
		return Report{}, fmt.Errorf("describe stream %s: no ARN or creation time in the answer", v.cfg.Stream)
	}
	// kinesis-local forgets its streams when it stops: a stream is its ARN
	// and creation time, so one created again under the same name is read
	// from its start.
	key := pgx.NamedArgs{
		"stream_arn":     aws.ToString(stream.StreamARN),
		"stream_created": stream.StreamCreationTimestamp.UTC().Truncate(time.Microsecond),
	}
	shards, err := listShards(ctx, v.cfg.Kinesis, v.cfg.Stream)
	if err != nil {
		return Report{}, err
	}

	tx, err := v.cfg.DB.Begin(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("refresh %s: begin: %w", v.cfg.Stream, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) // a no-op after Commit
	if _, err := tx.Exec(ctx, v.stmts.Lock.SQL); err != nil {
		return Report{}, fmt.Errorf("refresh %s: %s: %w", v.cfg.Stream, v.stmts.Lock.Name, err)
	}
	positions, err := v.readPositions(ctx, tx, key)
	if err != nil {
		return Report{}, err
	}
	report := Report{RefreshTime: v.cfg.Now().UTC().Truncate(time.Microsecond)}
	for _, shard := range shards {
		id := aws.ToString(shard.ShardId)
		sr, err := v.refreshShard(ctx, tx, key, id, positions[id], report.RefreshTime)
		if err != nil {
			return Report{}, fmt.Errorf("refresh %s: %w; nothing of this refresh is kept", v.cfg.Stream, err)
		}
		report.Shards = append(report.Shards, sr)
		report.Records += sr.Records
		report.Malformed += sr.Malformed
	}
	if v.beforeCommit != nil {
		if err := v.beforeCommit(ctx, tx); err != nil {
			return Report{}, fmt.Errorf("refresh %s: %w; nothing of this refresh is kept", v.cfg.Stream, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		// A commit whose answer was lost may have happened; either way rows
		// and positions went together.
		return Report{}, fmt.Errorf("refresh %s: commit: %w; its rows and shard positions are kept together or not at all, and the next refresh loads what they lack", v.cfg.Stream, err)
	}
	return report, nil
}

// position is where the last committed refresh stopped in a shard.
type position struct {
	after string // the last sequence number loaded; empty for none
	ended bool
}

func (v *View) readPositions(ctx context.Context, tx pgx.Tx, key pgx.NamedArgs) (map[string]position, error) {
	rows, err := tx.Query(ctx, v.stmts.Positions.SQL, key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", v.stmts.Positions.Name, err)
	}
	positions := map[string]position{}
	var shard string
	var after pgtype.Text
	var ended bool
	_, err = pgx.ForEachRow(rows, []any{&shard, &after, &ended}, func() error {
		positions[shard] = position{after: after.String, ended: ended}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", v.stmts.Positions.Name, err)
	}
	return positions, nil
}

// refreshShard lands one shard's new records and moves its position, in tx.
func (v *View) refreshShard(ctx context.Context, tx pgx.Tx, key pgx.NamedArgs, shard string, from position, refreshTime time.Time) (ShardReport, error) {
	report := ShardReport{ShardID: shard, Ended: from.ended}
	if from.ended {
		return report, nil
	}
	r := &shardReader{api: v.cfg.Kinesis, stream: v.cfg.Stream, shard: shard, wait: v.cfg.Wait, after: from.after}
	for pages := 0; ; pages++ {
		if pages == maxPages {
			report.Behind = true
			break
		}
		p, err := r.next(ctx)
		if err != nil {
			return ShardReport{}, err
		}
		if len(p.records) > 0 {
			records, malformed, err := v.insert(ctx, tx, shard, refreshTime, p.records)
			if err != nil {
				return ShardReport{}, err
			}
			report.Records += records
			report.Malformed += malformed
		}
		if p.ended || p.atTip {
			report.Ended = p.ended
			break
		}
	}
	if report.Records == 0 && !report.Ended {
		return report, nil
	}
	args := pgx.NamedArgs{
		"shard_id":        shard,
		"sequence_number": pgtype.Text{String: r.after, Valid: r.after != ""},
		"shard_ended":     report.Ended,
		"refresh_time":    refreshTime,
	}
	for k, val := range key {
		args[k] = val
	}
	if _, err := tx.Exec(ctx, v.stmts.SavePosition.SQL, args); err != nil {
		return ShardReport{}, fmt.Errorf("%s for %s: %w", v.stmts.SavePosition.Name, shard, err)
	}
	return report, nil
}

// insert lands one page of records and returns how many it inserted and
// how many of them are not JSON.
func (v *View) insert(ctx context.Context, tx pgx.Tx, shard string, refreshTime time.Time, records []types.Record) (inserted, malformed int, err error) {
	arrivals := make([]pgtype.Timestamp, len(records))
	keys := make([]string, len(records))
	sequences := make([]string, len(records))
	data := make([]pgtype.Text, len(records))
	for i, rec := range records {
		if rec.ApproximateArrivalTimestamp != nil {
			arrivals[i] = pgtype.Timestamp{Time: rec.ApproximateArrivalTimestamp.UTC(), Valid: true}
		}
		keys[i] = aws.ToString(rec.PartitionKey)
		sequences[i] = aws.ToString(rec.SequenceNumber)
		data[i] = recordText(rec.Data)
	}
	err = tx.QueryRow(ctx, v.stmts.Insert.SQL, pgx.NamedArgs{
		"shard_id":                       shard,
		"refresh_time":                   refreshTime,
		"approximate_arrival_timestamps": arrivals,
		"partition_keys":                 keys,
		"sequence_numbers":               sequences,
		"data":                           data,
	}).Scan(&inserted, &malformed)
	if err != nil {
		return 0, 0, fmt.Errorf("%s from %s: %w", v.stmts.Insert.Name, shard, err)
	}
	if inserted != len(records) {
		return 0, 0, fmt.Errorf("%s from %s: inserted %d of %d records", v.stmts.Insert.Name, shard, inserted, len(records))
	}
	return inserted, malformed, nil
}

// recordText is a record's data as PostgreSQL text, for its JSON parser to
// judge. Text cannot hold invalid UTF-8 or a NUL byte, and JSON can hold
// neither, so such data is NULL: not JSON.
func recordText(data []byte) pgtype.Text {
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return pgtype.Text{}
	}
	return pgtype.Text{String: string(data), Valid: true}
}
