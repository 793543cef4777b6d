package shardmap

import (
	"crypto/md5"
	"math/big"
)

// Kinesis maps a record to a shard by its hash key: "an MD5 hash function is
// used to map partition keys to 128-bit integer values and to map associated
// data records to shards" (Kinesis API Reference, PutRecordsRequestEntry).
// Each shard owns a range of hash keys; a stream created with n shards, as an
// on-demand stream starts with 4, splits the space 0..2^128-1 into n equal
// ranges, which internal/localrun checks against kinesis-local's shards.

// HashKey returns the 128-bit hash key of partitionKey: the MD5 of its UTF-8
// bytes read as a big-endian unsigned integer.
func HashKey(partitionKey string) *big.Int {
	sum := md5.Sum([]byte(partitionKey))
	return new(big.Int).SetBytes(sum[:])
}

// Index returns which of n shards with equal hash key ranges, in order of
// their starting hash key, holds partitionKey: floor(hashKey·n / 2^128).
// n must be at least 1.
func Index(partitionKey string, n int) int {
	h := HashKey(partitionKey)
	h.Mul(h, big.NewInt(int64(n)))
	return int(h.Rsh(h, 128).Int64())
}
