package localrun

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/google/go-cmp/cmp"
)

// fakeStream serves shards from memory. Each shard is a list of GetRecords
// pages; an iterator is "shard/page". Shards are listed one per page.
type fakeStream struct {
	shards     map[string][][]string // shard id -> pages of record data
	order      []string
	endless    bool  // never report being at the tip
	getErr     error // returned by GetRecords
	listInputs []kinesis.ListShardsInput
}

func (f *fakeStream) ListShards(_ context.Context, in *kinesis.ListShardsInput, _ ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error) {
	f.listInputs = append(f.listInputs, *in)
	i := 0
	if in.NextToken != nil {
		fmt.Sscan(*in.NextToken, &i)
	}
	out := &kinesis.ListShardsOutput{Shards: []types.Shard{{ShardId: aws.String(f.order[i])}}}
	if i+1 < len(f.order) {
		out.NextToken = aws.String(fmt.Sprint(i + 1))
	}
	return out, nil
}

func (f *fakeStream) GetShardIterator(_ context.Context, in *kinesis.GetShardIteratorInput, _ ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error) {
	if in.ShardIteratorType != types.ShardIteratorTypeTrimHorizon {
		return nil, fmt.Errorf("iterator type %s, want TRIM_HORIZON", in.ShardIteratorType)
	}
	return &kinesis.GetShardIteratorOutput{ShardIterator: aws.String(aws.ToString(in.ShardId) + "/0")}, nil
}

func (f *fakeStream) GetRecords(_ context.Context, in *kinesis.GetRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error) {
	if f.getErr != nil {
		return nil, f.getErr
	}
	shard, page, _ := strings.Cut(aws.ToString(in.ShardIterator), "/")
	var n int
	fmt.Sscan(page, &n)
	pages := f.shards[shard]
	// At the tip, the next iterator stays where the records will come.
	out := &kinesis.GetRecordsOutput{NextShardIterator: aws.String(fmt.Sprintf("%s/%d", shard, min(n+1, len(pages))))}
	behind := int64(0)
	if n < len(pages) {
		for i, data := range pages[n] {
			out.Records = append(out.Records, types.Record{
				Data:           []byte(data),
				PartitionKey:   aws.String("k-" + data),
				SequenceNumber: aws.String(fmt.Sprintf("%s-%d-%d", shard, n, i)),
			})
		}
		behind = 1000
	}
	if f.endless {
		behind = 1000
	}
	out.MillisBehindLatest = aws.Int64(behind)
	return out, nil
}

func TestReadStream(t *testing.T) {
	api := &fakeStream{
		order: []string{"s0", "s1", "s2"},
		shards: map[string][][]string{
			"s0": {{"a", "b"}, {}, {"c"}}, // an empty page in the middle is not the end
			"s1": {},
			"s2": {{"d"}},
		},
	}
	got, err := ReadStream(context.Background(), api, "events")
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{
		{ShardID: "s0", PartitionKey: "k-a", SequenceNumber: "s0-0-0", Data: []byte("a")},
		{ShardID: "s0", PartitionKey: "k-b", SequenceNumber: "s0-0-1", Data: []byte("b")},
		{ShardID: "s0", PartitionKey: "k-c", SequenceNumber: "s0-2-0", Data: []byte("c")},
		{ShardID: "s2", PartitionKey: "k-d", SequenceNumber: "s2-0-0", Data: []byte("d")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadStream mismatch (-want +got):\n%s", diff)
	}
	// Only the first ListShards call may name the stream; later ones carry the token.
	if len(api.listInputs) != 3 || aws.ToString(api.listInputs[0].StreamName) != "events" ||
		api.listInputs[1].StreamName != nil || aws.ToString(api.listInputs[1].NextToken) != "1" {
		t.Errorf("ListShards inputs = %+v, want the stream name once, then tokens", api.listInputs)
	}
}

func TestReadStreamIsBounded(t *testing.T) {
	api := &fakeStream{order: []string{"s0"}, shards: map[string][][]string{"s0": nil}, endless: true}
	_, err := ReadStream(context.Background(), api, "events")
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("read events/s0: records still coming after %d reads", maxReadsPerShard)) {
		t.Errorf("ReadStream(endless shard) error = %v, want the read bound", err)
	}
}

func TestReadStreamError(t *testing.T) {
	cause := errors.New("throttled")
	api := &fakeStream{order: []string{"s0"}, getErr: cause}
	_, err := ReadStream(context.Background(), api, "events")
	if !errors.Is(err, cause) || !strings.HasPrefix(err.Error(), "get records from events/s0: ") {
		t.Errorf("ReadStream error = %v, want the cause wrapped with stream and shard", err)
	}
}

func TestReaderFollowsAStream(t *testing.T) {
	// GIVEN a stream being written: s0 has a page, an empty page and a page
	api := &fakeStream{
		order:  []string{"s0", "s1"},
		shards: map[string][][]string{"s0": {{"a", "b"}, {}, {"c"}}, "s1": {{"d"}}},
	}
	r := NewReader(api, "events")
	data := func(records []Record) []string {
		var out []string
		for _, rec := range records {
			out = append(out, string(rec.Data))
		}
		return out
	}
	ctx := context.Background()

	// WHEN it is polled, THEN each poll returns what is new, a shard's
	// reading stopping at an empty read
	for i, want := range [][]string{{"a", "b", "d"}, {"c"}, nil} {
		got, err := r.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, data(got)); diff != "" {
			t.Errorf("poll %d mismatch (-want +got):\n%s", i+1, diff)
		}
	}

	// WHEN more records arrive and the writing stops, THEN Drain returns only
	// those, and Read counts every record returned
	api.shards["s1"] = append(api.shards["s1"], []string{"e", "f"})
	got, err := r.Drain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"e", "f"}, data(got)); diff != "" {
		t.Errorf("drain mismatch (-want +got):\n%s", diff)
	}
	if r.Read() != 6 {
		t.Errorf("Read() = %d, want 6", r.Read())
	}
	if len(api.listInputs) != 2 {
		t.Errorf("ListShards called %d times, want once per page of shards (2), on the first read only", len(api.listInputs))
	}
}
