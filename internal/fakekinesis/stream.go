package fakekinesis

import (
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"math/big"
	"math/bits"
	"time"
)

// stream is one Kinesis stream: shards that split the 128-bit hash key space
// evenly, and the records stored in them.
type stream struct {
	name    string
	created time.Time
	shards  []*shard
	// log is every stored record in the order stored.
	log     []Record
	nextSeq uint64
}

type shard struct {
	id                  string
	startHash, endHash  string
	firstSequenceNumber string
	records             []Record
}

// hashSpace is 2^128, the size of the partition-key hash space.
func hashSpace() *big.Int {
	return new(big.Int).Lsh(big.NewInt(1), 128)
}

func newStream(name string, shards int) *stream {
	st := &stream{name: name, created: time.Now(), nextSeq: 1}
	space := hashSpace()
	// bound(i) = ceil(i * 2^128 / n): shard i holds [bound(i), bound(i+1)-1],
	// exactly the hashes h with floor(h*n / 2^128) == i.
	bound := func(i int) *big.Int {
		b := new(big.Int).Mul(space, big.NewInt(int64(i)))
		b.Add(b, big.NewInt(int64(shards-1)))
		return b.Div(b, big.NewInt(int64(shards)))
	}
	for i := range shards {
		end := bound(i + 1)
		end.Sub(end, big.NewInt(1))
		st.shards = append(st.shards, &shard{
			id:                  shardID(i),
			startHash:           bound(i).String(),
			endHash:             end.String(),
			firstSequenceNumber: sequenceNumber(1),
		})
	}
	return st
}

func shardID(i int) string {
	return fmt.Sprintf("shardId-%012d", i)
}

func sequenceNumber(n uint64) string {
	return fmt.Sprintf("%056d", n)
}

func (st *stream) arn() string {
	return "arn:aws:kinesis:us-east-1:000000000000:stream/" + st.name
}

// shardFor picks the shard whose hash key range holds the record's hash key:
// the MD5 of its partition key, unless an explicit hash key overrides it.
func (st *stream) shardFor(r Record) int {
	n := uint64(len(st.shards))
	if r.ExplicitHashKey != "" {
		h, _ := new(big.Int).SetString(r.ExplicitHashKey, 10)
		h.Mul(h, new(big.Int).SetUint64(n))
		return int(h.Rsh(h, 128).Int64())
	}
	sum := md5.Sum([]byte(r.PartitionKey))
	hi := binary.BigEndian.Uint64(sum[:8])
	lo := binary.BigEndian.Uint64(sum[8:])
	// floor((hi*2^64 + lo) * n / 2^128), in 64-bit pieces.
	top, mid := bits.Mul64(hi, n)
	carryIn, _ := bits.Mul64(lo, n)
	_, carry := bits.Add64(mid, carryIn, 0)
	return int(top + carry)
}

// store assigns the record a shard and sequence number and, unless discard
// is set, keeps it.
func (st *stream) store(r Record, now time.Time, discard bool) Record {
	sh := st.shards[st.shardFor(r)]
	r.ShardID = sh.id
	r.SequenceNumber = sequenceNumber(st.nextSeq)
	r.Arrival = now
	st.nextSeq++
	if !discard {
		sh.records = append(sh.records, r)
		st.log = append(st.log, r)
	}
	return r
}

// validHashKey reports whether s is a decimal in [0, 2^128).
func validHashKey(s string) bool {
	h, ok := new(big.Int).SetString(s, 10)
	return ok && h.Sign() >= 0 && h.Cmp(hashSpace()) < 0
}
