package localrun

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// streamCreator is the part of the Kinesis API that CreateStream uses.
type streamCreator interface {
	CreateStream(ctx context.Context, params *kinesis.CreateStreamInput, optFns ...func(*kinesis.Options)) (*kinesis.CreateStreamOutput, error)
	DescribeStream(ctx context.Context, params *kinesis.DescribeStreamInput, optFns ...func(*kinesis.Options)) (*kinesis.DescribeStreamOutput, error)
}

// CreateStream creates an on-demand stream and waits up to timeout for it to
// become ACTIVE.
func CreateStream(ctx context.Context, api streamCreator, name string, timeout time.Duration) error {
	_, err := api.CreateStream(ctx, &kinesis.CreateStreamInput{
		StreamName:        aws.String(name),
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand},
	})
	if err != nil {
		return fmt.Errorf("create stream %s: %w", name, err)
	}
	// The waiter's defaults (10 s to 120 s between polls) suit AWS, not an
	// emulator that activates a stream in half a second.
	waiter := kinesis.NewStreamExistsWaiter(api, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = time.Second
	})
	if err := waiter.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, timeout); err != nil {
		return fmt.Errorf("wait for stream %s to become active: %w", name, err)
	}
	return nil
}

// streamReader is the part of the Kinesis API that ReadStream uses.
type streamReader interface {
	ListShards(ctx context.Context, params *kinesis.ListShardsInput, optFns ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error)
	GetShardIterator(ctx context.Context, params *kinesis.GetShardIteratorInput, optFns ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, params *kinesis.GetRecordsInput, optFns ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error)
}

// Record is one Kinesis record as read back from its shard.
type Record struct {
	// ShardID is the shard the record was read from.
	ShardID string
	// PartitionKey is the key the producer chose.
	PartitionKey string
	// SequenceNumber is the record's position in its shard.
	SequenceNumber string
	// Data is the record's payload.
	Data []byte
	// Arrival is the record's ApproximateArrivalTimestamp: when the stream
	// took it.
	Arrival time.Time
}

// maxReadsPerShard bounds the GetRecords calls for one shard in one Poll or
// Drain: with up to getRecordsLimit records per call it allows far more than
// a local run writes.
const maxReadsPerShard = 1000

// getRecordsLimit is the most records one GetRecords call returns, as in
// Kinesis.
const getRecordsLimit = 10000

// ReadStream reads every record in every shard of stream, from the oldest
// (TRIM_HORIZON) to the newest. It is meant for a stream nobody writes to
// while it reads: a shard is done at the first empty read that is not behind
// the tip of the shard.
func ReadStream(ctx context.Context, api streamReader, stream string) ([]Record, error) {
	return NewReader(api, stream).Drain(ctx)
}

// Reader reads a stream shard by shard from its oldest record and remembers
// where each shard's reading stopped. Poll can be called while the stream is
// written, to follow it; Drain then reads only what is new. A Reader is not
// safe for concurrent use.
type Reader struct {
	api     streamReader
	stream  string
	cursors []*shardCursor // nil until the first read lists the shards
	read    int
}

// shardCursor is where the reading of one shard stopped.
type shardCursor struct {
	id       string
	iterator *string // nil before the first read
	closed   bool    // the shard has no more records: no next iterator
}

// NewReader returns a Reader of stream that has read nothing yet.
func NewReader(api streamReader, stream string) *Reader {
	return &Reader{api: api, stream: stream}
}

// Read is how many records the Reader has returned so far.
func (r *Reader) Read() int { return r.read }

// Poll returns the records that arrived since the last Poll or Drain: for
// each shard it reads until a read comes back empty or at the tip.
func (r *Reader) Poll(ctx context.Context) ([]Record, error) {
	return r.readAll(ctx, false)
}

// Drain returns every record not yet returned, reading each shard to its
// end: for a stream nobody writes to any more, a shard is done at the first
// empty read that is not behind its tip.
func (r *Reader) Drain(ctx context.Context) ([]Record, error) {
	return r.readAll(ctx, true)
}

func (r *Reader) readAll(ctx context.Context, drain bool) ([]Record, error) {
	if r.cursors == nil {
		shards, err := listShards(ctx, r.api, r.stream)
		if err != nil {
			return nil, err
		}
		r.cursors = make([]*shardCursor, len(shards))
		for i, id := range shards {
			r.cursors[i] = &shardCursor{id: id}
		}
	}
	var records []Record
	for _, c := range r.cursors {
		got, err := r.readShard(ctx, c, drain)
		records = append(records, got...)
		if err != nil {
			r.read += len(records)
			return records, err
		}
	}
	r.read += len(records)
	return records, nil
}

func (r *Reader) readShard(ctx context.Context, c *shardCursor, drain bool) ([]Record, error) {
	if c.closed {
		return nil, nil
	}
	if c.iterator == nil {
		it, err := r.api.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
			StreamName:        aws.String(r.stream),
			ShardId:           aws.String(c.id),
			ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			return nil, fmt.Errorf("get iterator for %s/%s: %w", r.stream, c.id, err)
		}
		c.iterator = it.ShardIterator
	}
	var records []Record
	for range maxReadsPerShard {
		out, err := r.api.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: c.iterator, Limit: aws.Int32(getRecordsLimit)})
		if err != nil {
			return records, fmt.Errorf("get records from %s/%s: %w", r.stream, c.id, err)
		}
		for _, rec := range out.Records {
			records = append(records, Record{
				ShardID:        c.id,
				PartitionKey:   aws.ToString(rec.PartitionKey),
				SequenceNumber: aws.ToString(rec.SequenceNumber),
				Data:           rec.Data,
				Arrival:        aws.ToTime(rec.ApproximateArrivalTimestamp),
			})
		}
		if out.NextShardIterator == nil {
			c.closed = true
			return records, nil
		}
		c.iterator = out.NextShardIterator
		atTip := out.MillisBehindLatest == nil || *out.MillisBehindLatest == 0
		empty := len(out.Records) == 0
		if (drain && empty && atTip) || (!drain && (empty || atTip)) {
			return records, nil
		}
	}
	return records, fmt.Errorf("read %s/%s: records still coming after %d reads", r.stream, c.id, maxReadsPerShard)
}

func listShards(ctx context.Context, api streamReader, stream string) ([]string, error) {
	var shards []string
	in := &kinesis.ListShardsInput{StreamName: aws.String(stream)}
	for page := 0; ; page++ {
		if page == 100 {
			return nil, fmt.Errorf("list shards of %s: more than 100 pages", stream)
		}
		out, err := api.ListShards(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list shards of %s: %w", stream, err)
		}
		for _, s := range out.Shards {
			shards = append(shards, aws.ToString(s.ShardId))
		}
		if out.NextToken == nil {
			return shards, nil
		}
		// A NextToken request must not name the stream.
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
}

// streamDeleter is the part of the Kinesis API that RecreateStream uses.
type streamDeleter interface {
	streamCreator
	DeleteStream(ctx context.Context, params *kinesis.DeleteStreamInput, optFns ...func(*kinesis.Options)) (*kinesis.DeleteStreamOutput, error)
}

// RecreateStream deletes stream, waits up to timeout for it to be gone, and
// creates it again, empty.
func RecreateStream(ctx context.Context, api streamDeleter, name string, timeout time.Duration) error {
	if _, err := api.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String(name)}); err != nil {
		return fmt.Errorf("delete stream %s: %w", name, err)
	}
	waiter := kinesis.NewStreamNotExistsWaiter(api, func(o *kinesis.StreamNotExistsWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = time.Second
	})
	if err := waiter.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, timeout); err != nil {
		return fmt.Errorf("wait for stream %s to be deleted: %w", name, err)
	}
	return CreateStream(ctx, api, name, timeout)
}
