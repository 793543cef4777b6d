package localingest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/google/go-cmp/cmp"
)

// scriptedShard answers GetShardIterator and GetRecords for one shard from
// a script of errors, then with one page of records.
type scriptedShard struct {
	kinesisReader // nil: other calls panic
	errs          []error
	iterators     []string // each GetShardIterator call as "TYPE after"
}

func (s *scriptedShard) GetShardIterator(_ context.Context, in *kinesis.GetShardIteratorInput, _ ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error) {
	s.iterators = append(s.iterators, string(in.ShardIteratorType)+" "+aws.ToString(in.StartingSequenceNumber))
	return &kinesis.GetShardIteratorOutput{ShardIterator: aws.String("it")}, nil
}

func (s *scriptedShard) GetRecords(context.Context, *kinesis.GetRecordsInput, ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error) {
	if len(s.errs) > 0 {
		err := s.errs[0]
		s.errs = s.errs[1:]
		return nil, err
	}
	return &kinesis.GetRecordsOutput{
		Records:           []types.Record{{SequenceNumber: aws.String("7")}},
		NextShardIterator: aws.String("next"),
	}, nil
}

func TestShardReaderRetries(t *testing.T) {
	throttled := &types.ProvisionedThroughputExceededException{Message: aws.String("slow down")}
	expired := &types.ExpiredIteratorException{Message: aws.String("too old")}
	tests := []struct {
		name          string
		after         string
		errs          []error
		wantWaits     []time.Duration
		wantIterators []string
		wantErr       string
	}{
		{
			name:          "throttling backs off, doubling",
			errs:          []error{throttled, throttled, throttled},
			wantWaits:     []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond},
			wantIterators: []string{"TRIM_HORIZON "},
		},
		{
			name:          "an expired iterator is renewed where the reader stands",
			after:         "5",
			errs:          []error{expired},
			wantIterators: []string{"AFTER_SEQUENCE_NUMBER 5", "AFTER_SEQUENCE_NUMBER 5"},
		},
		{
			name:          "throttling without end gives up",
			errs:          []error{throttled, throttled, throttled, throttled, throttled, throttled, throttled, throttled},
			wantWaits:     []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond, 2 * time.Second, 2 * time.Second},
			wantIterators: []string{"TRIM_HORIZON "},
			wantErr:       "read s/shardId-0: gave up after 8 attempts: get records from s/shardId-0: ",
		},
		{
			name:          "iterators that keep expiring give up too",
			errs:          []error{expired, expired, expired, expired, expired, expired, expired, expired},
			wantIterators: []string{"TRIM_HORIZON ", "TRIM_HORIZON ", "TRIM_HORIZON ", "TRIM_HORIZON ", "TRIM_HORIZON ", "TRIM_HORIZON ", "TRIM_HORIZON ", "TRIM_HORIZON "},
			wantErr:       "read s/shardId-0: gave up after 8 attempts: ",
		},
		{
			name:          "other errors end the read at once",
			errs:          []error{&types.InvalidArgumentException{Message: aws.String("bad")}},
			wantIterators: []string{"TRIM_HORIZON "},
			wantErr:       "get records from s/shardId-0: ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &scriptedShard{errs: tt.errs}
			var waits []time.Duration
			r := &shardReader{api: api, stream: "s", shard: "shardId-0", after: tt.after, wait: func(_ context.Context, d time.Duration) error {
				waits = append(waits, d)
				return nil
			}}
			p, err := r.next(t.Context())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("next = %v; want an error containing %q", err, tt.wantErr)
				}
			} else if err != nil || len(p.records) != 1 || r.after != "7" {
				t.Fatalf("next = %d records, after %q, %v; want the page, after 7", len(p.records), r.after, err)
			}
			if diff := cmp.Diff(tt.wantWaits, waits); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantIterators, api.iterators); diff != "" {
				t.Errorf("GetShardIterator calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestShardReaderStopsWhenCtxEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	api := &scriptedShard{errs: []error{&types.ProvisionedThroughputExceededException{}}}
	r := &shardReader{api: api, stream: "s", shard: "shardId-0", wait: func(ctx context.Context, _ time.Duration) error {
		cancel()
		return ctx.Err()
	}}
	_, err := r.next(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "while retrying") {
		t.Fatalf("next = %v; want the cancellation, naming what was retried", err)
	}
}

func TestParentsFirst(t *testing.T) {
	shard := func(id, parent, adjacent string) types.Shard {
		s := types.Shard{ShardId: aws.String(id)}
		if parent != "" {
			s.ParentShardId = aws.String(parent)
		}
		if adjacent != "" {
			s.AdjacentParentShardId = aws.String(adjacent)
		}
		return s
	}
	// Children listed before their parents; 5 is the merge of 3 and 4, whose
	// parent 1 is trimmed, and 6 is a child of 0.
	in := []types.Shard{shard("5", "3", "4"), shard("6", "0", ""), shard("3", "1", ""), shard("0", "", ""), shard("4", "1", "")}
	var got []string
	for _, s := range parentsFirst(in) {
		got = append(got, aws.ToString(s.ShardId))
	}
	if diff := cmp.Diff([]string{"3", "4", "5", "0", "6"}, got); diff != "" {
		t.Errorf("parentsFirst (-want +got):\n%s", diff)
	}
}

func TestRecordText(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		valid bool
	}{
		{name: "JSON", data: `{"a": 1}`, valid: true},
		{name: "text that is not JSON goes to the JSON parser too", data: "not json", valid: true},
		{name: "invalid UTF-8", data: "\xff\xfe", valid: false},
		{name: "NUL byte", data: "{\"a\": \"\x00\"}", valid: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := recordText([]byte(tt.data)); got.Valid != tt.valid || (got.Valid && got.String != tt.data) {
				t.Errorf("recordText(%q) = %+v, want valid %v", tt.data, got, tt.valid)
			}
		})
	}
}
