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

// maxReadsPerShard bounds GetRecords calls for one shard: with 10,000
// records per call it allows far more than any local run writes.
const maxReadsPerShard = 1000

// ReadStream reads every record in every shard of stream, from the oldest
// (TRIM_HORIZON) to the newest. It is meant for a stream nobody writes to
// while it reads: a shard is done at the first empty read that is not behind
// the tip of the shard.
func ReadStream(ctx context.Context, api streamReader, stream string) ([]Record, error) {
	shards, err := listShards(ctx, api, stream)
	if err != nil {
		return nil, err
	}
	var records []Record
	for _, shard := range shards {
		got, err := readShard(ctx, api, stream, shard)
		if err != nil {
			return nil, err
		}
		records = append(records, got...)
	}
	return records, nil
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

func readShard(ctx context.Context, api streamReader, stream, shard string) ([]Record, error) {
	it, err := api.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
		StreamName:        aws.String(stream),
		ShardId:           aws.String(shard),
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		return nil, fmt.Errorf("get iterator for %s/%s: %w", stream, shard, err)
	}
	iterator := it.ShardIterator
	var records []Record
	for range maxReadsPerShard {
		out, err := api.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iterator, Limit: aws.Int32(10000)})
		if err != nil {
			return nil, fmt.Errorf("get records from %s/%s: %w", stream, shard, err)
		}
		for _, r := range out.Records {
			records = append(records, Record{
				ShardID:        shard,
				PartitionKey:   aws.ToString(r.PartitionKey),
				SequenceNumber: aws.ToString(r.SequenceNumber),
				Data:           r.Data,
				Arrival:        aws.ToTime(r.ApproximateArrivalTimestamp),
			})
		}
		atTip := out.MillisBehindLatest == nil || *out.MillisBehindLatest == 0
		if out.NextShardIterator == nil || (len(out.Records) == 0 && atTip) {
			return records, nil
		}
		iterator = out.NextShardIterator
	}
	return nil, fmt.Errorf("read %s/%s: records still coming after %d reads", stream, shard, maxReadsPerShard)
}
