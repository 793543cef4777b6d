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
	"github.com/chatstream/chatstream/internal/pause"
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
	// Now stamps burst events, tells a world invocation when its events
	// are due, and measures the invocation; nil means time.Now.
	Now func() time.Time
	// Sleep waits until a world event is due; nil means a timer. It
	// returns ctx's error if ctx ends first. A test pairs it with Now to
	// run in virtual time.
	Sleep func(ctx context.Context, d time.Duration) error
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
	sleep        func(ctx context.Context, d time.Duration) error
	invocationID func() string
	publish      publish.Options
	// world is what scheduled invocations simulate; nil, with worldErr
	// saying why, when the configuration describes none.
	world    *chat.World
	worldErr error
}

// NewHandler returns a Handler that writes to cfg.Stream through client, a
// *kinesis.Client with the SDK's retries turned off (publish does the
// retrying), and logs one summary line per invocation to logger.
//
// The world, a pure function of the configuration, is built here once; its
// cost grows with USERS (about 60 ns per user).
func NewHandler(cfg Config, client putRecordsAPI, logger *slog.Logger, opts Options) *Handler {
	h := &Handler{cfg: cfg, client: client, log: logger, now: opts.Now, sleep: opts.Sleep, invocationID: opts.InvocationID, publish: opts.Publish}
	if h.now == nil {
		h.now = time.Now
	}
	if h.sleep == nil {
		h.sleep = pause.For
	}
	if h.invocationID == nil {
		h.invocationID = uuid.NewString
	}
	if cfg.Rate > 0 {
		h.world, h.worldErr = newWorld(cfg)
	} else {
		h.worldErr = fmt.Errorf("RATE=0 describes no world: a scheduled invocation simulates RATE events per second, so set RATE above 0 (a manual payload's \"rate\":0 sends a burst unpaced)")
	}
	return h
}

// Result is what an invocation returns, and what its summary line logs.
// Sent + Failed == Generated; Generated < Requested only when the deadline
// stopped the invocation.
type Result struct {
	RunID string `json:"run_id,omitempty"`
	// WindowStart and WindowEnd are the world window of a scheduled
	// invocation, RFC 3339 with milliseconds; a burst has none.
	WindowStart string `json:"window_start,omitempty"`
	WindowEnd   string `json:"window_end,omitempty"`
	// Requested is a burst's count, or the number of events in the window.
	Requested int `json:"requested"`
	Generated int `json:"generated"`
	Sent      int `json:"sent"`
	Failed    int `json:"failed"`
	// Dirty counts the generated records malformed on purpose
	// (DIRTY_RATIO); when nothing failed, all of them were sent.
	Dirty    int `json:"dirty"`
	Requests int `json:"requests"`
	Retries  int `json:"retries"`
	// Late counts the world events handed to PutRecords more than a second
	// after their event_time, and MaxLagMS is the longest such delay.
	Late         int            `json:"late,omitempty"`
	MaxLagMS     int64          `json:"max_lag_ms,omitempty"`
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

// produce serves a decoded payload: a manual one sends a burst, a scheduled
// one the world's window.
func (h *Handler) produce(ctx context.Context, req Request) (Result, error) {
	if req.Trigger == TriggerManual {
		return h.burst(ctx, req)
	}
	return h.window(ctx, req)
}

// burst sends count events as fast as the rate allows, from a simulation of
// their own, stamped with the clock as they are generated.
func (h *Handler) burst(ctx context.Context, req Request) (Result, error) {
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
		Users:      h.cfg.Users,
		Seed:       seed,
		DirtyRatio: h.dirtyRatio(req),
		RunID:      req.RunID,
		Rand:       rand.New(rand.NewPCG(seed, 0)),
		IDs:        idSource(seed, invocation),
		Now:        h.now,
	})
	if err != nil {
		return Result{}, fmt.Errorf("set up event generator: %w", err)
	}
	pub, err := h.publisher(seed, eventsPerSecond)
	if err != nil {
		return Result{}, err
	}
	sendCtx, cancel := withReportMargin(ctx)
	defer cancel()
	var enc encoder
	out := pub.Publish(sendCtx, enc.records(gen.Events(count)))

	res := h.result(req, count, out, enc.dirty, start)
	return h.finish(ctx, req, res, summaryDetails{mode: "burst", seed: seed, rate: eventsPerSecond})
}

// publisher returns a Publisher to the stream at eventsPerSecond (0:
// unpaced), its backoff jitter drawn from a stream of its own so that it
// never shifts the events.
func (h *Handler) publisher(seed uint64, eventsPerSecond float64) (*publish.Publisher, error) {
	opts := h.publish
	opts.Stream = h.cfg.Stream
	opts.Rate = eventsPerSecond
	opts.Rand = rand.New(rand.NewPCG(seed, 1))
	pub, err := publish.New(h.client, opts)
	if err != nil {
		return nil, fmt.Errorf("set up publishing to %s: %w", h.cfg.Stream, err)
	}
	return pub, nil
}

func (h *Handler) dirtyRatio(req Request) float64 {
	if req.DirtyRatio != nil {
		return *req.DirtyRatio
	}
	return h.cfg.DirtyRatio
}

// result accounts for an invocation. Publish counts every record it pulls
// once, as sent or failed, and an event is generated only when its record
// is pulled.
func (h *Handler) result(req Request, requested int, out publish.Result, dirty int, start time.Time) Result {
	return Result{
		RunID:        req.RunID,
		Requested:    requested,
		Generated:    out.Sent + out.Failed,
		Sent:         out.Sent,
		Failed:       out.Failed,
		Dirty:        dirty,
		Requests:     out.Requests,
		Retries:      out.Retries,
		DurationMS:   h.now().Sub(start).Milliseconds(),
		FailureCodes: out.FailureCodes,
	}
}

// finish logs the summary line and returns res with a *DeliveryError when
// an event failed or was never generated.
func (h *Handler) finish(ctx context.Context, req Request, res Result, d summaryDetails) (Result, error) {
	var failure error
	if res.Failed > 0 || res.Generated < res.Requested {
		failure = &DeliveryError{Stream: h.cfg.Stream, Result: res}
	}
	d.err = failure
	h.logSummary(ctx, req, res, d)
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

// withReportMargin derives the context that a burst publishes under.
func withReportMargin(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	// The deadline is wall-clock time, so the margin is measured with the
	// real clock, not the injected one.
	return withMargin(ctx, reportMargin(time.Until(deadline)))
}

// withMargin derives a context that ends margin before ctx's deadline.
// Without a deadline (a test, a local run) there is no margin to keep.
func withMargin(ctx context.Context, margin time.Duration) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, deadline.Add(-margin))
}
