package smoke

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/chatstream/chatstream/internal/localrun"
)

// streamTail reads a Kinesis stream the way streaming ingestion does: each
// read picks up in every shard where the last one stopped, so a poll costs
// one GetRecords per shard however much the stream already holds.
type streamTail struct {
	client *kinesis.Client
	stream string

	mu        sync.Mutex
	iterators map[string]*string // by shard; nil until the first read
	records   []localrun.Record
}

func newStreamTail(client *kinesis.Client, stream string) *streamTail {
	return &streamTail{client: client, stream: stream}
}

// maxReadsPerRefresh bounds the GetRecords calls of one shard in one read.
const maxReadsPerRefresh = 100

// read returns every record the stream has received so far.
func (s *streamTail) read(ctx context.Context) ([]localrun.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.iterators == nil {
		if err := s.start(ctx); err != nil {
			return nil, err
		}
	}
	for shard, it := range s.iterators {
		for range maxReadsPerRefresh {
			out, err := s.client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it, Limit: aws.Int32(10000)})
			if err != nil {
				return nil, fmt.Errorf("get records from %s/%s: %w", s.stream, shard, err)
			}
			for _, r := range out.Records {
				s.records = append(s.records, localrun.Record{
					ShardID: shard, PartitionKey: aws.ToString(r.PartitionKey),
					SequenceNumber: aws.ToString(r.SequenceNumber), Data: r.Data,
				})
			}
			it = out.NextShardIterator
			s.iterators[shard] = it
			if it == nil || len(out.Records) == 0 && aws.ToInt64(out.MillisBehindLatest) == 0 {
				break
			}
		}
	}
	return slices.Clone(s.records), nil
}

func (s *streamTail) start(ctx context.Context) error {
	shards, err := s.client.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(s.stream)})
	if err != nil {
		return fmt.Errorf("list shards of %s: %w", s.stream, err)
	}
	s.iterators = map[string]*string{}
	for _, sh := range shards.Shards {
		it, err := s.client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
			StreamName: aws.String(s.stream), ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			return fmt.Errorf("get iterator for %s/%s: %w", s.stream, aws.ToString(sh.ShardId), err)
		}
		s.iterators[aws.ToString(sh.ShardId)] = it.ShardIterator
	}
	return nil
}
