package smoke

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	schedtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/chatstream/chatstream/internal/stack/stacktest"
	"github.com/chatstream/chatstream/lambda/produce"
	"github.com/google/go-cmp/cmp"
)

func TestCommandLineErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "no environment", args: nil, wantErr: "smoke: -env is required, such as -env staging"},
		{name: "bad environment", args: []string{"-env", "Prod;x"}, wantErr: `smoke: -env: environment "Prod;x": want 1 to 20 lower-case letters`},
		{name: "no events", args: []string{"-env", "staging", "-count", "0"}, wantErr: "smoke: -count 0: want 1 to 1000000 events"},
		{name: "too many events", args: []string{"-env", "staging", "-count", "1000001"}, wantErr: "smoke: -count 1000001: want 1 to 1000000 events"},
		{name: "negative rate", args: []string{"-env", "staging", "-rate", "-5"}, wantErr: "smoke: -rate -5: want 0 (unpaced) or more events per second"},
		{name: "infinite rate", args: []string{"-env", "staging", "-rate", "+Inf"}, wantErr: "smoke: -rate +Inf: want 0 (unpaced)"},
		{name: "rate not a number", args: []string{"-env", "staging", "-rate", "fast"}, wantErr: `invalid value "fast" for flag -rate: want a number of events per second, such as 50`},
		{name: "zero timeout", args: []string{"-env", "staging", "-timeout", "0s"}, wantErr: "smoke: -timeout 0s: want more than 0 and at most 1h0m0s"},
		{name: "endless timeout", args: []string{"-env", "staging", "-timeout", "3h"}, wantErr: "smoke: -timeout 3h0m0s: want more than 0 and at most 1h0m0s"},
		{name: "poll longer than timeout", args: []string{"-env", "staging", "-timeout", "10s", "-poll", "1m"}, wantErr: "smoke: -poll 1m0s: want more than 0 and at most -timeout (10s)"},
		{name: "stray argument", args: []string{"-env", "staging", "now"}, wantErr: `smoke: unexpected argument "now"`},
		{name: "unknown flag", args: []string{"-env", "staging", "-events", "5"}, wantErr: "flag provided but not defined: -events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			deps := Deps{NewClients: func(context.Context) (Clients, error) {
				t.Error("built AWS clients for a bad command line")
				return Clients{}, errors.New("no clients")
			}}
			if code := Main(t.Context(), tt.args, &stdout, &stderr, deps); code != ExitUsage {
				t.Errorf("Main(%q) = %d, want %d", tt.args, code, ExitUsage)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr = %q; want it to contain %q", stderr.String(), tt.wantErr)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q; want nothing", stdout.String())
			}
		})
	}
}

// TestPayloadRate: make smoke passes -rate only when RATE is set, and the
// payload must then leave the producer's configured RATE alone; it used to
// send "rate":0 every time, which turned pacing off.
func TestPayloadRate(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // the payload's rate member, "" for none
	}{
		{name: "no -rate keeps the producer's RATE", args: nil, want: ""},
		{name: "-rate 0 sends unpaced", args: []string{"-rate", "0"}, want: "0"},
		{name: "-rate 12.5", args: []string{"-rate", "12.5"}, want: "12.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemSetup(t, after(0))
			if code, stdout, stderr := m.run(t.Context(), t, append([]string{"-timeout", "10s"}, tt.args...)...); code != ExitPass {
				t.Fatalf("exit code %d, want %d; stdout:\n%s\nstderr:\n%s", code, ExitPass, stdout, stderr)
			}
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(m.producer.payload, &fields); err != nil {
				t.Fatalf("payload %s: %v", m.producer.payload, err)
			}
			if got := string(fields["rate"]); got != tt.want {
				t.Errorf("payload %s has rate %q, want %q", m.producer.payload, got, tt.want)
			}
		})
	}
}

// memSetup is a smoke test against an in-memory stream and fake producer.
type memSetup struct {
	stream    *memStream
	producer  *fakeProducer
	loader    *fakeLoader
	warehouse *fakeWarehouse
	schedules fakeSchedules
	stacks    stacktest.Stacks
}

func newMemSetup(t *testing.T, a arrival) *memSetup {
	stream := &memStream{}
	warehouse := newFakeWarehouse(t, stream.read, a)
	return &memSetup{
		stream:    stream,
		producer:  &fakeProducer{stream: stream},
		loader:    &fakeLoader{warehouse: warehouse},
		warehouse: warehouse,
		schedules: fakeSchedules{state: schedtypes.ScheduleStateEnabled},
		stacks:    stagingStack("chatstream-staging-Producer-1A2B3C"),
	}
}

func (m *memSetup) run(ctx context.Context, t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	deps := Deps{
		NewClients: func(context.Context) (Clients, error) {
			return Clients{Stacks: m.stacks, Lambda: functions{producer: m.producer, loader: m.loader}, Data: m.warehouse, Schedules: m.schedules}, nil
		},
		NewRunID: fixedRunID("smoke-20261127T100000Z-1a2b3c4d"),
	}
	code = Main(ctx, append([]string{"-env", "staging", "-count", "50", "-poll", "20ms"}, args...), &out, &errOut, deps)
	return code, out.String(), errOut.String()
}

func TestPassWithoutKinesis(t *testing.T) {
	m := newMemSetup(t, after(250*time.Millisecond))
	code, stdout, stderr := m.run(t.Context(), t, "-timeout", "10s")
	if code != ExitPass {
		t.Fatalf("exit code %d, want %d; stdout:\n%s\nstderr:\n%s", code, ExitPass, stdout, stderr)
	}
	calls := m.warehouse.called()
	if len(calls) < 2 || calls[len(calls)-1] != "smoke_latency" {
		t.Fatalf("statements %v; want progress polls, then smoke_latency", calls)
	}
	for _, c := range calls[:len(calls)-1] {
		if c != "smoke_progress" {
			t.Fatalf("statements %v; want only progress polls before the latency, and no diagnosis after a pass", calls)
		}
	}
	for _, want := range []string{
		"PASS: all 50 events of the run are queryable in Redshift.",
		"latency p50               0.250 s",
		"latency max               0.250 s",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
}

// scheduled makes the stack's mode scheduled, every 15 minutes, with no
// load running until one is invoked.
func (m *memSetup) scheduled() {
	m.stacks["chatstream-staging"]["LoadMode"] = "scheduled"
	m.stacks["chatstream-staging"]["LoadIntervalMinutes"] = "15"
	m.warehouse.loaderStopped = true
}

func TestScheduledModeRunsALoadRatherThanWaitForTheSchedule(t *testing.T) {
	// GIVEN a stack in scheduled mode whose loads run only when invoked
	m := newMemSetup(t, after(250*time.Millisecond))
	m.scheduled()
	// WHEN the smoke test runs
	code, stdout, stderr := m.run(t.Context(), t, "-timeout", "10s")
	// THEN it runs one load itself, with what the schedule sends, sees every event, and says
	// what latency the mode gives
	if code != ExitPass {
		t.Fatalf("exit code %d, want %d; stdout:\n%s\nstderr:\n%s", code, ExitPass, stdout, stderr)
	}
	if len(m.loader.payloads) != 1 || m.loader.payloads[0] != "{}" {
		t.Errorf("loader invoked with %q, want once with {}", m.loader.payloads)
	}
	goldenReport(t, "scheduled.golden", stdout)
	if !strings.Contains(stderr, "scheduled mode: running one load with "+testLoader+" now rather than waiting up to 15 minutes") {
		t.Errorf("progress lacks the load:\n%s", stderr)
	}
}

func TestRealtimeModeLeavesLoadsToTheSchedule(t *testing.T) {
	m := newMemSetup(t, after(250*time.Millisecond))
	if code, stdout, _ := m.run(t.Context(), t, "-timeout", "10s"); code != ExitPass || !strings.Contains(stdout, "expect events in the table about a minute after") {
		t.Fatalf("exit code %d, report:\n%s\nwant a pass that states realtime's latency", code, stdout)
	}
	if len(m.loader.payloads) != 0 {
		t.Errorf("loader invoked %d times in realtime mode, want none", len(m.loader.payloads))
	}
}

func TestFailuresWithoutKinesis(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(m *memSetup)
		args      []string
		golden    string
		wantCalls []string // Data API statements, in order; nil: any
	}{
		{
			name: "the load the test runs in scheduled mode stops",
			setup: func(m *memSetup) {
				m.scheduled()
				m.loader.errorMessage = "load load-20261127T100001Z-5e6f7a8b stopped at move: statement 1 of 1 (move_to_landing) FAILED: ERROR: permission denied; " +
					"the rows wait in the materialized view, and the next load moves them"
			},
			golden:    "load_failed.golden",
			wantCalls: []string{},
		},
		{
			name: "stack not deployed",
			setup: func(m *memSetup) {
				m.stacks = stacktest.Stacks{}
			},
			golden:    "no_stack.golden",
			wantCalls: []string{},
		},
		{
			name: "producer failed to deliver",
			setup: func(m *memSetup) {
				m.producer.errorType = "DeliveryError"
				m.producer.errorMessage = "sent 40 of 50 events to chat-events-staging; 10 failed (ProvisionedThroughputExceededException=10)"
			},
			golden:    "producer_delivery_error.golden",
			wantCalls: []string{},
		},
		{
			name: "deployed producer is older",
			setup: func(m *memSetup) {
				m.producer.errorType = "PayloadError"
				m.producer.errorMessage = `refused invocation, no events sent: manual payload: unknown field "run_id"`
			},
			golden:    "producer_payload_error.golden",
			wantCalls: []string{},
		},
		{
			name: "producer ignores the run id",
			setup: func(m *memSetup) {
				m.producer.answerRunID = new(string)
			},
			golden:    "producer_no_run_id.golden",
			wantCalls: []string{},
		},
		{
			name: "more events than produced",
			setup: func(m *memSetup) {
				m.producer.extra = 3
			},
			args:      []string{"-timeout", "5s"},
			golden:    "surplus.golden",
			wantCalls: []string{"smoke_progress", "smoke_latency"},
		},
		{
			name: "scan errors and a schedule that cannot be read",
			setup: func(m *memSetup) {
				m.warehouse.arrival = func(rank, n int) (time.Duration, bool) { return 0, rank < 40 }
				m.warehouse.scanErrors = []fakeScanError{
					{code: 101, reason: "Error parsing JSON record", records: 10, lastSeen: "2026-11-27 10:00:02.117", stream: testStream},
					{code: 101, reason: "another stream's error", records: 99, lastSeen: "2026-11-27 10:00:02.117", stream: "other"},
				}
				m.schedules.err = errors.New("AccessDeniedException: not authorized to perform scheduler:GetSchedule")
			},
			args:   []string{"-timeout", "300ms"},
			golden: "scan_errors.golden",
		},
		{
			name: "auto refresh off and nothing ingested",
			setup: func(m *memSetup) {
				m.warehouse.arrival = func(int, int) (time.Duration, bool) { return 0, false }
				m.warehouse.view.autorefresh = "f"
				m.warehouse.view.isStale = "t"
				m.schedules.state = schedtypes.ScheduleStateDisabled
			},
			args:   []string{"-timeout", "200ms"},
			golden: "autorefresh_off.golden",
		},
		{
			name: "records reached Redshift but no load moved them",
			setup: func(m *memSetup) {
				m.warehouse.loaderStopped = true
				m.warehouse.lastLoad = nil
			},
			args:   []string{"-timeout", "200ms"},
			golden: "loader_stopped.golden",
		},
		{
			name: "a load rejected some records",
			setup: func(m *memSetup) {
				m.warehouse.arrival = func(rank, n int) (time.Duration, bool) { return 0, rank < 48 }
				m.warehouse.rejected = 2
			},
			args:   []string{"-timeout", "200ms"},
			golden: "rejected.golden",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemSetup(t, after(0))
			tt.setup(m)
			code, stdout, stderr := m.run(t.Context(), t, tt.args...)
			if code != ExitFail {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, ExitFail, stderr)
			}
			goldenReport(t, tt.golden, stdout)
			calls := m.warehouse.called()
			if tt.wantCalls != nil {
				if calls == nil {
					calls = []string{}
				}
				if diff := cmp.Diff(tt.wantCalls, calls); diff != "" {
					t.Errorf("statements (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestInterruptStopsPolling(t *testing.T) {
	// GIVEN a run whose events never arrive.
	m := newMemSetup(t, func(int, int) (time.Duration, bool) { return 0, false })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	polls := 0
	m.warehouse.executed = func(name string) {
		if name == "smoke_progress" {
			if polls++; polls == 3 {
				cancel() // Ctrl-C while the third poll runs
			}
		}
	}

	// WHEN the person presses Ctrl-C during the wait.
	start := time.Now()
	code, stdout, _ := m.run(ctx, t, "-timeout", "1m")

	// THEN it stops at once, reports what it saw, and asks Redshift nothing
	// more.
	if code != ExitFail {
		t.Errorf("exit code %d, want %d", code, ExitFail)
	}
	if waited := time.Since(start); waited > 10*time.Second {
		t.Errorf("took %s to stop; want it to stop at once, not at the 1m timeout", waited)
	}
	if calls := m.warehouse.called(); len(calls) != 3 {
		t.Errorf("statements %v; want the three polls and nothing after the interrupt", calls)
	}
	goldenReport(t, "interrupted.golden", stdout)
}

func TestNewRunID(t *testing.T) {
	now := time.Date(2026, 11, 27, 11, 0, 0, 0, time.FixedZone("CET", 3600))
	got, err := NewRunID(now, bytes.NewReader(bytes.Repeat([]byte{0xab}, 16)))
	if err != nil {
		t.Fatal(err)
	}
	if want := "smoke-20261127T100000Z-abababab"; got != want {
		t.Errorf("NewRunID = %q, want %q", got, want)
	}
	// The producer's own decoder accepts it.
	if _, err := produce.ParsePayload([]byte(`{"count":1,"run_id":"` + got + `"}`)); err != nil {
		t.Errorf("the producer refuses run id %q: %v", got, err)
	}
	if _, err := NewRunID(now, bytes.NewReader(nil)); err == nil || !strings.Contains(err.Error(), "draw a run id") {
		t.Errorf("NewRunID without randomness = %v; want an error", err)
	}
}

func TestViewSchema(t *testing.T) {
	tests := []struct {
		view, want, wantErr string
	}{
		{view: `"chatstream".chat_events`, want: "chatstream"},
		{view: `"odd""name".chat_events`, want: `odd"name`},
		{view: `chatstream.chat_events`, wantErr: `stack output EventsTable = "chatstream.chat_events": want a quoted schema and .chat_events`},
		{view: `"chatstream".other_view`, wantErr: "want a quoted schema"},
		{view: `"a"b".chat_events`, wantErr: "want a quoted schema"},
		{view: `".chat_events`, wantErr: "want a quoted schema"},
	}
	for _, tt := range tests {
		t.Run(tt.view, func(t *testing.T) {
			got, err := viewSchema(tt.view)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("viewSchema(%q) = %q, %v; want an error containing %q", tt.view, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("viewSchema(%q) = %q, %v; want %q", tt.view, got, err, tt.want)
			}
		})
	}
}
