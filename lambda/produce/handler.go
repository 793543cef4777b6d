package produce

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/chatstream/chatstream/lambda/chat"
	"github.com/chatstream/chatstream/lambda/publish"
	"github.com/google/uuid"
)

// putRecordsAPI is the one Kinesis call the producer makes, through publish.
type putRecordsAPI interface {
	PutRecords(ctx context.Context, params *kinesis.PutRecordsInput, optFns ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error)
}

// Options adjusts a Handler. The zero value is right for production; tests
// set a clock, invocation ids and quick publishing.
type Options struct {
	// Now stamps events and measures the invocation; nil means time.Now.
	Now func() time.Time
	// InvocationID stands in for the Lambda request id when the context
	// carries none (a unit test, a direct call): the event ids, and the
	// events themselves when SEED is unset, derive from it. Nil means a
	// random id for each such invocation.
	InvocationID func() string
	// Publish tunes publishing: requests in flight, attempts, backoff and
	// timeouts. Its Stream, Rate and Rand are ignored: the handler sets
	// them for each invocation.
	Publish publish.Options
}

// Handler serves producer invocations. Build it once, at start-up.
type Handler struct {
	cfg          Config
	client       putRecordsAPI
	log          *slog.Logger
	now          func() time.Time
	invocationID func() string
	publish      publish.Options
}

// NewHandler returns a Handler that writes to cfg.Stream through client, a
// *kinesis.Client with the SDK's retries turned off (publish does the
// retrying), and logs one summary line per invocation to logger.
func NewHandler(cfg Config, client putRecordsAPI, logger *slog.Logger, opts Options) *Handler {
	h := &Handler{cfg: cfg, client: client, log: logger, now: opts.Now, invocationID: opts.InvocationID, publish: opts.Publish}
	if h.now == nil {
		h.now = time.Now
	}
	if h.invocationID == nil {
		h.invocationID = uuid.NewString
	}
	return h
}

// Result is what an invocation returns, and what its summary line logs.
// Sent + Failed == Generated; Generated < Requested only when the deadline
// stopped the invocation.
type Result struct {
	RunID        string         `json:"run_id,omitempty"`
	Requested    int            `json:"requested"`
	Generated    int            `json:"generated"`
	Sent         int            `json:"sent"`
	Failed       int            `json:"failed"`
	Requests     int            `json:"requests"`
	Retries      int            `json:"retries"`
	DurationMS   int64          `json:"duration_ms"`
	FailureCodes map[string]int `json:"failure_codes,omitempty"`
}

// Handle serves one invocation: it decodes the payload, generates the
// requested events lazily and publishes them, stopping before the Lambda
// deadline with time left to report. It logs a summary line and returns a
// *DeliveryError when an event failed or was never generated, so that the
// schedule's retry policy and dead-letter queue see it. A payload it refuses
// sends nothing and gets a *PayloadError.
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (Result, error) {
	req, err := ParsePayload(payload)
	if err != nil {
		h.log.ErrorContext(ctx, "refused invocation", "error", err.Error())
		return Result{}, &PayloadError{Err: err}
	}
	return h.produce(ctx, req)
}

// Invoke makes Handler a lambda.Handler, so that the runtime passes the raw
// payload: with Handle registered directly, a payload that is not JSON would
// be refused by the runtime's decoder with a bare syntax error, never
// reaching ParsePayload or the log.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	res, err := h.Handle(ctx, payload)
	if err != nil {
		return nil, err
	}
	return json.Marshal(res)
}

func (h *Handler) produce(ctx context.Context, req Request) (Result, error) {
	start := h.now()
	count := h.cfg.Count
	if req.Count > 0 {
		count = req.Count
	}
	eventsPerSecond := h.cfg.Rate
	if req.Rate != nil {
		eventsPerSecond = *req.Rate
	}
	invocation := h.requestID(ctx)
	seed := h.cfg.Seed
	if !h.cfg.Seeded {
		seed = seedFor(invocation)
	}

	gen, err := chat.NewGenerator(chat.Config{
		Users: h.cfg.Users,
		RunID: req.RunID,
		Rand:  rand.New(rand.NewPCG(seed, 0)),
		IDs:   idSource(seed, invocation),
		Now:   h.now,
	})
	if err != nil {
		return Result{}, fmt.Errorf("set up event generator: %w", err)
	}
	opts := h.publish
	opts.Stream = h.cfg.Stream
	opts.Rate = eventsPerSecond
	// A stream of its own, so that jitter draws never shift the events.
	opts.Rand = rand.New(rand.NewPCG(seed, 1))
	pub, err := publish.New(h.client, opts)
	if err != nil {
		return Result{}, fmt.Errorf("set up publishing to %s: %w", h.cfg.Stream, err)
	}

	sendCtx, cancel := withReportMargin(ctx)
	defer cancel()
	out := pub.Publish(sendCtx, records(gen.Events(count)))

	// Publish counts every record it pulls once, as sent or failed, and an
	// event is generated only when its record is pulled.
	res := Result{
		RunID:        req.RunID,
		Requested:    count,
		Generated:    out.Sent + out.Failed,
		Sent:         out.Sent,
		Failed:       out.Failed,
		Requests:     out.Requests,
		Retries:      out.Retries,
		DurationMS:   h.now().Sub(start).Milliseconds(),
		FailureCodes: out.FailureCodes,
	}
	var failure error
	if res.Failed > 0 || res.Generated < res.Requested {
		failure = &DeliveryError{Stream: h.cfg.Stream, Result: res}
	}
	h.logSummary(ctx, req, res, summaryDetails{seed: seed, rate: eventsPerSecond, err: failure})
	return res, failure
}

// requestID returns the invocation's Lambda request id, which Lambda keeps
// when it retries a failed asynchronous invocation, or a stand-in outside
// Lambda.
func (h *Handler) requestID(ctx context.Context) string {
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		return lc.AwsRequestID
	}
	return h.invocationID()
}

// seedFor derives the seed of an invocation without SEED from its request
// id, so that Lambda's retry of a failed invocation generates the very same
// events, ids included, and event_id deduplication absorbs what the failed
// attempt had already delivered.
func seedFor(requestID string) uint64 {
	sum := sha256.Sum256([]byte("chatstream seed\x00" + requestID))
	return binary.LittleEndian.Uint64(sum[:8])
}

// idSource is the source of an invocation's event ids: seeded with both the
// seed and the request id, so that SEED reproduces the events while two
// invocations never share ids, and a retry of one invocation repeats its own.
func idSource(seed uint64, requestID string) *rand.Rand {
	msg := binary.LittleEndian.AppendUint64([]byte("chatstream event ids\x00"), seed)
	sum := sha256.Sum256(append(msg, requestID...))
	return rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])))
}

// minReportMargin is the least time kept back from the Lambda deadline to
// finish in-flight requests' accounting, log the summary and return.
const minReportMargin = 500 * time.Millisecond

// reportMargin is how long before the deadline sending stops: 5% of the
// time left, at least minReportMargin. A 60 s function stops sending 3 s
// before its deadline, a 3 s one 500 ms before.
func reportMargin(left time.Duration) time.Duration {
	return max(minReportMargin, left/20)
}

// withReportMargin derives the context that publishing runs under. Without
// a deadline (a test, a local run) there is no margin to keep.
func withReportMargin(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	// The deadline is wall-clock time, so the margin is measured with the
	// real clock, not the injected one.
	return context.WithDeadline(ctx, deadline.Add(-reportMargin(time.Until(deadline))))
}
