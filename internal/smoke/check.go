package smoke

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/chatstream/chatstream/internal/awsconfig"
	"github.com/chatstream/chatstream/internal/dataapi"
	"github.com/chatstream/chatstream/internal/loadcall"
	"github.com/chatstream/chatstream/internal/pause"
	"github.com/chatstream/chatstream/internal/stack"
	chatsql "github.com/chatstream/chatstream/sql"
)

// statementTimeout bounds the statements after the polling: the latency and
// the diagnosis.
const statementTimeout = 2 * time.Minute

// outputKeys are the stack outputs the command needs.
var outputKeys = []string{
	stack.ProducerFunctionName, stack.WorkgroupName, stack.DatabaseName, stack.AdminSecretArn,
	stack.StreamName, stack.ScheduleName, stack.StreamingRoleArn,
	stack.LoaderFunctionName, stack.LoadMode, stack.LoadIntervalMinutes,
}

// checker runs one smoke test and fills in its report.
type checker struct {
	s        settings
	deps     Deps
	c        Clients
	schema   string // holds the tables
	stmts    chatsql.SmokeStatements
	runner   *dataapi.Runner
	progress io.Writer
	rep      *report
}

// check runs the smoke test and returns its report; it never fails, since
// every failure is something the report explains.
func check(ctx context.Context, s settings, deps Deps, progress io.Writer) *report {
	rep := &report{env: s.env, stack: s.stack, count: s.count, timeout: s.timeout, poll: s.poll}
	k := &checker{s: s, deps: deps, progress: progress, rep: rep}
	k.run(ctx)
	return rep
}

func (k *checker) run(ctx context.Context) {
	rep := k.rep
	var err error
	if k.c, err = k.deps.NewClients(ctx); err != nil {
		if errors.As(err, new(*awsconfig.MissingError)) {
			rep.fail(noAWS, err)
		} else {
			rep.fail(noStack, err)
		}
		return
	}
	out, err := stack.Outputs(ctx, k.c.Stacks, rep.stack, outputKeys...)
	if err != nil {
		rep.fail(noStack, err)
		return
	}
	// A stack deployed before the EventsTable output existed has its tables
	// in the default schema.
	k.schema = chatsql.DefaultSchema
	if v := out[stack.EventsTable]; v != "" {
		if k.schema, err = viewSchema(v); err != nil {
			rep.fail(noStack, err)
			return
		}
	}
	if k.stmts, err = chatsql.Smoke(k.schema); err != nil {
		rep.fail(noStack, fmt.Errorf("stack output %s: %w", stack.EventsTable, err))
		return
	}
	quoted, _ := chatsql.QuoteIdentifier(k.schema) // Smoke checked it
	rep.view, rep.streamView = quoted+"."+chatsql.EventsTable, quoted+"."+chatsql.StreamView
	rep.rejects = quoted + "." + chatsql.RejectedTable
	rep.function = out[stack.ProducerFunctionName]
	rep.workgroup, rep.database = out[stack.WorkgroupName], out[stack.DatabaseName]
	rep.stream, rep.schedule, rep.role = out[stack.StreamName], out[stack.ScheduleName], out[stack.StreamingRoleArn]
	rep.loader = out[stack.LoaderFunctionName]
	if rep.mode, rep.interval, err = loadMode(out); err != nil {
		rep.fail(noStack, err)
		return
	}
	k.runner = &dataapi.Runner{
		API:    k.c.Data,
		Target: dataapi.Target{Workgroup: rep.workgroup, Database: rep.database, SecretARN: out[stack.AdminSecretArn]},
		Label:  "chatstream-smoke:",
	}

	if !k.produce(ctx) {
		return
	}
	if rep.mode.Refreshes() && !k.load(ctx) {
		return
	}
	k.await(ctx)
	if rep.visible > 0 && ctx.Err() == nil {
		k.measureLatency(ctx)
	}
	if rep.outcome == statementFailed || rep.outcome == shortfall {
		rep.diag = k.diagnose(ctx)
	}
}

// loadMode reads the stack's load mode and the minutes between its loads.
func loadMode(out map[string]string) (chatsql.Mode, int, error) {
	mode, err := chatsql.ParseMode(out[stack.LoadMode])
	if err != nil {
		return "", 0, fmt.Errorf("stack output %s: %w", stack.LoadMode, err)
	}
	minutes, err := strconv.Atoi(out[stack.LoadIntervalMinutes])
	if err != nil || minutes < 1 {
		return "", 0, fmt.Errorf("stack output %s = %q: want a whole number of minutes", stack.LoadIntervalMinutes, out[stack.LoadIntervalMinutes])
	}
	return mode, minutes, nil
}

// load runs one load now, as make load does: in scheduled mode nothing else
// moves the run's events into the table until the schedule's next tick, up
// to an interval away.
func (k *checker) load(ctx context.Context) bool {
	rep := k.rep
	fmt.Fprintf(k.progress, "scheduled mode: running one load with %s now rather than waiting up to %d minutes for the schedule\n", rep.loader, rep.interval)
	res, err := loadcall.Invoke(ctx, k.c.Lambda, rep.loader)
	switch {
	case ctx.Err() != nil:
		rep.fail(interrupted, errors.New("stopped while the load ran; it finishes on its own"))
		return false
	case err != nil:
		rep.fail(loadFailed, err)
		return false
	}
	rep.load = &res
	return true
}

// viewSchema reads the schema from the stack's EventsTable output, which
// names the events table as SQL does: "<schema>".chat_events.
func viewSchema(view string) (string, error) {
	prefix, ok := strings.CutSuffix(view, "."+chatsql.EventsTable)
	if ok && len(prefix) >= 2 && prefix[0] == '"' && prefix[len(prefix)-1] == '"' {
		inner := prefix[1 : len(prefix)-1]
		if !strings.Contains(strings.ReplaceAll(inner, `""`, ""), `"`) {
			return strings.ReplaceAll(inner, `""`, `"`), nil
		}
	}
	return "", fmt.Errorf("stack output %s = %q: want a quoted schema and .%s, such as \"chatstream\".%s",
		stack.EventsTable, view, chatsql.EventsTable, chatsql.EventsTable)
}

// produce invokes the producer with a fresh run id and records its result.
func (k *checker) produce(ctx context.Context) bool {
	rep := k.rep
	var err error
	if rep.runID, err = k.deps.NewRunID(); err != nil {
		rep.fail(producerFailed, err)
		return false
	}
	payload, err := encodePayload(k.s.count, k.s.rate, rep.runID)
	if err != nil {
		rep.fail(producerFailed, err)
		return false
	}
	fmt.Fprintf(k.progress, "invoking %s with %d events, run %s\n", rep.function, k.s.count, rep.runID)
	res, started, err := invokeProducer(ctx, k.c.Lambda, rep.function, payload, newRejectionRetry(k.deps.Now, k.progress))
	// Measured from the invocation that ran, not from the first one Lambda
	// refused.
	rep.started = started
	switch {
	case ctx.Err() != nil:
		rep.fail(interrupted, errors.New("stopped while the producer ran; it may still send its events"))
		return false
	case err != nil:
		rep.fail(producerFailed, err)
		return false
	}
	rep.produced = &res
	switch {
	case res.RunID != rep.runID:
		rep.fail(producerFailed, fmt.Errorf("the producer answered run_id %q, not %q: it is older than this check", res.RunID, rep.runID))
		return false
	case res.Sent != k.s.count:
		rep.fail(producerFailed, fmt.Errorf("the producer sent %d of %d events without reporting an error", res.Sent, k.s.count))
		return false
	}
	return true
}

// await polls the typed view until every event of the run is visible, the
// timeout passes, a statement fails or ctx ends.
func (k *checker) await(ctx context.Context) {
	rep := k.rep
	fmt.Fprintf(k.progress, "waiting up to %s for %d events in %s, checking every %s\n", k.s.timeout, rep.produced.Sent, rep.view, k.s.poll)
	pollCtx, cancel := context.WithTimeout(ctx, k.s.timeout)
	defer cancel()
	want := int64(rep.produced.Sent)
	last := int64(-1)
	for {
		asked := k.deps.Now()
		p, err := k.poll(pollCtx)
		switch {
		case ctx.Err() != nil:
			rep.fail(interrupted, nil)
			return
		case pollCtx.Err() != nil:
			rep.fail(shortfall, nil)
			return
		case err != nil:
			rep.fail(statementFailed, err)
			return
		}
		rep.polls++
		rep.visible, rep.waiting, rep.rejected = p.visible, p.waiting, p.rejected
		if p.visible != last {
			fmt.Fprintf(k.progress, "%7.1fs  %d of %d events visible\n", asked.Sub(rep.started).Seconds(), p.visible, want)
			last = p.visible
		}
		switch {
		case p.visible > want:
			rep.fail(surplus, nil)
			return
		case p.visible == want:
			rep.queryable = asked.Sub(rep.started)
			return
		}
		if err := pause.For(pollCtx, k.s.poll-k.deps.Now().Sub(asked)); err != nil {
			if ctx.Err() != nil {
				rep.fail(interrupted, nil)
			} else {
				rep.fail(shortfall, nil)
			}
			return
		}
	}
}

// progress is one look at the run in Redshift.
type progress struct {
	visible  int64 // distinct events in the table
	waiting  int64 // records in the materialized view or the landing table
	rejected int64 // records a load rejected
}

func (k *checker) poll(ctx context.Context) (progress, error) {
	st := k.stmts.Progress
	row, err := k.oneRow(ctx, st)
	if err != nil {
		return progress{}, err
	}
	var p progress
	err = errors.Join(
		intInto(row, "visible_events", &p.visible),
		intInto(row, "waiting_records", &p.waiting),
		intInto(row, "rejected_records", &p.rejected),
	)
	if err != nil {
		return progress{}, fmt.Errorf("statement %s: %w", st.Name, err)
	}
	return p, nil
}

// sinceMargin is how long before the invocation a run's events are looked
// for: event_time comes from the producer's clock, not this machine's.
const sinceMargin = time.Hour

// oneRow runs a statement about the run that answers with exactly one row.
// The run's events are looked for from an hour before the invocation on,
// so that the statement reads a range of the table's sort key.
func (k *checker) oneRow(ctx context.Context, st chatsql.Statement) (dataapi.Row, error) {
	since := k.rep.started.Add(-sinceMargin).UTC().Format("2006-01-02 15:04:05")
	res, err := k.runner.Run(ctx, st.Name, st.SQL, map[string]string{"run_id": k.rep.runID, "since": since})
	if err != nil {
		return dataapi.Row{}, err
	}
	if len(res.Rows) != 1 {
		return dataapi.Row{}, fmt.Errorf("statement %s returned %d rows, want 1", st.Name, len(res.Rows))
	}
	return res.Rows[0], nil
}

// latency is the run's end-to-end latency in milliseconds.
type latency struct {
	events, p50, p95, max int64
}

func (k *checker) measureLatency(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, statementTimeout)
	defer cancel()
	row, err := k.oneRow(ctx, k.stmts.Latency)
	var l latency
	for _, col := range []struct {
		name string
		dst  *int64
	}{{"events", &l.events}, {"p50_ms", &l.p50}, {"p95_ms", &l.p95}, {"max_ms", &l.max}} {
		if err != nil {
			break
		}
		*col.dst, _, err = row.Int(col.name)
	}
	if err != nil {
		k.rep.latencyErr = err
		return
	}
	k.rep.latency = &l
}
