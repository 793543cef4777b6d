package load

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	chatsql "github.com/chatstream/chatstream/sql"
)

// executor runs the loader's statements on one engine. The Data API
// implements it (DataAPI) and so can a PostgreSQL connection.
type executor interface {
	// Exec runs one statement in its own transaction. When it returns rows,
	// Exec returns the first row's columns, which must be integers.
	Exec(ctx context.Context, stmt chatsql.Statement) (map[string]int64, error)
	// Transaction runs stmts as one transaction, all or nothing, and
	// returns the first row of the last statement's result.
	Transaction(ctx context.Context, stmts []chatsql.Statement) (map[string]int64, error)
}

// Errors an executor wraps, so that a run can say what it left.
var (
	// ErrStillRunning marks a statement the deadline cut off: it was
	// cancelled, or may still finish.
	ErrStillRunning = errors.New("statement still running at the deadline")
	// ErrRolledBack marks a transaction that certainly rolled back: one of
	// its statements failed before it committed.
	ErrRolledBack = errors.New("transaction rolled back")
)

// Result is what one run did.
type Result struct {
	// ID identifies the run in load_runs and in the rows it wrote.
	ID string `json:"load_id"`
	// Mode is the environment's mode.
	Mode chatsql.Mode `json:"mode"`
	// Refreshed is true when the run refreshed the materialized view.
	Refreshed bool `json:"refreshed"`
	// Streamed and Landed are the rows waiting when the run counted: in the
	// materialized view, and in the landing table (left by a failed run).
	Streamed int64 `json:"streamed"`
	Landed   int64 `json:"landed"`
	// Moved is what the run's transaction took from the landing table, and
	// Moved = Inserted + Duplicates + Rejected.
	Moved      int64 `json:"moved"`
	Inserted   int64 `json:"inserted"`
	Duplicates int64 `json:"duplicates"`
	Rejected   int64 `json:"rejected"`
	// DurationMS is how long the run took, in milliseconds.
	DurationMS int64 `json:"duration_ms"`
}

// Step names a step of a run, in the order they run.
type Step string

// The steps of a run.
const (
	StepRefresh Step = "refresh"
	StepCount   Step = "count"
	StepMove    Step = "move"
	StepLoad    Step = "load"
)

// Error is a run that stopped at a step. It says what was not loaded and
// that a later run completes it, which holds for every step: nothing a run
// does is lost or doubled when it stops half-way.
type Error struct {
	// ID is the run's id.
	ID string
	// Step is where it stopped.
	Step Step
	// Streamed and Landed are what the run counted before it stopped: rows
	// in the materialized view and in the landing table (zero when it
	// stopped before it counted).
	Streamed, Landed int64
	// Err is the cause.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("load %s stopped at %s: %v; %s", e.ID, e.Step, e.Err, e.left())
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// left says what the stopped run left and how it gets loaded.
func (e *Error) left() string {
	switch e.Step {
	case StepRefresh, StepCount:
		return "nothing was moved: the records wait in the stream (for its retention period) and in the materialized view, and the next run loads them"
	case StepMove:
		return fmt.Sprintf("nothing was moved (the move is all or nothing): %d rows wait in the materialized view and %d in the landing table, "+
			"and the next run loads them", e.Streamed, e.Landed)
	}
	if errors.Is(e.Err, ErrRolledBack) {
		return fmt.Sprintf("its transaction rolled back, so the landing table keeps every row it held (about %d), and the next run loads them, each event once",
			e.Streamed+e.Landed)
	}
	// Cut off, or the answer was lost: the transaction either committed
	// or rolled back as a whole.
	return "its transaction committed or rolled back as a whole, and this run cannot tell which; either way the next run loads " +
		"whatever the landing table still holds, each event once (it waits for this transaction to end first)"
}

// Loader runs loads for one environment.
type Loader struct {
	exec   executor
	params chatsql.Params
	now    func() time.Time
	rand   *rand.Rand
	log    *slog.Logger
}

// New returns a Loader that runs p's load statements with exec. now and r
// make the run ids; r must not be shared.
func New(exec executor, p chatsql.Params, now func() time.Time, r *rand.Rand, log *slog.Logger) (*Loader, error) {
	if err := p.ValidateLoad(); err != nil {
		return nil, err
	}
	return &Loader{exec: exec, params: p, now: now, rand: r, log: log}, nil
}

// newID names a run by when it started and a random suffix, so that two
// runs started in the same second differ.
func (l *Loader) newID(started time.Time) string {
	return fmt.Sprintf("load-%s-%08x", started.UTC().Format("20060102T150405Z"), l.rand.Uint32())
}

// Run runs one load: in scheduled mode it refreshes the materialized view;
// it counts what waits, and stops there when nothing does; it moves the
// materialized view's rows into the landing table; and it loads the
// landing table into the events table in one transaction.
func (l *Loader) Run(ctx context.Context) (Result, error) {
	started := l.now()
	run := chatsql.LoadRun{ID: l.newID(started), Started: started}
	mode := l.params.Mode.OrRealtime()
	res := Result{ID: run.ID, Mode: mode}
	plan, err := chatsql.Load(l.params, run)
	if err != nil {
		return res, err
	}
	stop := func(step Step, err error) (Result, error) {
		res.DurationMS = l.now().Sub(started).Milliseconds()
		return res, &Error{ID: run.ID, Step: step, Streamed: res.Streamed, Landed: res.Landed, Err: err}
	}

	if plan.Refresh != nil {
		if _, err := l.exec.Exec(ctx, *plan.Refresh); err != nil {
			return stop(StepRefresh, err)
		}
		res.Refreshed = true
	}
	counts, err := l.exec.Exec(ctx, plan.Count)
	if err == nil {
		err = need(counts, plan.Count.Name, "streamed", "landed")
	}
	if err != nil {
		return stop(StepCount, err)
	}
	res.Streamed, res.Landed = counts["streamed"], counts["landed"]
	if res.Streamed == 0 && res.Landed == 0 {
		l.log.InfoContext(ctx, "nothing to load", "load_id", run.ID, "mode", mode)
		res.DurationMS = l.now().Sub(started).Milliseconds()
		return res, nil
	}
	if res.Streamed > 0 {
		if _, err := l.exec.Exec(ctx, plan.Move); err != nil {
			return stop(StepMove, err)
		}
	}
	report, err := l.exec.Transaction(ctx, plan.Batch)
	if err == nil {
		err = need(report, plan.Batch[len(plan.Batch)-1].Name, "moved", "inserted", "duplicates", "rejected")
	}
	if err != nil {
		return stop(StepLoad, err)
	}
	res.Moved, res.Inserted, res.Duplicates, res.Rejected = report["moved"], report["inserted"], report["duplicates"], report["rejected"]
	res.DurationMS = l.now().Sub(started).Milliseconds()
	l.log.InfoContext(ctx, "loaded", "load_id", run.ID, "mode", mode, "moved", res.Moved, "inserted", res.Inserted,
		"duplicates", res.Duplicates, "rejected", res.Rejected, "duration_ms", res.DurationMS)
	return res, nil
}

// need checks that row has every column.
func need(row map[string]int64, stmt string, columns ...string) error {
	for _, c := range columns {
		if _, ok := row[c]; !ok {
			return fmt.Errorf("statement %s returned no %s (columns %v)", stmt, c, row)
		}
	}
	return nil
}
