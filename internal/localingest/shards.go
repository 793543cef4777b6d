package localingest

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// maxShardPages bounds the ListShards pages of one stream.
const maxShardPages = 100

// listShards returns every shard of stream, open and closed, each after its
// parents. ListShards returns closed shards until the stream's retention
// trims them (Kinesis API Reference, ListShards), so a shard split or merged
// since the last refresh still gives its last records before its children
// give theirs, and each partition key's records land in the order it wrote
// them.
func listShards(ctx context.Context, api kinesisReader, stream string) ([]types.Shard, error) {
	var shards []types.Shard
	in := &kinesis.ListShardsInput{StreamName: aws.String(stream)}
	for page := 0; ; page++ {
		if page == maxShardPages {
			return nil, fmt.Errorf("list shards of %s: more than %d pages", stream, maxShardPages)
		}
		out, err := api.ListShards(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list shards of %s: %w", stream, err)
		}
		shards = append(shards, out.Shards...)
		if out.NextToken == nil {
			return parentsFirst(shards), nil
		}
		// A NextToken request must not name the stream.
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
}

// parentsFirst orders shards so that each comes after the parents among
// them, and otherwise keeps their order. A parent that is no longer listed
// has been trimmed and is not waited for.
func parentsFirst(shards []types.Shard) []types.Shard {
	byID := make(map[string]types.Shard, len(shards))
	for _, s := range shards {
		byID[aws.ToString(s.ShardId)] = s
	}
	placed := make(map[string]bool, len(shards))
	ordered := make([]types.Shard, 0, len(shards))
	var place func(s types.Shard)
	place = func(s types.Shard) {
		id := aws.ToString(s.ShardId)
		if placed[id] {
			return
		}
		placed[id] = true // before the parents: a cycle cannot recurse forever
		for _, parent := range []*string{s.ParentShardId, s.AdjacentParentShardId} {
			if p, ok := byID[aws.ToString(parent)]; ok && parent != nil {
				place(p)
			}
		}
		ordered = append(ordered, s)
	}
	for _, s := range shards {
		place(s)
	}
	return ordered
}
