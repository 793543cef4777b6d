package smoke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schedtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/chatstream/chatstream/internal/dataapi"
	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/chatstream/chatstream/internal/stack/stacktest"
	chatsql "github.com/chatstream/chatstream/sql"
)

// The deployed staging stack the tests pretend to read.
const (
	testWorkgroup = "chatstream-staging"
	testDatabase  = "chatstream"
	testSecret    = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:chatstream-staging-admin-AbCdEf"
	testStream    = "chat-events-staging"
	testSchedule  = "chatstream-staging-ProducerScheduleABC123"
	testRole      = "arn:aws:iam::123456789012:role/chatstream-staging-StreamingRole"
	testLoader    = "chatstream-staging-LoaderFunction-9Z8Y7X"
)

// stagingStack is a deployed staging stack whose producer is function.
func stagingStack(function string) stacktest.Stacks {
	return stacktest.Stacks{"chatstream-staging": {
		"ProducerFunctionName": function,
		"WorkgroupName":        testWorkgroup,
		"DatabaseName":         testDatabase,
		"AdminSecretArn":       testSecret,
		"StreamName":           testStream,
		"ScheduleName":         testSchedule,
		"StreamingRoleArn":     testRole,
		"EventsTable":          `"chatstream".chat_events`,
		"LoaderFunctionName":   testLoader,
		"LoadMode":             "realtime",
		"LoadIntervalMinutes":  "1",
		"DashboardUrl":         "https://eu-west-1.console.aws.amazon.com/cloudwatch/home",
	}}
}

// fakeSchedules answers GetSchedule for one schedule.
type fakeSchedules struct {
	state schedtypes.ScheduleState
	err   error
}

func (f fakeSchedules) GetSchedule(_ context.Context, in *scheduler.GetScheduleInput, _ ...func(*scheduler.Options)) (*scheduler.GetScheduleOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	if aws.ToString(in.Name) != testSchedule || in.GroupName != nil {
		return nil, fmt.Errorf("ResourceNotFoundException: Schedule %s does not exist", aws.ToString(in.Name))
	}
	return &scheduler.GetScheduleOutput{Name: in.Name, State: f.state, ScheduleExpression: aws.String("rate(1 minute)")}, nil
}

// arrival decides when the event of rank (0 to n-1, by event id) among its
// run's n events reaches Redshift, counted from the submission of the first
// statement that read its record from the stream; false means never.
// Counting from there, not from event_time, keeps what a poll sees
// independent of how long the invocation took on a busy machine.
type arrival func(rank, n int) (time.Duration, bool)

// after is an arrival that takes d for every event.
func after(d time.Duration) arrival {
	return func(int, int) (time.Duration, bool) { return d, true }
}

// fakeViewState, fakeRefresh and fakeScanError are rows of Redshift's system
// views, which no stream can tell.
type fakeViewState struct {
	isStale, autorefresh string
	state                int64
}

type fakeRefresh struct {
	kind, status, start string
	ageSeconds          int64
}

// fakeLoad is the latest row of load_runs.
type fakeLoad struct {
	id, at                                string
	ageSeconds                            int64
	moved, inserted, duplicates, rejected int64
}

type fakeScanError struct {
	code     int64
	reason   string
	records  int64
	lastSeen string
	stream   string
}

// fakeWarehouse is a fake of the Data API calls that answers the smoke
// test's statements the way Redshift would, from what is in the stream:
// each record reaches Redshift once its arrival says so, and a load puts it
// in the table at once, stamped with event_time plus that delay as its load
// time (so the latencies a test sees are the delays it chose); the table
// keeps one row per event_id. With the loader stopped, records that arrived
// wait in the materialized view instead. System views and load_runs come
// from its fields.
type fakeWarehouse struct {
	t       *testing.T
	read    func(ctx context.Context) ([]localrun.Record, error)
	arrival arrival
	now     func() time.Time
	fail    map[string]string // statement name → Redshift's error
	// executed, when set, sees each statement's name as it is submitted.
	executed func(name string)

	view       *fakeViewState // nil: the materialized view does not exist
	refresh    *fakeRefresh   // nil: never refreshed
	scanErrors []fakeScanError
	lastLoad   *fakeLoad // nil: no load recorded
	// loaderStopped leaves every record that arrived waiting for a load.
	loaderStopped bool
	// rejected is how many of each run's records the loads rejected.
	rejected int64

	stmts map[string]chatsql.Statement // by SQL text

	mu      sync.Mutex
	results map[string]*fakeResult // by statement id
	calls   []string               // statement names, in order
	runs    map[string]int         // statements run, by name
	// firstRead is, by shard and sequence number, when the first statement
	// that read a record was submitted.
	firstRead map[string]time.Time
}

type fakeResult struct {
	name    string
	err     string
	columns []string
	rows    [][]types.Field
}

func newFakeWarehouse(t *testing.T, read func(context.Context) ([]localrun.Record, error), a arrival) *fakeWarehouse {
	t.Helper()
	stmts, err := chatsql.Smoke(chatsql.DefaultSchema)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeWarehouse{
		t: t, read: read, arrival: a, now: time.Now,
		view:    &fakeViewState{isStale: "f", autorefresh: "t", state: 1},
		refresh: &fakeRefresh{kind: "Auto", status: "Refresh successfully updated MV incrementally", start: "2026-11-27 10:00:03.512", ageSeconds: 4},
		lastLoad: &fakeLoad{id: "load-20261127T100000Z-0a1b2c3d", at: "2026-11-27 10:00:01.250", ageSeconds: 8,
			moved: 1210, inserted: 1200, duplicates: 10},
		stmts:     map[string]chatsql.Statement{},
		results:   map[string]*fakeResult{},
		runs:      map[string]int{},
		firstRead: map[string]time.Time{},
	}
	for _, s := range stmts.All() {
		f.stmts[s.SQL] = s
	}
	return f
}

// placeholder finds :name parameters, not :: casts.
var placeholder = regexp.MustCompile(`(?:^|[^:]):([a-z_][a-z0-9_]*)`)

func (f *fakeWarehouse) ExecuteStatement(ctx context.Context, in *redshiftdata.ExecuteStatementInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.ExecuteStatementOutput, error) {
	// A statement sees the views as they were when it was submitted, however
	// long reading the stream takes on a busy machine.
	at := f.now()
	got := dataapi.Target{Workgroup: aws.ToString(in.WorkgroupName), Database: aws.ToString(in.Database), SecretARN: aws.ToString(in.SecretArn)}
	if want := (dataapi.Target{Workgroup: testWorkgroup, Database: testDatabase, SecretARN: testSecret}); got != want {
		f.t.Errorf("statement for %+v, want %+v", got, want)
		return nil, &types.ValidationException{Message: aws.String("wrong target")}
	}
	stmt, ok := f.stmts[aws.ToString(in.Sql)]
	if !ok {
		f.t.Errorf("statement %s is not one of sql/smoke:\n%s", aws.ToString(in.StatementName), aws.ToString(in.Sql))
		return nil, &types.ValidationException{Message: aws.String("unknown statement")}
	}
	params := map[string]string{}
	for _, p := range in.Parameters {
		params[aws.ToString(p.Name)] = aws.ToString(p.Value)
	}
	var used []string
	for _, m := range placeholder.FindAllStringSubmatch(stmt.SQL, -1) {
		used = append(used, m[1])
	}
	slices.Sort(used)
	var bound []string
	for name := range params {
		bound = append(bound, name)
	}
	slices.Sort(bound)
	if !slices.Equal(slices.Compact(used), bound) {
		f.t.Errorf("statement %s binds %v, but its SQL uses %v", stmt.Name, bound, used)
		return nil, &types.ValidationException{Message: aws.String("parameters do not match")}
	}

	res := &fakeResult{name: stmt.Name}
	if msg, ok := f.fail[stmt.Name]; ok {
		res.err = msg
	} else {
		var err error
		if res.columns, res.rows, err = f.answer(ctx, stmt.Name, params, at); err != nil {
			return nil, err
		}
	}
	if f.executed != nil {
		f.executed(stmt.Name)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// Named after the statement, so that ids do not depend on which of the
	// concurrent diagnosis statements came first.
	f.runs[stmt.Name]++
	id := fmt.Sprintf("%s-%d", stmt.Name, f.runs[stmt.Name])
	f.results[id] = res
	f.calls = append(f.calls, stmt.Name)
	return &redshiftdata.ExecuteStatementOutput{Id: aws.String(id)}, nil
}

func (f *fakeWarehouse) result(id *string) (*fakeResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	res, ok := f.results[aws.ToString(id)]
	if !ok {
		return nil, &types.ResourceNotFoundException{Message: aws.String("no statement " + aws.ToString(id))}
	}
	return res, nil
}

func (f *fakeWarehouse) DescribeStatement(_ context.Context, in *redshiftdata.DescribeStatementInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.DescribeStatementOutput, error) {
	res, err := f.result(in.Id)
	if err != nil {
		return nil, err
	}
	if res.err != "" {
		return &redshiftdata.DescribeStatementOutput{Id: in.Id, Status: types.StatusStringFailed, Error: aws.String(res.err)}, nil
	}
	return &redshiftdata.DescribeStatementOutput{Id: in.Id, Status: types.StatusStringFinished, HasResultSet: aws.Bool(true)}, nil
}

// CancelStatement is never due: every statement has ended when it is
// first described, so a Runner never waits on one.
func (f *fakeWarehouse) CancelStatement(_ context.Context, in *redshiftdata.CancelStatementInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.CancelStatementOutput, error) {
	f.t.Errorf("statement %s cancelled, but it had ended", aws.ToString(in.Id))
	return &redshiftdata.CancelStatementOutput{Status: aws.Bool(false)}, nil
}

func (f *fakeWarehouse) GetStatementResult(_ context.Context, in *redshiftdata.GetStatementResultInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.GetStatementResultOutput, error) {
	res, err := f.result(in.Id)
	if err != nil {
		return nil, err
	}
	if res.err != "" {
		return nil, &types.ValidationException{Message: aws.String("statement failed")}
	}
	out := &redshiftdata.GetStatementResultOutput{Records: res.rows}
	for _, c := range res.columns {
		out.ColumnMetadata = append(out.ColumnMetadata, types.ColumnMetadata{Name: aws.String(c)})
	}
	return out, nil
}

// called returns the names of the statements run so far.
func (f *fakeWarehouse) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// mvRow is a row of the materialized view.
type mvRow struct {
	eventID, runID    string
	eventTime, ingest time.Time
	firstRead         time.Time
}

// markRead returns when each record was first read, by shard and sequence
// number, counting records read now as read at.
func (f *fakeWarehouse) markRead(records []localrun.Record, at time.Time) map[string]time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]time.Time, len(records))
	for _, r := range records {
		key := r.ShardID + "/" + r.SequenceNumber
		if _, ok := f.firstRead[key]; !ok {
			f.firstRead[key] = at
		}
		out[key] = f.firstRead[key]
	}
	return out
}

// materialized returns the rows the materialized view holds at a time: every
// record whose arrival has come by then, as JSON_PARSE reads it.
func (f *fakeWarehouse) materialized(ctx context.Context, at time.Time) ([]mvRow, error) {
	records, err := f.read(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the stream: %w", err)
	}
	firstRead := f.markRead(records, at)
	var all []mvRow
	ids := map[string]map[string]bool{} // run → its event ids
	for _, r := range records {
		var e struct {
			EventID   string `json:"event_id"`
			EventTime string `json:"event_time"`
			RunID     string `json:"run_id"`
		}
		if json.Unmarshal(r.Data, &e) != nil {
			continue // CAN_JSON_PARSE is false
		}
		eventTime, err := time.Parse(time.RFC3339Nano, e.EventTime)
		if err != nil {
			return nil, fmt.Errorf("record %s: event_time %q: %w", r.SequenceNumber, e.EventTime, err)
		}
		all = append(all, mvRow{eventID: e.EventID, runID: e.RunID, eventTime: eventTime, firstRead: firstRead[r.ShardID+"/"+r.SequenceNumber]})
		if ids[e.RunID] == nil {
			ids[e.RunID] = map[string]bool{}
		}
		ids[e.RunID][e.EventID] = true
	}
	rank := map[string]int{}
	for _, set := range ids {
		sorted := make([]string, 0, len(set))
		for id := range set {
			sorted = append(sorted, id)
		}
		sort.Strings(sorted)
		for i, id := range sorted {
			rank[id] = i
		}
	}
	var rows []mvRow
	for _, row := range all {
		d, ok := f.arrival(rank[row.eventID], len(ids[row.runID]))
		row.ingest = row.eventTime.Add(d)
		if ok && !at.Before(row.firstRead.Add(d)) {
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// typed is what the loads keep of rows: one row per event_id, the earliest.
func typed(rows []mvRow) []mvRow {
	first := map[string]mvRow{}
	for _, r := range rows {
		if have, ok := first[r.eventID]; !ok || r.ingest.Before(have.ingest) {
			first[r.eventID] = r
		}
	}
	out := make([]mvRow, 0, len(first))
	for _, r := range first {
		out = append(out, r)
	}
	return out
}

func long(v int64) types.Field     { return &types.FieldMemberLongValue{Value: v} }
func text(v string) types.Field    { return &types.FieldMemberStringValue{Value: v} }
func null() types.Field            { return &types.FieldMemberIsNull{Value: true} }
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000000") }

// answer computes a statement's rows as of at.
func (f *fakeWarehouse) answer(ctx context.Context, name string, params map[string]string, at time.Time) ([]string, [][]types.Field, error) {
	switch name {
	case "smoke_scan_errors":
		var rows [][]types.Field
		for _, e := range f.scanErrors {
			if e.stream == params["stream"] {
				rows = append(rows, []types.Field{long(e.code), text(e.reason), long(e.records), text(e.lastSeen)})
			}
		}
		return []string{"error_code", "reason", "records", "last_seen"}, rows, nil
	case "smoke_view_state":
		cols := []string{"is_stale", "state", "autorefresh"}
		if f.view == nil || params["schema"] != chatsql.DefaultSchema {
			return cols, nil, nil
		}
		return cols, [][]types.Field{{text(f.view.isStale), long(f.view.state), text(f.view.autorefresh)}}, nil
	case "smoke_last_refresh":
		cols := []string{"refresh_type", "status", "start_time", "age_s"}
		if f.refresh == nil || params["schema"] != chatsql.DefaultSchema {
			return cols, nil, nil
		}
		r := f.refresh
		return cols, [][]types.Field{{text(r.kind), text(r.status), text(r.start), long(r.ageSeconds)}}, nil
	case "smoke_last_load":
		cols := []string{"load_id", "loaded_at", "age_s", "moved", "inserted", "duplicates", "rejected"}
		if f.lastLoad == nil {
			return cols, nil, nil
		}
		l := f.lastLoad
		return cols, [][]types.Field{{text(l.id), text(l.at), long(l.ageSeconds), long(l.moved), long(l.inserted), long(l.duplicates), long(l.rejected)}}, nil
	}

	mv, err := f.materialized(ctx, at)
	if err != nil {
		return nil, nil, err
	}
	var since time.Time
	if s, ok := params["since"]; ok {
		if since, err = time.Parse("2006-01-02 15:04:05", s); err != nil {
			return nil, nil, fmt.Errorf("since %q: %w", s, err)
		}
	}
	run := func(rows []mvRow) []mvRow {
		var out []mvRow
		for _, r := range rows {
			if r.runID != "" && r.runID == params["run_id"] && !r.eventTime.Before(since) {
				out = append(out, r)
			}
		}
		return out
	}
	loaded := typed(mv)
	if f.loaderStopped {
		loaded = nil
	}
	switch name {
	case "smoke_progress":
		var waiting int64
		if f.loaderStopped {
			waiting = int64(len(run(mv)))
		}
		return []string{"visible_events", "waiting_records", "rejected_records"},
			[][]types.Field{{long(int64(len(run(loaded)))), long(waiting), long(f.rejected)}}, nil
	case "smoke_latency":
		var lags []int64
		for _, r := range run(loaded) {
			lags = append(lags, r.ingest.Sub(r.eventTime).Milliseconds())
		}
		cols := []string{"events", "p50_ms", "p95_ms", "max_ms"}
		if len(lags) == 0 {
			return cols, [][]types.Field{{long(0), null(), null(), null()}}, nil
		}
		slices.Sort(lags)
		return cols, [][]types.Field{{
			long(int64(len(lags))),
			long(int64(math.Round(percentileCont(lags, 0.5)))),
			long(int64(math.Round(percentileCont(lags, 0.95)))),
			long(lags[len(lags)-1]),
		}}, nil
	case "smoke_newest_row":
		cols := []string{"newest", "age_s"}
		if len(mv) == 0 {
			return cols, [][]types.Field{{null(), null()}}, nil
		}
		newest := mv[0].ingest
		for _, r := range mv {
			if r.ingest.After(newest) {
				newest = r.ingest
			}
		}
		return cols, [][]types.Field{{text(timestamp(newest)), long(int64(at.Sub(newest) / time.Second))}}, nil
	}
	return nil, nil, errors.New("no answer for statement " + name)
}

// percentileCont interpolates between the two nearest ranks, as Redshift's
// PERCENTILE_CONT does; sorted must be sorted.
func percentileCont(sorted []int64, p float64) float64 {
	pos := p * float64(len(sorted)-1)
	lo, hi := int(math.Floor(pos)), int(math.Ceil(pos))
	return float64(sorted[lo]) + (pos-float64(lo))*float64(sorted[hi]-sorted[lo])
}

// memStream is an in-memory stream for tests that need no Kinesis.
type memStream struct {
	mu      sync.Mutex
	records []localrun.Record
}

func (m *memStream) read(context.Context) ([]localrun.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.records), nil
}

func (m *memStream) put(data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.records = append(m.records, localrun.Record{ShardID: "shardId-000000000000", SequenceNumber: strconv.Itoa(len(m.records)), Data: data})
}

// startLoads makes the loads run from now on, as a load the test invoked
// does for what the materialized view holds.
func (f *fakeWarehouse) startLoads() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loaderStopped = false
}
