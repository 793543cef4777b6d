package publish

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/chatstream/chatstream/internal/pause"
	"golang.org/x/time/rate"
)

// Kinesis limits that shape every request (Kinesis Data Streams quotas).
const (
	// MaxBatchRecords is the most records one PutRecords request may carry.
	MaxBatchRecords = 500
	// MaxBatchBytes is the most data plus partition-key bytes one PutRecords
	// request may carry.
	MaxBatchBytes = 5 << 20
	// MaxRecordBytes is the largest record, data plus partition key, that a
	// stream accepts by default. Streams can be configured for more; this
	// package keeps to the default.
	MaxRecordBytes = 1 << 20
	// MaxPartitionKeyChars is the longest partition key, in Unicode characters.
	MaxPartitionKeyChars = 256
)

// Defaults for the zero values in Options.
const (
	// DefaultMaxInFlight is where throughput stops being bound by latency:
	// at 20 ms per request each request in flight carries at most 25,000
	// records/s, and on two cores 8 in flight reach about 130,000 records/s
	// against a local endpoint (docs/measurements.md has the numbers), where 4 just
	// clear 50,000 with little margin. Eight stays under the SDK transport's
	// default of 10 idle connections per host, and with chat-sized records
	// the MaxInFlight+1 live batches take about a megabyte.
	DefaultMaxInFlight = 8
	// DefaultMaxAttempts bounds the sends per record, the first included.
	DefaultMaxAttempts = 8
	// DefaultBaseBackoff is the backoff ceiling before the first resend.
	DefaultBaseBackoff = 100 * time.Millisecond
	// DefaultMaxBackoff caps the backoff ceiling, however many attempts failed.
	DefaultMaxBackoff = 5 * time.Second
	// DefaultRequestTimeout bounds one PutRecords request; a hung request is
	// abandoned and its records are resent.
	DefaultRequestTimeout = 5 * time.Second
)

// pacingInterval is how often a paced Publish sends a request when the rate
// allows at least one record per interval: records are never held back
// waiting for a batch to fill at a low rate.
const pacingInterval = 100 * time.Millisecond

// putRecordsAPI is the one Kinesis call a Publisher makes.
type putRecordsAPI interface {
	PutRecords(ctx context.Context, params *kinesis.PutRecordsInput, optFns ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error)
}

// Record is one Kinesis record to publish.
type Record struct {
	// PartitionKey picks the shard; chatstream uses the user id. Kinesis
	// requires 1 to 256 Unicode characters.
	PartitionKey string
	// Data is the record payload. Publish keeps a reference to it until
	// Publish returns; the caller must not modify it meanwhile.
	Data []byte
}

// Options configures a Publisher. Zero values select the documented defaults.
type Options struct {
	// Stream is the stream name, or its ARN (starting with "arn:"). Required.
	Stream string
	// MaxInFlight is the number of PutRecords requests that may be in flight
	// at once; 0 means DefaultMaxInFlight. The HTTP client's idle connections
	// per host should be at least this many.
	MaxInFlight int
	// MaxAttempts is the number of times a record may be sent, the first
	// included; 0 means DefaultMaxAttempts.
	MaxAttempts int
	// Rate paces publishing to this many records per second; 0 means
	// unpaced. Tokens are taken a batch at a time, once the batch's first
	// record is pulled: a batch holds what the rate allows in 100 ms, at
	// least one record and at most MaxBatchRecords. So at a low rate records
	// go out one by one as their tokens come instead of waiting for a batch
	// to fill. Resends take no tokens.
	Rate float64
	// Rand draws the backoff jitter; nil means a generator seeded from the
	// clock. Publish serializes its use.
	Rand *rand.Rand
	// BaseBackoff is the backoff ceiling before the first resend; the ceiling
	// doubles with each further attempt. 0 means DefaultBaseBackoff.
	BaseBackoff time.Duration
	// MaxBackoff caps the backoff ceiling; 0 means DefaultMaxBackoff.
	MaxBackoff time.Duration
	// RequestTimeout bounds one PutRecords request; 0 means
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
}

// Result accounts for every record that Publish pulled from its iterator:
// Sent + Failed equals the number pulled.
type Result struct {
	// Sent counts records that Kinesis acknowledged with a sequence number.
	Sent int
	// Failed counts records that Publish gave up on.
	Failed int
	// Requests counts PutRecords calls made, failed and timed-out ones
	// included.
	Requests int
	// Retries counts record resends: a record sent three times adds 2.
	Retries int
	// FailureCodes counts failed records by the reason they failed: a Kinesis
	// error code such as "ProvisionedThroughputExceededException" or
	// "ResourceNotFoundException", or one of the Code constants of this
	// package. It is nil when nothing failed.
	FailureCodes map[string]int
}

// Publisher sends records to one Kinesis stream. It is safe for concurrent
// use; each Publish call has its own requests and Result.
type Publisher struct {
	client      putRecordsAPI
	streamName  *string
	streamARN   *string
	maxInFlight int
	maxAttempts int
	// limiter is nil when unpaced; its burst is the paced batch size.
	limiter        *rate.Limiter
	baseBackoff    time.Duration
	maxBackoff     time.Duration
	requestTimeout time.Duration
	// spare holds emptied batches for reuse, by this Publish call and the
	// next: a caller that publishes a few records at a time, as a world
	// invocation does every 100 ms, would otherwise allocate two full-size
	// batches per call.
	spare chan *batch

	randMu sync.Mutex
	rand   *rand.Rand

	// now and sleep are the clock; tests replace them to run pacing and
	// backoff in virtual time.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

// New returns a Publisher that sends with client, which should be a
// *kinesis.Client built with retries turned off (aws.NopRetryer), since the
// Publisher does all retrying itself and counts it, and with its HTTP client
// wrapped in sdkhttp.PlainBodies, without which the SDK can lose an answer
// that arrived and the Publisher resends records that were stored. New
// reports the first option that is out of range.
func New(client putRecordsAPI, opts Options) (*Publisher, error) {
	if client == nil {
		return nil, fmt.Errorf("publish: nil Kinesis client")
	}
	p := &Publisher{
		client:         client,
		maxInFlight:    orDefault(opts.MaxInFlight, DefaultMaxInFlight),
		maxAttempts:    orDefault(opts.MaxAttempts, DefaultMaxAttempts),
		baseBackoff:    orDefault(opts.BaseBackoff, DefaultBaseBackoff),
		maxBackoff:     orDefault(opts.MaxBackoff, DefaultMaxBackoff),
		requestTimeout: orDefault(opts.RequestTimeout, DefaultRequestTimeout),
		rand:           opts.Rand,
		now:            time.Now,
		sleep:          pause.For,
	}
	if opts.Stream == "" {
		return nil, fmt.Errorf("publish: Options.Stream is required")
	}
	if err := CheckStream(opts.Stream); err != nil {
		return nil, fmt.Errorf("publish: Options.Stream %q: %w", opts.Stream, err)
	}
	if strings.HasPrefix(opts.Stream, "arn:") {
		p.streamARN = &opts.Stream
	} else {
		p.streamName = &opts.Stream
	}
	switch {
	case opts.MaxInFlight < 0:
		return nil, fmt.Errorf("publish: Options.MaxInFlight %d is negative", opts.MaxInFlight)
	case opts.MaxAttempts < 0:
		return nil, fmt.Errorf("publish: Options.MaxAttempts %d is negative", opts.MaxAttempts)
	case opts.BaseBackoff < 0:
		return nil, fmt.Errorf("publish: Options.BaseBackoff %s is negative", opts.BaseBackoff)
	case opts.MaxBackoff < 0:
		return nil, fmt.Errorf("publish: Options.MaxBackoff %s is negative", opts.MaxBackoff)
	case p.baseBackoff > p.maxBackoff:
		return nil, fmt.Errorf("publish: BaseBackoff %s exceeds MaxBackoff %s", p.baseBackoff, p.maxBackoff)
	case opts.RequestTimeout < 0:
		return nil, fmt.Errorf("publish: Options.RequestTimeout %s is negative", opts.RequestTimeout)
	}
	if opts.Rate < 0 || math.IsNaN(opts.Rate) || math.IsInf(opts.Rate, 0) {
		return nil, fmt.Errorf("publish: Options.Rate %v is not a finite, non-negative number of records per second (0 means unpaced)", opts.Rate)
	}
	p.spare = make(chan *batch, p.maxInFlight+1)
	if opts.Rate > 0 {
		p.limiter = rate.NewLimiter(rate.Limit(opts.Rate), pacedBurst(opts.Rate))
	}
	if p.rand == nil {
		seed := uint64(time.Now().UnixNano())
		p.rand = rand.New(rand.NewPCG(seed, seed>>32))
	}
	return p, nil
}

// CheckStream returns an error unless s is a stream ARN (starting with
// "arn:", left for Kinesis to judge) or a stream name as Kinesis defines it:
// 1 to 128 characters of a-z, A-Z, 0-9, '_', '.' and '-'. The error names
// the first character that is not allowed.
func CheckStream(s string) error {
	if strings.HasPrefix(s, "arn:") {
		return nil
	}
	if s == "" || len(s) > 128 {
		return fmt.Errorf("a stream name has 1 to 128 characters, this has %d", len(s))
	}
	for i, c := range s {
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || c == '_' || c == '.' || c == '-' {
			continue
		}
		return fmt.Errorf("character %q at byte %d is not allowed in a stream name (a-z, A-Z, 0-9, '_', '.', '-')", c, i)
	}
	return nil
}

func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}
