package smoke

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/chatstream/chatstream/internal/loadcall"
	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/chatstream/chatstream/lambda/load"
	"github.com/chatstream/chatstream/lambda/produce"
	chatsql "github.com/chatstream/chatstream/sql"
)

// outcome is how a smoke test ended.
type outcome int

const (
	passed          outcome = iota
	noAWS                   // no AWS Region or credentials to call with
	noStack                 // the stack's outputs could not be read
	producerFailed          // the invocation failed or the producer returned an error
	statementFailed         // a Data API statement failed
	shortfall               // not every event was visible before the timeout
	surplus                 // more events visible than the producer sent
	interrupted             // ctx ended: Ctrl-C
	loadFailed              // the load the test ran in scheduled mode stopped
)

// report is everything a smoke test learned, in the order it learned it.
type report struct {
	env, stack string
	count      int
	timeout    time.Duration
	poll       time.Duration

	// From the stack's outputs.
	function, workgroup, database, stream, schedule, role string
	// loader is the loader function; mode and interval say how, and how
	// often, it loads.
	loader   string
	mode     chatsql.Mode
	interval int
	// view is the events table the run is looked for in, streamView the
	// materialized view it is loaded from and rejects the table of records
	// the loads rejected, all as SQL names them.
	view, streamView, rejects string

	runID    string
	started  time.Time       // just before the invocation
	produced *produce.Result // nil until the producer answered
	load     *load.Result    // the load the test ran, in scheduled mode

	polls                      int   // progress statements answered
	visible, waiting, rejected int64 // from the last one
	queryable                  time.Duration
	latency                    *latency
	latencyErr                 error

	outcome outcome
	problem error // what failed, when something did
	diag    *diagnosis
}

// fail records how the test ended; the first failure wins.
func (r *report) fail(o outcome, err error) {
	if r.outcome == passed {
		r.outcome, r.problem = o, err
	}
}

// labelWidth aligns the values of the report's tables.
const labelWidth = 22

func row(b *strings.Builder, label, format string, args ...any) {
	fmt.Fprintf(b, "  %-*s %s\n", labelWidth, label, fmt.Sprintf(format, args...))
}

// Write prints the report: what was tested, the verdict, the numbers, and on
// failure what Redshift and Scheduler say and what to check next.
func (r *report) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\nSmoke test of stack %s", r.stack)
	if r.runID != "" {
		fmt.Fprintf(&b, ", run %s", r.runID)
	}
	b.WriteString("\n")
	if r.function != "" {
		row(&b, "producer", "%s", r.function)
		row(&b, "events read from", "%s in database %s on workgroup %s", r.view, r.database, r.workgroup)
		row(&b, "load mode", "%s", r.modeText())
	}
	if p := r.produced; p != nil {
		row(&b, "producer sent", "%d of %d events in %.2f s (%s, %s)", p.Sent, p.Requested,
			float64(p.DurationMS)/1000, plural(p.Requests, "request"), plural(p.Retries, "retry"))
	}
	if l := r.load; l != nil {
		row(&b, "load run by this test", "%s", loadcall.Summary(*l))
	}
	fmt.Fprintf(&b, "\n%s\n", r.verdict())
	if r.problem != nil {
		fmt.Fprintf(&b, "  %s\n", problemText(r.problem))
	}
	if r.polls > 0 {
		b.WriteString("\n")
		r.writeNumbers(&b)
	}
	if r.diag != nil {
		b.WriteString("\nWhat Redshift and Scheduler say\n")
		r.diag.write(&b, r)
	}
	if next := r.next(); next != "" {
		fmt.Fprintf(&b, "\nNext: %s\n", next)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// modeText says how the environment loads and the latency a person should
// expect from it.
func (r *report) modeText() string {
	if !r.mode.Refreshes() {
		return fmt.Sprintf("%s: AUTO REFRESH and a load every minute; expect events in the table about a minute after they are sent", r.mode)
	}
	return fmt.Sprintf("%s: a refresh and load every %d minutes; expect events in the table up to %d minutes after they are sent "+
		"(this test runs a load itself)", r.mode, r.interval, r.interval)
}

// problemText words what failed. A function error reads as its type and
// message, without localrun's "function returned" prefix: the verdict above
// it already says the producer failed.
func problemText(err error) string {
	var fe *localrun.FunctionError
	switch {
	case !errors.As(err, &fe):
		return err.Error()
	case fe.Type == "":
		return fe.Message
	}
	return fe.Type + ": " + fe.Message
}

// verdict is the report's headline.
func (r *report) verdict() string {
	switch r.outcome {
	case passed:
		return fmt.Sprintf("PASS: all %d events of the run are queryable in Redshift.", r.visible)
	case noAWS:
		return fmt.Sprintf("FAIL: cannot call AWS, so stack %s was not checked.", r.stack)
	case noStack:
		return fmt.Sprintf("FAIL: cannot read the outputs of stack %s.", r.stack)
	case producerFailed:
		if r.produced != nil {
			return "FAIL: the producer's answer does not fit the run."
		}
		return "FAIL: the producer did not send the run's events."
	case statementFailed:
		return "FAIL: Redshift refused a smoke-test statement."
	case shortfall:
		return fmt.Sprintf("FAIL: %d of %d events visible after waiting %s; %d missing.",
			r.visible, r.produced.Sent, r.timeout, int64(r.produced.Sent)-r.visible)
	case surplus:
		return fmt.Sprintf("FAIL: %d events of the run are visible, but the producer sent %d.", r.visible, r.produced.Sent)
	case interrupted:
		return "STOPPED: interrupted before every event was seen."
	case loadFailed:
		return "FAIL: the load this test ran stopped; the run's events wait for the next load."
	}
	return fmt.Sprintf("FAIL: outcome %d", r.outcome)
}

// writeNumbers prints what the run's polls and the latency statement found.
func (r *report) writeNumbers(b *strings.Builder) {
	row(b, "events produced", "%8d", r.produced.Sent)
	row(b, "events visible", "%8d", r.visible)
	if r.waiting > 0 {
		row(b, "records waiting", "%8d   (in the materialized view or the landing table, for a load)", r.waiting)
	}
	if r.rejected > 0 {
		row(b, "records rejected", "%8d   (in %s)", r.rejected, r.rejects)
	}
	switch l := r.latency; {
	case l != nil:
		of := ""
		if l.events != int64(r.produced.Sent) {
			of = fmt.Sprintf("   (of the %d visible)", l.events)
		}
		row(b, "latency p50", "%8.3f s%s", float64(l.p50)/1000, of)
		row(b, "latency p95", "%8.3f s", float64(l.p95)/1000)
		row(b, "latency max", "%8.3f s", float64(l.max)/1000)
	case r.latencyErr != nil:
		row(b, "latency", "unknown: %v", r.latencyErr)
	}
	if r.outcome == passed {
		row(b, "all queryable after", "%8.1f s from the invocation's start (checked every %s)", r.queryable.Seconds(), r.poll)
		b.WriteString("\nLatency runs from each event's event_time to the load that made it queryable in the table (load_time).\n")
	}
}

func (d *diagnosis) write(b *strings.Builder, r *report) {
	switch {
	case d.scanErrorsErr != nil:
		row(b, "scan errors", "unknown: %v", d.scanErrorsErr)
	case len(d.scanErrors) == 0:
		row(b, "scan errors", "none in the last hour (SYS_STREAM_SCAN_ERRORS)")
	default:
		for i, e := range d.scanErrors {
			label := ""
			if i == 0 {
				label = "scan errors"
			}
			row(b, label, "%s: error %d, %q, last %s", plural(int(e.records), "record"), e.code, e.reason, e.lastSeen)
		}
	}
	mv := r.streamView
	switch v := d.view; {
	case d.viewErr != nil:
		row(b, "materialized view", "unknown: %v", d.viewErr)
	case v == nil:
		row(b, "materialized view", "%s does not exist (no row in SVV_MV_INFO)", mv)
	default:
		row(b, "materialized view", "%s: auto refresh %s, %s, %s", mv, onOff(v.autorefresh), stateText(v.state), staleText(v.stale))
	}
	switch f := d.refresh; {
	case d.refreshErr != nil:
		row(b, "last refresh", "unknown: %v", d.refreshErr)
	case f == nil:
		row(b, "last refresh", "none recorded (SYS_MV_REFRESH_HISTORY)")
	default:
		row(b, "last refresh", "%s at %s (%s ago): %s", f.kind, f.start, ago(f.ageSeconds), f.status)
	}
	switch n := d.newest; {
	case d.newestErr != nil:
		row(b, "newest row", "unknown: %v", d.newestErr)
	case n == nil:
		row(b, "newest row", "none in the materialized view, the landing table or the last hour of the table")
	default:
		row(b, "newest row", "ingested at %s (%s ago)", n.at, ago(n.ageSeconds))
	}
	switch l := d.lastLoad; {
	case d.lastLoadErr != nil:
		row(b, "last load", "unknown: %v", d.lastLoadErr)
	case l == nil:
		row(b, "last load", "none recorded (load_runs)")
	default:
		row(b, "last load", "%s at %s (%s ago): moved %d: %d inserted, %d duplicates, %d rejected",
			l.id, l.at, ago(l.ageSeconds), l.moved, l.inserted, l.duplicates, l.rejected)
	}
	switch s := d.schedule; {
	case d.scheduleErr != nil:
		row(b, "schedule", "unknown: %v", d.scheduleErr)
	default:
		row(b, "schedule", "%s is %s, %s", r.schedule, s.state, s.expression)
	}
}

// stateText explains SVV_MV_INFO's state column.
func stateText(state int64) string {
	reasons := map[int64]string{
		0:   "recomputed in full on refresh",
		1:   "refreshed incrementally",
		101: "cannot refresh: a column it reads was dropped",
		102: "cannot refresh: a column it reads changed type",
		103: "cannot refresh: a table it reads was renamed",
		104: "cannot refresh: a column it reads was renamed",
		105: "cannot refresh: a schema it reads was renamed",
	}
	if why, ok := reasons[state]; ok {
		return fmt.Sprintf("%s (state %d)", why, state)
	}
	return fmt.Sprintf("state %d", state)
}

func staleText(stale bool) string {
	if stale {
		return "stale"
	}
	return "not stale"
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// ago renders an age in seconds the way a person reads it.
func ago(seconds int64) string {
	return (time.Duration(seconds) * time.Second).String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(noun, "y"))
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
