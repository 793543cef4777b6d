package localrun

import (
	"context"
	"math/big"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/chatstream/chatstream/internal/shardmap"
)

// checkShardMapping checks that stream's shards split the hash key space
// into four equal ranges and that every record is on the shard whose range holds
// the MD5 of its partition key, the shard shardmap.Index names: what the
// world's skew tests assume about where a user's records go.
func checkShardMapping(t *testing.T, ctx context.Context, k *Kinesis, stream string, records []Record) {
	t.Helper()
	out, err := k.Client.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		t.Fatal(err)
	}
	type shard struct {
		id         string
		start, end *big.Int
	}
	var shards []shard
	for _, s := range out.Shards {
		start, _ := new(big.Int).SetString(aws.ToString(s.HashKeyRange.StartingHashKey), 10)
		end, _ := new(big.Int).SetString(aws.ToString(s.HashKeyRange.EndingHashKey), 10)
		shards = append(shards, shard{id: aws.ToString(s.ShardId), start: start, end: end})
	}
	slices.SortFunc(shards, func(a, b shard) int { return a.start.Cmp(b.start) })
	// kinesis-local puts the boundaries at i·(2^126-1), a few hash keys
	// below the exact quarters i·2^126: equal ranges to within 4 keys in
	// 2^128, which no MD5 of a user id falls between.
	quarter := new(big.Int).Lsh(big.NewInt(1), 126)
	for i, s := range shards {
		exact := new(big.Int).Mul(quarter, big.NewInt(int64(i)))
		off := new(big.Int).Sub(exact, s.start)
		if len(shards) != 4 || off.Sign() < 0 || off.Cmp(big.NewInt(4)) > 0 {
			t.Fatalf("shard %s starts at hash key %v, want 4 shards, each starting at most 4 keys below i·2^126 = %v", s.id, s.start, exact)
		}
	}
	for _, r := range records {
		h := shardmap.HashKey(r.PartitionKey)
		i := shardmap.Index(r.PartitionKey, 4)
		if r.ShardID != shards[i].id || h.Cmp(shards[i].start) < 0 || h.Cmp(shards[i].end) > 0 {
			t.Fatalf("record with key %q (hash key %v) is on %s, shardmap.Index says shard %d, %s", r.PartitionKey, h, r.ShardID, i, shards[i].id)
		}
	}
}
