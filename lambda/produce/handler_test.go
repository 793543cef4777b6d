package produce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/chatstream/chatstream/lambda/publish"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// stepClock starts at 2026-11-27T10:00:00Z and moves 1 ms per call. It is
// safe for concurrent use.
func stepClock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Millisecond)
		return t
	}
}

// quickPublish retries fast so failure tests take milliseconds.
func quickPublish() publish.Options {
	return publish.Options{MaxAttempts: 3, BaseBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}
}

type testHandler struct {
	*Handler
	logs *bytes.Buffer
}

func newTestHandler(cfg Config, client putRecordsAPI) testHandler {
	logs := &bytes.Buffer{}
	invocations := 0
	h := NewHandler(cfg, client, slog.New(slog.NewJSONHandler(logs, nil)), Options{
		Now: stepClock(),
		InvocationID: func() string {
			invocations++
			return fmt.Sprintf("invocation-%d", invocations)
		},
		Publish: quickPublish(),
	})
	return testHandler{Handler: h, logs: logs}
}

// logLines decodes every JSON log line written so far.
func (h testHandler) logLines(t *testing.T) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(h.logs.Bytes()), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("log line %s is not JSON: %v", line, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func testConfig() Config {
	return Config{Stream: "chat-events", Count: 30, Users: 100}
}

func readEvent(t *testing.T, file string) json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "events", file))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// eventRecord is the part of an event record these tests check.
type eventRecord struct {
	UserID int64  `json:"user_id"`
	RunID  string `json:"run_id"`
}

// TestHandleSendsEverything covers manual payloads, which send a burst;
// world_test.go covers the scheduled ones.
func TestHandleSendsEverything(t *testing.T) {
	tests := []struct {
		name        string
		payload     json.RawMessage
		wantTrigger Trigger
		want        Result
	}{
		{name: "empty manual payload", payload: json.RawMessage(`{}`), wantTrigger: TriggerManual,
			want: Result{Requested: 30, Generated: 30, Sent: 30, Requests: 1}},
		{name: "manual count and run id", payload: json.RawMessage(`{"count": 1200, "run_id": "t-1"}`), wantTrigger: TriggerManual,
			want: Result{RunID: "t-1", Requested: 1200, Generated: 1200, Sent: 1200, Requests: 3}},
		{name: "manual sample, paced", payload: readEvent(t, "manual.json"), wantTrigger: TriggerManual,
			want: Result{RunID: "manual-example", Requested: 100, Generated: 100, Sent: 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeKinesis{}
			h := newTestHandler(testConfig(), fake)
			got, err := h.Handle(t.Context(), tt.payload)
			if err != nil {
				t.Fatalf("Handle() error = %v", err)
			}
			// Paced requests depend on timing; the 500-record batches do not.
			ignore := []string{"DurationMS"}
			if tt.want.Requests == 0 {
				ignore = append(ignore, "Requests")
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Result{}, ignore...)); diff != "" {
				t.Errorf("Handle() result (-want +got):\n%s", diff)
			}
			if got.DurationMS <= 0 {
				t.Errorf("Handle() duration_ms = %d, want > 0", got.DurationMS)
			}

			_, accepted, _ := fake.snapshot()
			if len(accepted) != tt.want.Sent {
				t.Fatalf("Kinesis received %d records, want %d", len(accepted), tt.want.Sent)
			}
			for _, e := range accepted {
				var rec eventRecord
				if err := json.Unmarshal(e.Data, &rec); err != nil {
					t.Fatalf("record %s: %v", e.Data, err)
				}
				if key := strconv.FormatInt(rec.UserID, 10); *e.PartitionKey != key || rec.RunID != tt.want.RunID {
					t.Fatalf("record %s has partition key %q, want %q and run_id %q", e.Data, *e.PartitionKey, key, tt.want.RunID)
				}
			}

			lines := h.logLines(t)
			if len(lines) != 1 {
				t.Fatalf("logged %d lines, want one summary line: %s", len(lines), h.logs)
			}
			if lines[0]["level"] != "INFO" || lines[0]["trigger"] != string(tt.wantTrigger) {
				t.Errorf("summary level %v trigger %v, want INFO %s", lines[0]["level"], lines[0]["trigger"], tt.wantTrigger)
			}
		})
	}
}

func TestHandleRefusesBadPayloadsAndRecovers(t *testing.T) {
	payloads := []struct {
		name    string
		payload string
		wantErr string
	}{
		{name: "not JSON", payload: `hello`, wantErr: "payload is not JSON"},
		{name: "array", payload: `[1]`, wantErr: "payload is an array"},
		{name: "count zero", payload: `{"count": 0}`, wantErr: "count 0 is out of range"},
		{name: "fractional count", payload: `{"count": 2.5}`, wantErr: "count 2.5 is not a whole number"},
		{name: "count above maximum", payload: `{"count": 2000000}`, wantErr: "count 2000000 is out of range"},
		{name: "negative rate", payload: `{"rate": -1}`, wantErr: "rate -1 is negative"},
		{name: "unknown field", payload: `{"count": 1, "verbose": true}`, wantErr: `unknown field "verbose"`},
		{name: "bad run id", payload: `{"run_id": "x y"}`, wantErr: `run id "x y"`},
	}
	fake := &fakeKinesis{}
	h := newTestHandler(testConfig(), fake)
	for _, tt := range payloads {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.Handle(t.Context(), json.RawMessage(tt.payload))
			var refused *PayloadError
			if !errors.As(err, &refused) || !strings.HasPrefix(err.Error(), "refused invocation, no events sent: ") || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Handle(%s) error = %v, want a refusal containing %q", tt.payload, err, tt.wantErr)
			}
		})
	}
	if calls, _, _ := fake.snapshot(); calls != 0 {
		t.Fatalf("refused payloads made %d PutRecords calls, want 0", calls)
	}
	got, err := h.Handle(t.Context(), json.RawMessage(`{"count": 10}`))
	if err != nil || got.Sent != 10 {
		t.Errorf("Handle() after refusals = %+v, %v; want 10 sent", got, err)
	}
}

// sentEvents is what one invocation wrote: the event ids, and the events
// without their ids and times, sorted because concurrent requests land in
// any order.
type sentEvents struct {
	ids    []string
	events []string
}

var idAndTime = regexp.MustCompile(`"event_id":"[^"]*","event_time":"[^"]*",`)

func invokeAndCollect(t *testing.T, h testHandler, fake *fakeKinesis, ctx context.Context) sentEvents {
	t.Helper()
	fake.mu.Lock()
	fake.accepted = nil
	fake.mu.Unlock()
	if _, err := h.Handle(ctx, json.RawMessage(`{"count": 2000}`)); err != nil {
		t.Fatalf("Handle() error = %v", err)
	}
	_, accepted, _ := fake.snapshot()
	var out sentEvents
	for _, e := range accepted {
		var rec struct {
			EventID string `json:"event_id"`
		}
		if err := json.Unmarshal(e.Data, &rec); err != nil || rec.EventID == "" {
			t.Fatalf("record %s has no event id (%v)", e.Data, err)
		}
		out.ids = append(out.ids, rec.EventID)
		out.events = append(out.events, idAndTime.ReplaceAllString(string(e.Data), ""))
	}
	slices.Sort(out.ids)
	slices.Sort(out.events)
	if len(out.ids) != 2000 {
		t.Fatalf("Kinesis received %d records, want 2000", len(out.ids))
	}
	return out
}

// TestHandleSeedAndRequestID pins down which invocations repeat events and
// which repeat ids: SEED repeats what happens, only a retry of the same
// invocation (the same Lambda request id) repeats ids.
func TestHandleSeedAndRequestID(t *testing.T) {
	tests := []struct {
		name           string
		seeded         bool
		first, second  string // Lambda request ids; "" runs without a Lambda context
		wantSameEvents bool
		wantSameIDs    bool // otherwise disjoint
	}{
		{name: "SEED, two invocations", seeded: true, first: "req-a", second: "req-b", wantSameEvents: true},
		{name: "SEED, a retry of one invocation", seeded: true, first: "req-a", second: "req-a", wantSameEvents: true, wantSameIDs: true},
		{name: "SEED, outside Lambda", seeded: true, wantSameEvents: true},
		{name: "no SEED, two invocations", first: "req-a", second: "req-b"},
		{name: "no SEED, a retry of one invocation", first: "req-a", second: "req-a", wantSameEvents: true, wantSameIDs: true},
		{name: "no SEED, outside Lambda"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Seed, cfg.Seeded = 42, tt.seeded
			fake := &fakeKinesis{}
			h := newTestHandler(cfg, fake)
			ctx := func(requestID string) context.Context {
				if requestID == "" {
					return t.Context()
				}
				return lambdacontext.NewContext(t.Context(), &lambdacontext.LambdaContext{AwsRequestID: requestID})
			}
			first := invokeAndCollect(t, h, fake, ctx(tt.first))
			second := invokeAndCollect(t, h, fake, ctx(tt.second))

			if same := slices.Equal(first.events, second.events); same != tt.wantSameEvents {
				t.Errorf("the two invocations sent the same events (names, users, chats): %t, want %t", same, tt.wantSameEvents)
			}
			if tt.wantSameIDs {
				if diff := cmp.Diff(first.ids, second.ids); diff != "" {
					t.Errorf("event ids of a retry differ from the first attempt's (-first +second):\n%s", diff)
				}
				return
			}
			for _, id := range second.ids {
				if _, found := slices.BinarySearch(first.ids, id); found {
					t.Fatalf("event id %s sent by both invocations, want disjoint ids", id)
				}
			}
		})
	}
}

func TestHandleReportsFailures(t *testing.T) {
	// Users with odd ids are always throttled: their records fail after
	// quickPublish's three attempts, everyone else's go through.
	const code = "ProvisionedThroughputExceededException"
	fake := &fakeKinesis{reject: oddUsers(code)}
	h := newTestHandler(testConfig(), fake)
	got, err := h.Handle(t.Context(), json.RawMessage(`{"count": 3000}`))

	_, accepted, rejected := fake.snapshot()
	want := Result{
		Requested:    3000,
		Generated:    3000,
		Sent:         len(accepted),
		Failed:       len(rejected),
		Retries:      2 * len(rejected),
		FailureCodes: map[string]int{code: len(rejected)},
	}
	if len(rejected) == 0 || len(accepted)+len(rejected) != 3000 {
		t.Fatalf("fake saw %d accepted and %d rejected records, want some rejected and 3000 in all", len(accepted), len(rejected))
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Result{}, "DurationMS", "Requests")); diff != "" {
		t.Errorf("Handle() result (-want +got):\n%s", diff)
	}
	for times := range rejected {
		if n := rejected[times]; n != 3 {
			t.Fatalf("record %s was rejected %d times, want 3 attempts", times, n)
		}
	}
	wantErr := fmt.Sprintf("sent %d of 3000 events to chat-events; %d failed (%s=%d)", len(accepted), len(rejected), code, len(rejected))
	var delivery *DeliveryError
	if !errors.As(err, &delivery) || err.Error() != wantErr || delivery.Result.Failed != len(rejected) {
		t.Errorf("Handle() error = %v, want a *DeliveryError %q", err, wantErr)
	}
	lines := h.logLines(t)
	if len(lines) != 1 || lines[0]["level"] != "ERROR" || lines[0]["error"] != wantErr {
		t.Errorf("logged %v, want one ERROR summary line carrying the error", lines)
	}
}

func TestHandleStopsBeforeDeadline(t *testing.T) {
	// 20 ms per request and a million events: far more than fits before
	// the deadline.
	fake := &fakeKinesis{delay: 20 * time.Millisecond}
	h := newTestHandler(testConfig(), fake)
	deadline := time.Now().Add(1200 * time.Millisecond)
	ctx, cancel := context.WithDeadline(t.Context(), deadline)
	defer cancel()

	got, err := h.Handle(ctx, json.RawMessage(`{"count": 1000000}`))
	if returned := time.Now(); !returned.Before(deadline) {
		t.Errorf("Handle() returned %v after the deadline", returned.Sub(deadline))
	}
	if got.Sent == 0 || got.Generated >= got.Requested || got.Sent+got.Failed != got.Generated {
		t.Errorf("Handle() = %+v, want some sent, fewer generated than requested, sent+failed == generated", got)
	}
	_, accepted, _ := fake.snapshot()
	if len(accepted) < got.Sent {
		t.Errorf("Kinesis holds %d records, fewer than the %d reported sent", len(accepted), got.Sent)
	}
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%d not generated before the deadline", got.Requested-got.Generated)) {
		t.Errorf("Handle() error = %v, want it to count the events not generated", err)
	}
}

func TestReportMargin(t *testing.T) {
	tests := []struct {
		left, want time.Duration
	}{
		{left: 0, want: 500 * time.Millisecond},
		{left: 3 * time.Second, want: 500 * time.Millisecond},
		{left: 10 * time.Second, want: 500 * time.Millisecond},
		{left: time.Minute, want: 3 * time.Second},
		{left: 15 * time.Minute, want: 45 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.left.String(), func(t *testing.T) {
			if got := reportMargin(tt.left); got != tt.want {
				t.Errorf("reportMargin(%v) = %v, want %v", tt.left, got, tt.want)
			}
		})
	}
}

// TestBurstDirtyRecords: a manual payload's dirty_ratio malforms that share
// of the burst, and the result counts what it malformed.
func TestBurstDirtyRecords(t *testing.T) {
	fake := &fakeKinesis{}
	h := newTestHandler(testConfig(), fake)
	res, err := h.Handle(t.Context(), json.RawMessage(`{"count": 2000, "dirty_ratio": 0.3}`))
	if err != nil {
		t.Fatal(err)
	}
	_, accepted, _ := fake.snapshot()
	malformed := countMalformed(accepted)
	if res.Dirty != malformed || malformed < 500 || malformed > 700 || res.Sent != 2000 {
		t.Errorf("result %+v says %d dirty, the stream holds %d malformed of %d; want equal, about 600", res, res.Dirty, malformed, len(accepted))
	}
}
