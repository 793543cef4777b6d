package publish

import (
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// batch is the records of one PutRecords request. Its arrays are allocated
// once at full size and reused, so filling a batch allocates nothing.
type batch struct {
	entries []types.PutRecordsRequestEntry
	// keys backs the entries' PartitionKey pointers; it never grows past its
	// capacity, so the pointers stay valid.
	keys  []string
	bytes int
}

func newBatch() *batch {
	return &batch{
		entries: make([]types.PutRecordsRequestEntry, 0, MaxBatchRecords),
		keys:    make([]string, 0, MaxBatchRecords),
	}
}

// fits reports whether a record of size bytes can join the batch.
func (b *batch) fits(size int) bool {
	return len(b.entries) < MaxBatchRecords && b.bytes+size <= MaxBatchBytes
}

func (b *batch) add(r Record, size int) {
	b.keys = append(b.keys, r.PartitionKey)
	b.entries = append(b.entries, types.PutRecordsRequestEntry{
		Data:         r.Data,
		PartitionKey: &b.keys[len(b.keys)-1],
	})
	b.bytes += size
}

// reset empties the batch and drops its references to callers' data.
func (b *batch) reset() {
	clear(b.entries[:cap(b.entries)])
	clear(b.keys[:cap(b.keys)])
	b.entries = b.entries[:0]
	b.keys = b.keys[:0]
	b.bytes = 0
}

// recordSize is what a record counts against the request and record limits.
func recordSize(r Record) int {
	return len(r.Data) + len(r.PartitionKey)
}

// invalid returns the code a record fails with before it is ever sent, or ""
// when Kinesis could accept it. Rejecting such a record here keeps it from
// failing the whole request it would travel in.
func invalid(r Record) string {
	if r.PartitionKey == "" || len(r.PartitionKey) > MaxPartitionKeyChars && utf8.RuneCountInString(r.PartitionKey) > MaxPartitionKeyChars {
		return CodeInvalidPartitionKey
	}
	if recordSize(r) > MaxRecordBytes {
		return CodeRecordTooLarge
	}
	return ""
}
