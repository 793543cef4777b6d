package produce

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSummaryIsEmbeddedMetricFormat checks the summary line against the
// EMF specification: "_aws" with a millisecond Timestamp and metric
// directives, and every dimension and metric they name present as a
// top-level member of the right JSON type.
func TestSummaryIsEmbeddedMetricFormat(t *testing.T) {
	fake := &fakeKinesis{reject: oddUsers("InternalFailure")}
	h := newTestHandler(testConfig(), fake)
	res, err := h.Handle(t.Context(), json.RawMessage(`{"count": 400, "run_id": "emf"}`))
	if err == nil || res.Failed == 0 {
		t.Fatalf("Handle() = %+v, %v; want some failures to report", res, err)
	}
	lines := h.logLines(t)
	if len(lines) != 1 {
		t.Fatalf("logged %d lines, want 1", len(lines))
	}
	line := lines[0]

	meta, ok := line["_aws"].(map[string]any)
	if !ok {
		t.Fatalf(`summary has no "_aws" object: %v`, line)
	}
	ts, ok := meta["Timestamp"].(float64)
	start := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	if !ok || ts != float64(int64(ts)) || ts < float64(start.UnixMilli()) || ts > float64(start.Add(time.Hour).UnixMilli()) {
		t.Errorf("_aws.Timestamp = %v, want whole milliseconds from the handler's clock", meta["Timestamp"])
	}
	wantDirectives := []any{map[string]any{
		"Namespace":  "chatstream",
		"Dimensions": []any{[]any{"Stream"}},
		"Metrics": []any{
			map[string]any{"Name": "EventsSent", "Unit": "Count"},
			map[string]any{"Name": "EventsFailed", "Unit": "Count"},
			map[string]any{"Name": "Retries", "Unit": "Count"},
		},
	}}
	if diff := cmp.Diff(wantDirectives, meta["CloudWatchMetrics"]); diff != "" {
		t.Errorf("_aws.CloudWatchMetrics (-want +got):\n%s", diff)
	}

	wantMembers := map[string]any{
		"Stream":       "chat-events",
		"EventsSent":   float64(res.Sent),
		"EventsFailed": float64(res.Failed),
		"Retries":      float64(res.Retries),
	}
	for name, want := range wantMembers {
		if got := line[name]; got != want {
			t.Errorf("summary member %s = %#v, want %#v", name, got, want)
		}
	}

	// The same line carries the invocation's result for people reading logs.
	var got Result
	raw, _ := json.Marshal(line["result"])
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(res, got); diff != "" {
		t.Errorf("summary result differs from the returned one (-returned +logged):\n%s", diff)
	}
	// Without SEED, the seed follows from the invocation id newTestHandler
	// gives the first invocation.
	wantSeed := strconv.FormatUint(seedFor("invocation-1"), 10)
	if line["trigger"] != "manual" || line["seed"] != wantSeed || line["error"] != err.Error() {
		t.Errorf("summary trigger %v seed %v error %v; want manual, %s, %q", line["trigger"], line["seed"], line["error"], wantSeed, err)
	}
}
