package fakekinesis_test

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/chatstream/chatstream/internal/fakekinesis"
)

const streamName = "chat-events-test"

// start runs a server for the test and closes it when the test ends.
func start(t *testing.T, opts fakekinesis.Options) (*fakekinesis.Server, *kinesis.Client) {
	t.Helper()
	if opts.Streams == nil {
		opts.Streams = []string{streamName}
	}
	srv, err := fakekinesis.New(opts)
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	t.Cleanup(srv.Close)
	return srv, srv.Client(4)
}

func entries(keys ...string) []types.PutRecordsRequestEntry {
	out := make([]types.PutRecordsRequestEntry, len(keys))
	for i, k := range keys {
		out[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String(k), Data: []byte("data-" + k)}
	}
	return out
}

func putRecords(ctx context.Context, c *kinesis.Client, es []types.PutRecordsRequestEntry) (*kinesis.PutRecordsOutput, error) {
	return c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(streamName), Records: es})
}

// readAll reads a stream back the way a consumer does: every shard from
// TRIM_HORIZON.
func readAll(t *testing.T, c *kinesis.Client) map[string][]types.Record {
	t.Helper()
	ctx := t.Context()
	shards, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(streamName)})
	if err != nil {
		t.Fatalf("ListShards() error = %v", err)
	}
	out := make(map[string][]types.Record)
	for _, sh := range shards.Shards {
		it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
			StreamName: aws.String(streamName), ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			t.Fatalf("GetShardIterator(%s) error = %v", *sh.ShardId, err)
		}
		got, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
		if err != nil {
			t.Fatalf("GetRecords(%s) error = %v", *sh.ShardId, err)
		}
		out[*sh.ShardId] = got.Records
	}
	return out
}

func TestServerListensOnLoopback(t *testing.T) {
	srv, _ := start(t, fakekinesis.Options{})
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatalf("url.Parse(%q) error = %v", srv.URL, err)
	}
	if u.Hostname() != "127.0.0.1" {
		t.Errorf("URL host = %q, want 127.0.0.1", u.Hostname())
	}
}

func TestPutRecordsThenReadBack(t *testing.T) {
	// GIVEN a stream with 4 shards
	srv, c := start(t, fakekinesis.Options{})
	keys := make([]string, 200)
	for i := range keys {
		keys[i] = fmt.Sprint(i + 1)
	}

	// WHEN 200 records with distinct keys are put in one request
	out, err := putRecords(t.Context(), c, entries(keys...))
	if err != nil {
		t.Fatalf("PutRecords() error = %v", err)
	}

	// THEN each is acknowledged, stored in the shard whose hash key range
	// holds the MD5 of its key, and read back with its data.
	if got := aws.ToInt32(out.FailedRecordCount); got != 0 {
		t.Errorf("FailedRecordCount = %d, want 0", got)
	}
	ranges := shardRanges(t, c)
	seen := 0
	for shardID, recs := range readAll(t, c) {
		r := ranges[shardID]
		for _, rec := range recs {
			seen++
			if want := "data-" + *rec.PartitionKey; string(rec.Data) != want {
				t.Errorf("record %s data = %q, want %q", *rec.PartitionKey, rec.Data, want)
			}
			sum := md5.Sum([]byte(*rec.PartitionKey))
			h := new(big.Int).SetBytes(sum[:])
			if h.Cmp(r[0]) < 0 || h.Cmp(r[1]) > 0 {
				t.Errorf("key %s (hash %s) stored in %s, whose range is [%s, %s]", *rec.PartitionKey, h, shardID, r[0], r[1])
			}
		}
		if len(recs) == 0 {
			t.Errorf("shard %s got no records of 200 distinct keys", shardID)
		}
	}
	if seen != len(keys) {
		t.Errorf("read back %d records, want %d", seen, len(keys))
	}
	if got := len(srv.Records(streamName)); got != len(keys) {
		t.Errorf("len(Records()) = %d, want %d", got, len(keys))
	}
}

// shardRanges returns each shard's hash key range and checks that the
// ranges tile [0, 2^128) without gaps.
func shardRanges(t *testing.T, c *kinesis.Client) map[string][2]*big.Int {
	t.Helper()
	shards, err := c.ListShards(t.Context(), &kinesis.ListShardsInput{StreamName: aws.String(streamName)})
	if err != nil {
		t.Fatalf("ListShards() error = %v", err)
	}
	if len(shards.Shards) != fakekinesis.DefaultShards {
		t.Fatalf("ListShards() = %d shards, want %d", len(shards.Shards), fakekinesis.DefaultShards)
	}
	out := make(map[string][2]*big.Int)
	next := big.NewInt(0)
	for _, sh := range shards.Shards {
		start, _ := new(big.Int).SetString(*sh.HashKeyRange.StartingHashKey, 10)
		end, _ := new(big.Int).SetString(*sh.HashKeyRange.EndingHashKey, 10)
		if start.Cmp(next) != 0 {
			t.Fatalf("shard %s starts at %s, want %s", *sh.ShardId, start, next)
		}
		next = new(big.Int).Add(end, big.NewInt(1))
		out[*sh.ShardId] = [2]*big.Int{start, end}
	}
	if want := new(big.Int).Lsh(big.NewInt(1), 128); next.Cmp(want) != 0 {
		t.Fatalf("last shard ends at %s, want 2^128-1", new(big.Int).Sub(next, big.NewInt(1)))
	}
	return out
}

func TestExplicitHashKeyPicksTheShard(t *testing.T) {
	_, c := start(t, fakekinesis.Options{})
	ranges := shardRanges(t, c)
	for shardID, r := range ranges {
		for _, key := range []*big.Int{r[0], r[1]} {
			out, err := c.PutRecord(t.Context(), &kinesis.PutRecordInput{
				StreamName: aws.String(streamName), PartitionKey: aws.String("k"), Data: []byte("x"),
				ExplicitHashKey: aws.String(key.String()),
			})
			if err != nil {
				t.Fatalf("PutRecord(hash %s) error = %v", key, err)
			}
			if got := aws.ToString(out.ShardId); got != shardID {
				t.Errorf("PutRecord(hash %s) shard = %s, want %s", key, got, shardID)
			}
		}
	}
}

func TestShardIteratorTypes(t *testing.T) {
	_, c := start(t, fakekinesis.Options{Shards: 1})
	var seqs []string
	for i := range 3 {
		out, err := c.PutRecord(t.Context(), &kinesis.PutRecordInput{
			StreamName: aws.String(streamName), PartitionKey: aws.String("k"), Data: []byte{byte('a' + i)},
		})
		if err != nil {
			t.Fatalf("PutRecord() error = %v", err)
		}
		seqs = append(seqs, *out.SequenceNumber)
	}
	tests := []struct {
		name string
		typ  types.ShardIteratorType
		seq  string
		want string
	}{
		{name: "trim horizon", typ: types.ShardIteratorTypeTrimHorizon, want: "abc"},
		{name: "latest", typ: types.ShardIteratorTypeLatest, want: ""},
		{name: "at sequence number", typ: types.ShardIteratorTypeAtSequenceNumber, seq: seqs[1], want: "bc"},
		{name: "after sequence number", typ: types.ShardIteratorTypeAfterSequenceNumber, seq: seqs[1], want: "c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &kinesis.GetShardIteratorInput{StreamName: aws.String(streamName), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: tt.typ}
			if tt.seq != "" {
				in.StartingSequenceNumber = aws.String(tt.seq)
			}
			it, err := c.GetShardIterator(t.Context(), in)
			if err != nil {
				t.Fatalf("GetShardIterator() error = %v", err)
			}
			var got strings.Builder
			for iter := it.ShardIterator; ; {
				out, err := c.GetRecords(t.Context(), &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(1)})
				if err != nil {
					t.Fatalf("GetRecords() error = %v", err)
				}
				if len(out.Records) == 0 {
					break
				}
				got.Write(out.Records[0].Data)
				iter = out.NextShardIterator
			}
			if got.String() != tt.want {
				t.Errorf("read %q, want %q", got.String(), tt.want)
			}
		})
	}
}

func TestCallsRecordWhatArrived(t *testing.T) {
	srv, c := start(t, fakekinesis.Options{})
	if _, err := putRecords(t.Context(), c, entries("1", "2")); err != nil {
		t.Fatalf("PutRecords() error = %v", err)
	}
	if _, err := c.DescribeStreamSummary(t.Context(), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(streamName)}); err != nil {
		t.Fatalf("DescribeStreamSummary() error = %v", err)
	}
	want := []fakekinesis.Call{
		{Seq: 1, Op: "PutRecords", Stream: streamName, Records: []fakekinesis.Record{
			{PartitionKey: "1", Data: []byte("data-1")},
			{PartitionKey: "2", Data: []byte("data-2")},
		}},
		{Seq: 2, Op: "DescribeStreamSummary", Stream: streamName},
	}
	if diff := cmp.Diff(want, srv.Calls()); diff != "" {
		t.Errorf("Calls() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(fakekinesis.Stats{Requests: 2, Records: 2}, srv.Stats()); diff != "" {
		t.Errorf("Stats() mismatch (-want +got):\n%s", diff)
	}
}

func TestDiscardCountsOnly(t *testing.T) {
	srv, c := start(t, fakekinesis.Options{Discard: true})
	if _, err := putRecords(t.Context(), c, entries("1", "2", "3")); err != nil {
		t.Fatalf("PutRecords() error = %v", err)
	}
	if diff := cmp.Diff(fakekinesis.Stats{Requests: 1, Records: 3}, srv.Stats()); diff != "" {
		t.Errorf("Stats() mismatch (-want +got):\n%s", diff)
	}
	if got := srv.Records(streamName); len(got) != 0 {
		t.Errorf("Records() = %d records, want none kept", len(got))
	}
	if got := srv.Calls(); len(got) != 0 {
		t.Errorf("Calls() = %d calls, want none kept", len(got))
	}
}

func TestStreamByARN(t *testing.T) {
	srv, c := start(t, fakekinesis.Options{})
	_, err := c.PutRecords(t.Context(), &kinesis.PutRecordsInput{
		StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/" + streamName),
		Records:   entries("1"),
	})
	if err != nil {
		t.Fatalf("PutRecords(by ARN) error = %v", err)
	}
	if got := len(srv.Records(streamName)); got != 1 {
		t.Errorf("len(Records()) = %d, want 1", got)
	}
}

func TestRefusesWhatKinesisRefuses(t *testing.T) {
	big := func(n int) []byte { return make([]byte, n) }
	many := make([]types.PutRecordsRequestEntry, 501)
	for i := range many {
		many[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: []byte("x")}
	}
	// Five records of 1 MiB each, data and one-byte key: 5 MiB exactly.
	full := make([]types.PutRecordsRequestEntry, 5)
	for i := range full {
		full[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: big(1<<20 - 1)}
	}
	// One more byte: a key with no data.
	over := append(full[:5:5], types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: []byte{}})

	tests := []struct {
		name    string
		stream  string
		records []types.PutRecordsRequestEntry
		code    string
	}{
		{name: "unknown stream", stream: "nope", records: entries("1"), code: "ResourceNotFoundException"},
		{name: "501 records", stream: streamName, records: many, code: "ValidationException"},
		{name: "record over 1 MiB", stream: streamName, records: []types.PutRecordsRequestEntry{{PartitionKey: aws.String("k"), Data: big(1 << 20)}}, code: "ValidationException"},
		{name: "partition key of 257 characters", stream: streamName, records: []types.PutRecordsRequestEntry{{PartitionKey: aws.String(strings.Repeat("é", 257)), Data: big(1)}}, code: "ValidationException"},
		{name: "request one byte over 5 MiB", stream: streamName, records: over, code: "InvalidArgumentException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := start(t, fakekinesis.Options{})
			_, err := c.PutRecords(t.Context(), &kinesis.PutRecordsInput{StreamName: aws.String(tt.stream), Records: tt.records})
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.code {
				t.Fatalf("PutRecords() error = %v, want API error %s", err, tt.code)
			}
			if got := len(srv.Records(streamName)); got != 0 {
				t.Errorf("stored %d records of a refused request, want 0", got)
			}
		})
	}
}

func TestAcceptsTheLimits(t *testing.T) {
	srv, c := start(t, fakekinesis.Options{})
	full := make([]types.PutRecordsRequestEntry, 5)
	for i := range full {
		full[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: make([]byte, 1<<20-1)}
	}
	many := make([]types.PutRecordsRequestEntry, 500)
	for i := range many {
		many[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String(strings.Repeat("é", 256)), Data: []byte("x")}
	}
	for name, es := range map[string][]types.PutRecordsRequestEntry{"5 MiB": full, "500 records": many} {
		out, err := putRecords(t.Context(), c, es)
		if err != nil {
			t.Fatalf("PutRecords(%s) error = %v", name, err)
		}
		if got := aws.ToInt32(out.FailedRecordCount); got != 0 {
			t.Errorf("PutRecords(%s) FailedRecordCount = %d, want 0", name, got)
		}
	}
	if got := len(srv.Records(streamName)); got != 505 {
		t.Errorf("len(Records()) = %d, want 505", got)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name   string
		fault  fakekinesis.Fault
		status int
		code   string
	}{
		{name: "throttled request", fault: fakekinesis.Fault{Code: "ProvisionedThroughputExceededException"}, status: 400, code: "ProvisionedThroughputExceededException"},
		{name: "internal failure", fault: fakekinesis.Fault{Code: "InternalFailure"}, status: 500, code: "InternalFailure"},
		{name: "service unavailable", fault: fakekinesis.Fault{Code: "ServiceUnavailable"}, status: 503, code: "ServiceUnavailable"},
		{name: "explicit status", fault: fakekinesis.Fault{Code: "AccessDeniedException", Status: 403}, status: 403, code: "AccessDeniedException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := start(t, fakekinesis.Options{Fault: func(fakekinesis.Call) fakekinesis.Fault { return tt.fault }})
			_, err := putRecords(t.Context(), c, entries("1"))
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.code {
				t.Fatalf("PutRecords() error = %v, want API error %s", err, tt.code)
			}
			var status interface{ HTTPStatusCode() int }
			if !errors.As(err, &status) || status.HTTPStatusCode() != tt.status {
				t.Errorf("PutRecords() error = %v, want HTTP status %d", err, tt.status)
			}
			if got := len(srv.Records(streamName)); got != 0 {
				t.Errorf("stored %d records of a faulted request, want 0", got)
			}
		})
	}
}

func TestEntryFaultsFailOnlyThoseEntries(t *testing.T) {
	srv, c := start(t, fakekinesis.Options{Fault: func(call fakekinesis.Call) fakekinesis.Fault {
		f := fakekinesis.Throttle(1)
		f.EntryCodes[3] = "InternalFailure"
		return f
	}})
	out, err := putRecords(t.Context(), c, entries("a", "b", "c", "d", "e"))
	if err != nil {
		t.Fatalf("PutRecords() error = %v", err)
	}
	if got := aws.ToInt32(out.FailedRecordCount); got != 2 {
		t.Errorf("FailedRecordCount = %d, want 2", got)
	}
	var codes []string
	for _, r := range out.Records {
		codes = append(codes, aws.ToString(r.ErrorCode))
		if (r.ErrorCode == nil) == (r.SequenceNumber == nil) {
			t.Errorf("entry %+v has both or neither of ErrorCode and SequenceNumber", r)
		}
	}
	want := []string{"", "ProvisionedThroughputExceededException", "", "InternalFailure", ""}
	if diff := cmp.Diff(want, codes); diff != "" {
		t.Errorf("entry error codes mismatch (-want +got):\n%s", diff)
	}
	var stored []string
	for _, r := range srv.Records(streamName) {
		stored = append(stored, r.PartitionKey)
	}
	if diff := cmp.Diff([]string{"a", "c", "e"}, stored, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("stored keys mismatch (-want +got):\n%s", diff)
	}
}

func TestDropClosesTheConnection(t *testing.T) {
	srv, c := start(t, fakekinesis.Options{Fault: func(fakekinesis.Call) fakekinesis.Fault { return fakekinesis.Fault{Drop: true} }})
	_, err := putRecords(t.Context(), c, entries("1"))
	var apiErr smithy.APIError
	if err == nil || errors.As(err, &apiErr) {
		t.Fatalf("PutRecords() error = %v, want a transport error", err)
	}
	if got := len(srv.Records(streamName)); got != 0 {
		t.Errorf("stored %d records of a dropped request, want 0", got)
	}
}

func TestLoseAnswerStoresThenDrops(t *testing.T) {
	srv, c := start(t, fakekinesis.Options{Fault: func(fakekinesis.Call) fakekinesis.Fault { return fakekinesis.Fault{LoseAnswer: true} }})
	_, err := putRecords(t.Context(), c, entries("1", "2"))
	var apiErr smithy.APIError
	if err == nil || errors.As(err, &apiErr) {
		t.Fatalf("PutRecords() error = %v, want a transport error", err)
	}
	if got := len(srv.Records(streamName)); got != 2 {
		t.Errorf("stored %d records of a request whose answer was lost, want 2", got)
	}
}

func TestHangHoldsUntilTheClientGivesUp(t *testing.T) {
	srv, c := start(t, fakekinesis.Options{Fault: func(fakekinesis.Call) fakekinesis.Fault { return fakekinesis.Fault{Hang: true} }})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := putRecords(ctx, c, entries("1"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("PutRecords() error = %v, want context.DeadlineExceeded", err)
	}
	if got := len(srv.Records(streamName)); got != 0 {
		t.Errorf("stored %d records of a hung request, want 0", got)
	}
}

func TestCloseEndsHeldRequests(t *testing.T) {
	srv, c := start(t, fakekinesis.Options{Latency: time.Hour})
	done := make(chan error, 1)
	go func() {
		_, err := putRecords(context.Background(), c, entries("1"))
		done <- err
	}()
	// Close must not wait out the hour: the request ends without an answer.
	for srv.Stats().Requests == 0 {
		time.Sleep(time.Millisecond)
	}
	srv.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Errorf("PutRecords() after Close error = nil, want an error")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("PutRecords() still blocked 10s after Close")
	}
}

func TestLatencyDelaysEveryAnswer(t *testing.T) {
	const latency = 30 * time.Millisecond
	_, c := start(t, fakekinesis.Options{Latency: latency})
	begin := time.Now()
	if _, err := putRecords(t.Context(), c, entries("1")); err != nil {
		t.Fatalf("PutRecords() error = %v", err)
	}
	// A lower bound only: the answer cannot come before the latency.
	if got := time.Since(begin); got < latency {
		t.Errorf("PutRecords() answered after %s, want at least %s", got, latency)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts fakekinesis.Options
		want string
	}{
		{name: "negative shards", opts: fakekinesis.Options{Shards: -1}, want: "Shards -1"},
		{name: "empty stream name", opts: fakekinesis.Options{Streams: []string{""}}, want: "empty stream name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := fakekinesis.New(tt.opts)
			if err == nil {
				srv.Close()
				t.Fatalf("New() error = nil, want one mentioning %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() error = %q, want it to mention %q", err, tt.want)
			}
		})
	}
}
