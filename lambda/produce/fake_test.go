package produce

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// fakeKinesis answers PutRecords in memory. reject, when set, gives the
// error code for an entry ("" accepts it); delay stands for the network;
// now, when set, is the clock that stamps each accepted entry.
type fakeKinesis struct {
	reject func(types.PutRecordsRequestEntry) string
	delay  time.Duration
	now    func() time.Time

	mu         sync.Mutex
	calls      int
	accepted   []types.PutRecordsRequestEntry
	acceptedAt []time.Time    // when each accepted entry arrived, by now
	rejected   map[string]int // data → times rejected
}

func (f *fakeKinesis) PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error) {
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	out := &kinesis.PutRecordsOutput{Records: make([]types.PutRecordsResultEntry, len(in.Records))}
	var failed int32
	for i, e := range in.Records {
		code := ""
		if f.reject != nil {
			code = f.reject(e)
		}
		if code != "" {
			if f.rejected == nil {
				f.rejected = map[string]int{}
			}
			f.rejected[string(e.Data)]++
			out.Records[i] = types.PutRecordsResultEntry{ErrorCode: aws.String(code), ErrorMessage: aws.String("rejected by the fake")}
			failed++
			continue
		}
		// The caller may reuse the entry once PutRecords returns.
		f.accepted = append(f.accepted, types.PutRecordsRequestEntry{
			PartitionKey: aws.String(*e.PartitionKey),
			Data:         bytes.Clone(e.Data),
		})
		if f.now != nil {
			f.acceptedAt = append(f.acceptedAt, f.now())
		}
		seq := strconv.Itoa(len(f.accepted))
		out.Records[i] = types.PutRecordsResultEntry{SequenceNumber: aws.String(seq), ShardId: aws.String("shardId-000000000000")}
	}
	out.FailedRecordCount = aws.Int32(failed)
	return out, nil
}

// oddUsers rejects, with code, the records of users with odd ids: about
// half of them.
func oddUsers(code string) func(types.PutRecordsRequestEntry) string {
	return func(e types.PutRecordsRequestEntry) string {
		if key := *e.PartitionKey; (key[len(key)-1]-'0')%2 == 1 {
			return code
		}
		return ""
	}
}

// countMalformed counts the entries that are malformed in one of the ways
// DIRTY_RATIO makes: not JSON, no event_id, or a user_id that is no number.
func countMalformed(entries []types.PutRecordsRequestEntry) int {
	n := 0
	for _, e := range entries {
		var rec struct {
			EventID *string `json:"event_id"`
			UserID  any     `json:"user_id"`
		}
		if json.Unmarshal(e.Data, &rec) != nil || rec.EventID == nil {
			n++
		} else if _, isNumber := rec.UserID.(float64); !isNumber {
			n++
		}
	}
	return n
}

func (f *fakeKinesis) snapshot() (calls int, accepted []types.PutRecordsRequestEntry, rejected map[string]int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls, append([]types.PutRecordsRequestEntry(nil), f.accepted...), f.rejected
}
