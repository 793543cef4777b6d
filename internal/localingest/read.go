package localingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// Reading bounds. GetRecords returns at most 10,000 records per call
// (Kinesis API Reference, GetRecords).
const (
	pageLimit = 10000
	// maxPages bounds one shard's GetRecords calls in one refresh: a shard
	// still behind after that many is read on by the next refresh.
	maxPages = 1000
	// maxAttempts bounds the calls for one page when Kinesis throttles or
	// the iterator expires, on top of the SDK's own retries.
	maxAttempts  = 8
	firstBackoff = 100 * time.Millisecond
	maxBackoff   = 2 * time.Second
)

// shardReader reads one shard from a position on.
type shardReader struct {
	api    kinesisReader
	stream string
	shard  string
	wait   func(ctx context.Context, d time.Duration) error
	// after is the sequence number of the last record read; empty means
	// none yet, so reading starts at the oldest record (TRIM_HORIZON), as a
	// first refresh does.
	after    string
	iterator *string
}

// page is one GetRecords answer.
type page struct {
	records []types.Record
	// ended says the shard is closed and this was its last page.
	ended bool
	// atTip says nothing newer is in the shard now.
	atTip bool
}

// next reads the next page. Throttling is retried with a growing pause and
// an expired iterator is renewed at once, up to maxAttempts calls in all;
// other errors are returned.
func (r *shardReader) next(ctx context.Context) (page, error) {
	backoff := firstBackoff
	for attempt := 1; ; attempt++ {
		p, err := r.try(ctx)
		if err == nil {
			return p, nil
		}
		var expired *types.ExpiredIteratorException
		isExpired := errors.As(err, &expired)
		if !isExpired && !retryable(err) {
			return page{}, err
		}
		if attempt == maxAttempts {
			return page{}, fmt.Errorf("read %s/%s: gave up after %d attempts: %w", r.stream, r.shard, maxAttempts, err)
		}
		if isExpired {
			// Iterators live five minutes; ask for one at the same place.
			r.iterator = nil
			continue
		}
		if werr := r.wait(ctx, backoff); werr != nil {
			return page{}, fmt.Errorf("read %s/%s: %w (while retrying %v)", r.stream, r.shard, werr, err)
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// try makes one GetRecords call, after getting an iterator if it has none.
func (r *shardReader) try(ctx context.Context) (page, error) {
	if r.iterator == nil {
		if err := r.newIterator(ctx); err != nil {
			return page{}, err
		}
	}
	out, err := r.api.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: r.iterator, Limit: aws.Int32(pageLimit)})
	if err != nil {
		return page{}, fmt.Errorf("get records from %s/%s: %w", r.stream, r.shard, err)
	}
	if n := len(out.Records); n > 0 {
		r.after = aws.ToString(out.Records[n-1].SequenceNumber)
	}
	r.iterator = out.NextShardIterator
	return page{
		records: out.Records,
		ended:   out.NextShardIterator == nil,
		// A short page at the tip: asking again would return nothing.
		atTip: aws.ToInt64(out.MillisBehindLatest) == 0 && len(out.Records) < pageLimit,
	}, nil
}

// newIterator asks for an iterator at the oldest record, or after the last
// record read.
func (r *shardReader) newIterator(ctx context.Context) error {
	in := &kinesis.GetShardIteratorInput{
		StreamName:        aws.String(r.stream),
		ShardId:           aws.String(r.shard),
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
	}
	if r.after != "" {
		in.ShardIteratorType = types.ShardIteratorTypeAfterSequenceNumber
		in.StartingSequenceNumber = aws.String(r.after)
	}
	out, err := r.api.GetShardIterator(ctx, in)
	if err != nil {
		return fmt.Errorf("get iterator for %s/%s %s %s: %w", r.stream, r.shard, in.ShardIteratorType, r.after, err)
	}
	r.iterator = out.ShardIterator
	return nil
}

// retryable reports whether err is Kinesis asking us to slow down: a
// shard serves 5 GetRecords calls a second (Kinesis Developer Guide, quotas
// and limits), and kinesis-local is slow.
func retryable(err error) bool {
	var throughput *types.ProvisionedThroughputExceededException
	var limit *types.LimitExceededException
	var kms *types.KMSThrottlingException
	return errors.As(err, &throughput) || errors.As(err, &limit) || errors.As(err, &kms)
}
