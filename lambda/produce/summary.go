package produce

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
)

// topCodes formats the n most common failure codes as "Code=count, …",
// most common first, ties in name order.
func topCodes(codes map[string]int, n int) string {
	names := make([]string, 0, len(codes))
	for name := range codes {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		if codes[a] != codes[b] {
			return codes[b] - codes[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, 0, n+1)
	for _, name := range names[:min(n, len(names))] {
		parts = append(parts, name+"="+strconv.Itoa(codes[name]))
	}
	if len(names) > n {
		parts = append(parts, fmt.Sprintf("%d more codes", len(names)-n))
	}
	if len(parts) == 0 {
		return "no failure codes reported"
	}
	return strings.Join(parts, ", ")
}

// Embedded Metric Format names: CloudWatch turns the summary line into
// these metrics without any API call from the function. They are exported
// for the dashboard that graphs them.
const (
	// MetricNamespace is the CloudWatch namespace of the producer's metrics.
	MetricNamespace = "chatstream"
	// MetricStreamDimension is the dimension that names the stream written to.
	MetricStreamDimension = "Stream"
	// MetricEventsSent is the metric of Result.Sent.
	MetricEventsSent = "EventsSent"
	// MetricEventsFailed is the metric of Result.Failed.
	MetricEventsFailed = "EventsFailed"
	// MetricRetries is the metric of Result.Retries.
	MetricRetries = "Retries"
)

// emfMetadata is the "_aws" member of an Embedded Metric Format log line.
type emfMetadata struct {
	Timestamp         int64          `json:"Timestamp"` // milliseconds since the Unix epoch
	CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
}

type emfDirective struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []emfMetric `json:"Metrics"`
}

type emfMetric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

// summaryDetails is what the summary line reports beyond the Result.
type summaryDetails struct {
	mode string // "world" or "burst"
	seed uint64
	rate float64
	err  error
}

// logSummary writes the invocation's one summary line. The line doubles as
// an Embedded Metric Format record: "_aws" declares the metrics, and their
// values and dimension are top-level members, as the format requires. It
// becomes metrics only when the function logs JSON (LoggingFormat JSON).
func (h *Handler) logSummary(ctx context.Context, req Request, res Result, d summaryDetails) {
	emf := emfMetadata{
		Timestamp: h.now().UnixMilli(),
		CloudWatchMetrics: []emfDirective{{
			Namespace:  MetricNamespace,
			Dimensions: [][]string{{MetricStreamDimension}},
			Metrics: []emfMetric{
				{Name: MetricEventsSent, Unit: "Count"},
				{Name: MetricEventsFailed, Unit: "Count"},
				{Name: MetricRetries, Unit: "Count"},
			},
		}},
	}
	attrs := []slog.Attr{
		slog.Any("_aws", emf),
		slog.String(MetricStreamDimension, h.cfg.Stream),
		slog.Int(MetricEventsSent, res.Sent),
		slog.Int(MetricEventsFailed, res.Failed),
		slog.Int(MetricRetries, res.Retries),
		slog.String("trigger", string(req.Trigger)),
		slog.String("mode", d.mode),
		// A string, because log tools read JSON numbers as float64 and
		// would round a 64-bit seed.
		slog.String("seed", strconv.FormatUint(d.seed, 10)),
		slog.Float64("rate", d.rate),
		slog.Any("result", res),
	}
	if d.mode == "world" {
		attrs = append(attrs, slog.Int("users", h.cfg.Users), slog.Float64("window_s", h.cfg.Window.Seconds()), slog.String("rhythm", h.cfg.Rhythm.String()))
	}
	if req.Schedule != "" {
		attrs = append(attrs, slog.String("schedule", req.Schedule))
	}
	if req.ScheduledTime != "" {
		attrs = append(attrs, slog.String("scheduled_time", req.ScheduledTime))
	}
	if req.ExecutionID != "" {
		attrs = append(attrs, slog.String("execution_id", req.ExecutionID), slog.String("attempt", req.Attempt))
	}
	level := slog.LevelInfo
	if d.err != nil {
		level = slog.LevelError
		attrs = append(attrs, slog.String("error", d.err.Error()))
	}
	h.log.LogAttrs(ctx, level, "invocation summary", attrs...)
}
