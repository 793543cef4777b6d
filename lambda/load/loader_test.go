package load

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	chatsql "github.com/chatstream/chatstream/sql"
	"github.com/google/go-cmp/cmp"
)

// clock is a fake time that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(100 * time.Millisecond)
	return c.now
}

// noWait records the waits between status checks without waiting.
type noWait struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (n *noWait) wait(ctx context.Context, d time.Duration) error {
	n.mu.Lock()
	n.waits = append(n.waits, d)
	n.mu.Unlock()
	return ctx.Err()
}

// newTestLoader returns a loader on w whose run ids are reproducible.
func newTestLoader(t *testing.T, w *warehouse, seed uint64) (*Loader, *noWait) {
	t.Helper()
	waits := &noWait{}
	var tokens int
	var mu sync.Mutex
	token := func() string {
		mu.Lock()
		defer mu.Unlock()
		tokens++
		return fmt.Sprintf("token-%d-%d", seed, tokens)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	api := newDataAPI(w, testTarget, log, waits.wait, token)
	c := &clock{now: time.Date(2026, 11, 27, 10, 15, 0, 0, time.UTC)}
	l, err := New(api, w.params, c.Now, rand.New(rand.NewPCG(seed, 1)), log)
	if err != nil {
		t.Fatal(err)
	}
	return l, waits
}

// event is a record of a valid event; copy n of it has its own sequence
// number, as a retried PutRecords stores it.
func event(id string, copy int) record {
	return record{
		shard: "shardId-000000000000", seq: fmt.Sprintf("%s-%d", id, copy),
		data: fmt.Sprintf(`{"schema_version":1,"event_id":%q,"event_time":"2026-11-27T10:14:00.000Z","event_name":"JOIN","user_id":7}`, id),
	}
}

// events returns n events with ids prefix-0 … prefix-(n-1).
func events(prefix string, n int) []record {
	var out []record
	for i := range n {
		out = append(out, event(fmt.Sprintf("%s-%d", prefix, i), 0))
	}
	return out
}

func TestRunLoadsEachEventOnce(t *testing.T) {
	for _, mode := range []chatsql.Mode{chatsql.Realtime, chatsql.Scheduled} {
		t.Run(string(mode), func(t *testing.T) {
			// GIVEN a stream with 100 events, 10 of them stored twice, and
			// one record that is not JSON.
			w := newWarehouse(t, mode)
			w.put(events("e", 100)...)
			for i := range 10 {
				w.put(event(fmt.Sprintf("e-%d", i), 1))
			}
			w.put(record{shard: "shardId-000000000001", seq: "bad-0", data: "not json {"})
			l, _ := newTestLoader(t, w, 1)

			// WHEN the loader runs.
			res, err := l.Run(t.Context())

			// THEN it ran the mode's statements in order, loaded each event
			// once, kept the bad record, and left nothing waiting.
			if err != nil {
				t.Fatalf("Run = %v", err)
			}
			want := []string{"count_pending", "move_to_landing", "transaction"}
			if mode == chatsql.Scheduled {
				want = append([]string{"refresh_stream_view"}, want...)
			}
			if diff := cmp.Diff(want, w.submittedNames()); diff != "" {
				t.Errorf("statements (-want +got):\n%s", diff)
			}
			wantRes := Result{
				ID: "load-20261127T101500Z-" + res.ID[len(res.ID)-8:], Mode: mode, Refreshed: mode == chatsql.Scheduled,
				Streamed: 111, Moved: 111, Inserted: 100, Duplicates: 10, Rejected: 1, DurationMS: res.DurationMS,
			}
			if diff := cmp.Diff(wantRes, res); diff != "" {
				t.Errorf("Result (-want +got):\n%s", diff)
			}
			if res.DurationMS <= 0 {
				t.Errorf("DurationMS = %d; want the run's duration", res.DurationMS)
			}
			got := w.state()
			if got.Events != 100 || got.Rejected != 1 || got.View != 0 || got.Landing != 0 || got.Runs != 1 {
				t.Errorf("after the run: %+v; want 100 events, 1 rejected, nothing waiting, 1 run", got)
			}
		})
	}
}

func TestEmptyRunIsCheap(t *testing.T) {
	tests := []struct {
		mode chatsql.Mode
		want []string
	}{
		{chatsql.Realtime, []string{"count_pending"}},
		{chatsql.Scheduled, []string{"refresh_stream_view", "count_pending"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			// GIVEN nothing new in the stream.
			w := newWarehouse(t, tt.mode)
			l, _ := newTestLoader(t, w, 1)

			// WHEN the loader runs.
			res, err := l.Run(t.Context())

			// THEN it counted and stopped: one statement in realtime mode,
			// and the refresh before it in scheduled mode; no run recorded.
			if err != nil {
				t.Fatalf("Run = %v", err)
			}
			if diff := cmp.Diff(tt.want, w.submittedNames()); diff != "" {
				t.Errorf("statements (-want +got):\n%s", diff)
			}
			if res.Moved != 0 || res.Streamed != 0 || w.state().Runs != 0 {
				t.Errorf("Result %+v and %d runs recorded; want nothing", res, w.state().Runs)
			}
		})
	}
}

func TestLandedRowsAreLoadedWithoutAMove(t *testing.T) {
	// GIVEN rows a failed run left in the landing table, and an empty view.
	w := newWarehouse(t, chatsql.Realtime)
	w.put(events("e", 5)...)
	l, _ := newTestLoader(t, w, 1)
	w.fail["report_run"] = "ERROR: canceled on user's request"
	if _, err := l.Run(t.Context()); err == nil {
		t.Fatal("first run succeeded; want it to fail in its transaction")
	}
	delete(w.fail, "report_run")
	w.submitted = nil

	// WHEN the next run finds nothing new in the stream.
	res, err := l.Run(t.Context())

	// THEN it skips the move and loads the landing table.
	if err != nil {
		t.Fatalf("Run = %v", err)
	}
	if diff := cmp.Diff([]string{"count_pending", "transaction"}, w.submittedNames()); diff != "" {
		t.Errorf("statements (-want +got):\n%s", diff)
	}
	if res.Landed != 5 || res.Inserted != 5 {
		t.Errorf("Result = %+v; want 5 landed and inserted", res)
	}
}

// TestCrashAtEveryStepThenRerun stops a run at each step, as a Lambda that
// dies or a statement that fails would, with more records arriving
// meanwhile; the next run must complete the load: every event once, every
// bad record once, nothing left waiting.
func TestCrashAtEveryStepThenRerun(t *testing.T) {
	tests := []struct {
		name      string
		mode      chatsql.Mode
		crash     func(w *warehouse)
		wantStep  Step
		wantLeft  string
		wantState state // after the failed run
	}{
		{
			name: "refresh fails", mode: chatsql.Scheduled,
			crash:    func(w *warehouse) { w.fail["refresh_stream_view"] = "ERROR: could not read the stream" },
			wantStep: StepRefresh, wantLeft: "nothing was moved: the records wait in the stream",
			wantState: state{UnreadStreamItems: 51},
		},
		{
			name: "dies after the refresh", mode: chatsql.Scheduled,
			crash:    func(w *warehouse) { w.crashAfter = "refresh_stream_view" },
			wantStep: StepRefresh, wantLeft: "nothing was moved",
			wantState: state{View: 51},
		},
		{
			name: "dies after the count", mode: chatsql.Realtime,
			crash:    func(w *warehouse) { w.crashAfter = "count_pending" },
			wantStep: StepCount, wantLeft: "nothing was moved",
			wantState: state{View: 51},
		},
		{
			name: "the move fails", mode: chatsql.Realtime,
			crash:    func(w *warehouse) { w.fail["move_to_landing"] = "ERROR: Columns don't match." },
			wantStep: StepMove, wantLeft: "nothing was moved (the move is all or nothing): 51 rows wait in the materialized view and 0 in the landing table",
			wantState: state{View: 51},
		},
		{
			name: "dies after the move", mode: chatsql.Scheduled,
			crash:    func(w *warehouse) { w.crashAfter = "move_to_landing" },
			wantStep: StepMove, wantLeft: "nothing was moved",
			wantState: state{Landing: 51},
		},
		{
			name: "the transaction fails and rolls back", mode: chatsql.Realtime,
			crash:    func(w *warehouse) { w.fail["insert_events"] = "ERROR: Invalid input syntax" },
			wantStep: StepLoad, wantLeft: "its transaction rolled back, so the landing table keeps every row it held (about 51)",
			wantState: state{Landing: 51},
		},
		{
			name: "dies after the transaction committed", mode: chatsql.Scheduled,
			crash:    func(w *warehouse) { w.crashAfter = "transaction" },
			wantStep: StepLoad, wantLeft: "its transaction committed or rolled back as a whole, and this run cannot tell which",
			wantState: state{Events: 50, Rejected: 1, Runs: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN 50 events and a bad record in the stream, and a run
			// that stops at a step.
			w := newWarehouse(t, tt.mode)
			w.put(events("a", 50)...)
			w.put(record{shard: "shardId-000000000001", seq: "bad-0", data: `["not", "an", "object"]`})
			tt.crash(w)
			l, _ := newTestLoader(t, w, 1)

			// WHEN it runs.
			_, err := l.Run(t.Context())

			// THEN its error names the step and what it left, and the
			// warehouse holds exactly that.
			var lerr *Error
			if !errors.As(err, &lerr) || lerr.Step != tt.wantStep {
				t.Fatalf("Run = %v; want a *load.Error at step %s", err, tt.wantStep)
			}
			if !strings.Contains(err.Error(), tt.wantLeft) || !strings.Contains(err.Error(), "the next run loads") {
				t.Errorf("error %q; want it to say %q and that the next run loads it", err, tt.wantLeft)
			}
			got := w.state()
			got.EventIDs = nil
			if tt.mode == chatsql.Realtime && tt.wantState.View+tt.wantState.Landing+tt.wantState.Events > 0 {
				tt.wantState.UnreadStreamItems = 0
			}
			if diff := cmp.Diff(tt.wantState, got); diff != "" {
				t.Errorf("after the stopped run (-want +got):\n%s", diff)
			}

			// AND WHEN more events arrive, some of them copies, and the
			// next run starts after the failure is gone.
			w.mu.Lock()
			w.crashed, w.crashAfter, w.fail = false, "", map[string]string{}
			w.mu.Unlock()
			w.put(events("b", 20)...)
			w.put(event("a-3", 1), event("b-3", 1))
			if _, err := l.Run(t.Context()); err != nil {
				t.Fatalf("next Run = %v", err)
			}

			// THEN every event is loaded once and nothing waits.
			got = w.state()
			if got.Events != 70 || got.Rejected != 1 || got.View != 0 || got.Landing != 0 {
				t.Errorf("after the next run: %+v; want 70 events, 1 rejected, nothing waiting", got)
			}
		})
	}
}

func TestOverlappingRunsLoadEachEventOnce(t *testing.T) {
	for _, mode := range []chatsql.Mode{chatsql.Realtime, chatsql.Scheduled} {
		t.Run(string(mode), func(t *testing.T) {
			// GIVEN records that keep arriving, copies included, and three
			// loaders triggered at once, again and again.
			w := newWarehouse(t, mode)
			var wg sync.WaitGroup
			for loader := range 3 {
				l, _ := newTestLoader(t, w, uint64(loader+1))
				wg.Go(func() {
					for round := range 20 {
						w.put(event(fmt.Sprintf("e-%d-%d", loader, round), 0), event(fmt.Sprintf("e-%d-%d", loader, round), 1))
						if _, err := l.Run(t.Context()); err != nil {
							t.Errorf("Run = %v", err)
						}
					}
				})
			}
			wg.Wait()
			// One more run picks up what arrived after the last count.
			l, _ := newTestLoader(t, w, 9)
			if _, err := l.Run(t.Context()); err != nil {
				t.Fatal(err)
			}

			// THEN each of the 60 events is in the table once.
			got := w.state()
			if got.Events != 60 || got.View != 0 || got.Landing != 0 {
				t.Errorf("after overlapping runs: %+v; want 60 events and nothing waiting", got)
			}
		})
	}
}

func TestRebuiltViewRereadsTheStreamAndTheLoadAbsorbsIt(t *testing.T) {
	// GIVEN a loaded stream.
	w := newWarehouse(t, chatsql.Realtime)
	w.put(events("e", 30)...)
	w.put(record{shard: "shardId-000000000001", seq: "bad-0", data: "{"})
	l, _ := newTestLoader(t, w, 1)
	if _, err := l.Run(t.Context()); err != nil {
		t.Fatal(err)
	}

	// WHEN a deploy rebuilds the materialized view, which re-reads the
	// stream from its oldest record, and the next load runs.
	w.rebuild()
	res, err := l.Run(t.Context())

	// THEN every row it re-read is a duplicate: nothing is loaded twice.
	if err != nil {
		t.Fatal(err)
	}
	if res.Moved != 31 || res.Inserted != 0 || res.Duplicates != 31 || res.Rejected != 0 {
		t.Errorf("Result = %+v; want 31 moved, all duplicates", res)
	}
	if got := w.state(); got.Events != 30 || got.Rejected != 1 {
		t.Errorf("after the rebuild: %+v; want the 30 events and the one reject", got)
	}
}

func TestStatementFailuresNameTheStatement(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(w *warehouse)
		wantErr string
	}{
		{
			name:    "a failed statement gives Redshift's message",
			setup:   func(w *warehouse) { w.fail["move_to_landing"] = "ERROR: Columns don't match." },
			wantErr: "stopped at move: move_to_landing (id st-2) FAILED: ERROR: Columns don't match.",
		},
		{
			name:    "a failed transaction names the statement in it that failed",
			setup:   func(w *warehouse) { w.fail["stage_batch"] = "ERROR: Invalid operation" },
			wantErr: "transaction rolled back: transaction of 8 statements (lock_landing to report_run) (id st-3) FAILED: ERROR: Invalid operation (statement 2, stage_batch: ERROR: Invalid operation)",
		},
		{
			name:    "a statement unknown right after its submission is asked about again",
			setup:   func(w *warehouse) { w.notFound = 3 },
			wantErr: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWarehouse(t, chatsql.Realtime)
			w.put(events("e", 3)...)
			tt.setup(w)
			l, _ := newTestLoader(t, w, 1)
			_, err := l.Run(t.Context())
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Run = %v; want no error", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Run = %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestPollingBacksOff(t *testing.T) {
	// GIVEN a transaction that is running for its first four checks.
	w := newWarehouse(t, chatsql.Realtime)
	w.put(events("e", 3)...)
	w.stall["transaction"] = 4
	l, waits := newTestLoader(t, w, 1)

	// WHEN the loader runs.
	if _, err := l.Run(t.Context()); err != nil {
		t.Fatal(err)
	}

	// THEN it waited longer between checks, up to two seconds.
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second}
	if diff := cmp.Diff(want, waits.waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

func TestDeadlineCancelsTheStatement(t *testing.T) {
	tests := []struct {
		name     string
		hang     string
		wantStep Step
		wantLeft string
	}{
		{name: "the move", hang: "move_to_landing", wantStep: StepMove, wantLeft: "nothing was moved"},
		{name: "the transaction", hang: "transaction", wantStep: StepLoad, wantLeft: "its transaction committed or rolled back as a whole, and this run cannot tell which"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN a statement that never finishes, and an invocation
			// with a deadline.
			w := newWarehouse(t, chatsql.Realtime)
			w.put(events("e", 3)...)
			w.never[tt.hang] = true
			l, _ := newTestLoader(t, w, 1)
			ctx, cancel := context.WithTimeout(t.Context(), deadlineMargin+50*time.Millisecond)
			defer cancel()

			// WHEN the loader runs.
			_, err := l.Run(ctx)

			// THEN it cancelled the statement before the deadline and said
			// what that leaves.
			if !errors.Is(err, ErrStillRunning) || !strings.Contains(err.Error(), "cancelled") {
				t.Fatalf("Run = %v; want a cancelled statement", err)
			}
			var lerr *Error
			if !errors.As(err, &lerr) || lerr.Step != tt.wantStep || !strings.Contains(err.Error(), tt.wantLeft) {
				t.Errorf("Run = %v; want step %s saying %q", err, tt.wantStep, tt.wantLeft)
			}
			if !slices.Equal(w.cancelled, []string{tt.hang}) {
				t.Errorf("cancelled %v; want [%s]", w.cancelled, tt.hang)
			}
		})
	}
}

func TestNewRefusesParams(t *testing.T) {
	w := newWarehouse(t, chatsql.Realtime)
	for _, p := range []chatsql.Params{
		{Schema: "", Mode: chatsql.Realtime},
		{Schema: "chatstream", Mode: "hourly"},
	} {
		if _, err := New(newDataAPI(w, testTarget, slog.Default(), nil, nil), p, time.Now, rand.New(rand.NewPCG(1, 1)), slog.Default()); err == nil {
			t.Errorf("New(%+v) = nil error; want one", p)
		}
	}
}
