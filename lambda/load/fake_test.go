package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	chatsql "github.com/chatstream/chatstream/sql"
)

var testTarget = Target{
	Workgroup: "chatstream-staging",
	Database:  "dev",
	SecretARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:chatstream-staging-admin-AbCdEf",
}

// record is a Kinesis record: where it is in the stream and its bytes.
type record struct {
	shard, seq string
	data       string
}

// row is a row of the materialized view or the landing table.
type row struct {
	record
	// payload is nil when data is not JSON, as the view's CASE makes it.
	payload any
}

// loaded is a row of the events table or the rejects table.
type loaded struct {
	record
	loadID string
}

// errCrash is what every call returns once the fake has "crashed": the
// Lambda died, or its network did, after the statement named in crashAfter
// took effect.
var errCrash = errors.New("connection reset: the loader died")

// warehouse is a model of what a load touches in Redshift, and a fake of
// the Data API calls the loader makes that runs each load statement, told
// apart by its StatementName, against the model: REFRESH reads the stream
// from the view's position on, APPEND moves the view's rows to the landing
// table and keeps the position, and the transaction types, deduplicates by
// event_id, rejects what has no event_id (once per record), records the run
// and empties the landing table, all at once. With autoRefresh the view
// reads the stream before every call, as AUTO REFRESH would between
// statements. The SQL itself runs for real in the PostgreSQL tests; this
// checks what the loader does with it, whatever happens to its calls.
type warehouse struct {
	t      *testing.T
	params chatsql.Params

	mu          sync.Mutex
	stream      []record
	position    int // records of the stream the view has read
	view        []row
	landing     []row
	events      map[string]loaded // by event_id
	rejected    map[string]loaded // by shard/sequence number
	runs        []string          // load ids recorded
	autoRefresh bool

	// fail makes a statement, by name, end FAILED with this message and no
	// effect; in a transaction it rolls the whole transaction back.
	fail map[string]string
	// crashAfter makes every call after the named statement took effect
	// fail with errCrash, until crashed is cleared.
	crashAfter string
	crashed    bool
	// stall is how many DescribeStatement calls report a statement, by
	// name, as STARTED before FINISHED; never keeps it STARTED for ever.
	stall map[string]int
	never map[string]bool
	// notFound is how many DescribeStatement calls answer that a new
	// statement does not exist yet.
	notFound int

	statements map[string]*fakeStatement // by id
	submitted  []string                  // statement names, in the order submitted
	cancelled  []string
	tokens     map[string]bool
}

type fakeStatement struct {
	id, name  string
	describes int
	status    types.StatusString
	err       string
	// columns and row are the result; subs are a transaction's statements.
	columns []string
	row     []int64
	subs    []*fakeStatement
}

func newWarehouse(t *testing.T, mode chatsql.Mode) *warehouse {
	return &warehouse{
		t:           t,
		params:      chatsql.Params{Schema: chatsql.DefaultSchema, Mode: mode, Engine: chatsql.Redshift},
		events:      map[string]loaded{},
		rejected:    map[string]loaded{},
		autoRefresh: mode == chatsql.Realtime,
		fail:        map[string]string{},
		stall:       map[string]int{},
		never:       map[string]bool{},
		statements:  map[string]*fakeStatement{},
		tokens:      map[string]bool{},
	}
}

// put adds records to the stream.
func (w *warehouse) put(rs ...record) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stream = append(w.stream, rs...)
}

// rebuild drops and recreates the materialized view: it forgets its rows
// and re-reads the stream from its oldest record.
func (w *warehouse) rebuild() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.view, w.position = nil, 0
}

// refresh reads the stream into the view from its position on.
func (w *warehouse) refresh() {
	for _, r := range w.stream[w.position:] {
		var payload any
		if json.Unmarshal([]byte(r.data), &payload) != nil {
			payload = nil
		}
		w.view = append(w.view, row{record: r, payload: payload})
	}
	w.position = len(w.stream)
}

// sqlByName renders the statements the loader must send for run, by name.
// The run changes the transaction's text only.
func (w *warehouse) sqlByName(run chatsql.LoadRun) map[string]string {
	plan, err := chatsql.Load(w.params, run)
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range plan.All() {
		out[s.Name] = s.SQL
	}
	return out
}

func (w *warehouse) checkTarget(workgroup, database, secret, token *string) error {
	got := Target{Workgroup: aws.ToString(workgroup), Database: aws.ToString(database), SecretARN: aws.ToString(secret)}
	if got != testTarget {
		w.t.Errorf("statement for %+v, want %+v", got, testTarget)
		return &types.ValidationException{Message: aws.String("wrong target")}
	}
	tok := aws.ToString(token)
	if tok == "" || len(tok) > 64 || w.tokens[tok] {
		w.t.Errorf("ClientToken %q: want a fresh one of 1 to 64 characters per statement", tok)
	}
	w.tokens[tok] = true
	return nil
}

// newStatement records a submitted statement.
func (w *warehouse) newStatement(name string) *fakeStatement {
	s := &fakeStatement{id: fmt.Sprintf("st-%d", len(w.statements)+1), name: name, status: types.StatusStringFinished}
	w.statements[s.id] = s
	w.submitted = append(w.submitted, name)
	return s
}

// done ends a statement: it failed, or it took effect and may crash.
func (w *warehouse) done(s *fakeStatement) {
	if msg, ok := w.fail[s.name]; ok {
		s.status, s.err = types.StatusStringFailed, msg
		return
	}
	if w.crashAfter == s.name {
		w.crashed = true
	}
}

func (w *warehouse) ExecuteStatement(_ context.Context, in *redshiftdata.ExecuteStatementInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.ExecuteStatementOutput, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.crashed {
		return nil, errCrash
	}
	if err := w.checkTarget(in.WorkgroupName, in.Database, in.SecretArn, in.ClientToken); err != nil {
		return nil, err
	}
	name := strings.TrimPrefix(aws.ToString(in.StatementName), statementLabel)
	if want, ok := w.sqlByName(chatsql.LoadRun{ID: "any", Started: time.Unix(0, 0)})[name]; !ok || want != aws.ToString(in.Sql) {
		w.t.Errorf("statement %s is not the load's statement of that name:\n%s", name, aws.ToString(in.Sql))
		return nil, &types.ValidationException{Message: aws.String("unknown statement")}
	}
	if w.autoRefresh {
		w.refresh()
	}
	s := w.newStatement(name)
	if _, failing := w.fail[name]; !failing {
		switch name {
		case "refresh_stream_view":
			w.refresh()
		case "count_pending":
			s.columns, s.row = []string{"streamed", "landed"}, []int64{int64(len(w.view)), int64(len(w.landing))}
		case "move_to_landing":
			w.landing = append(w.landing, w.view...)
			w.view = nil
		default:
			w.t.Errorf("no model for statement %s", name)
		}
	}
	w.done(s)
	return &redshiftdata.ExecuteStatementOutput{Id: aws.String(s.id)}, nil
}

func (w *warehouse) BatchExecuteStatement(_ context.Context, in *redshiftdata.BatchExecuteStatementInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.BatchExecuteStatementOutput, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.crashed {
		return nil, errCrash
	}
	if err := w.checkTarget(in.WorkgroupName, in.Database, in.SecretArn, in.ClientToken); err != nil {
		return nil, err
	}
	names := []string{"lock_landing", "stage_batch", "insert_rejected", "insert_events", "record_run", "clear_landing", "drop_batch", "report_run"}
	if len(in.Sqls) != len(names) {
		w.t.Errorf("transaction of %d statements, want %d", len(in.Sqls), len(names))
		return nil, &types.ValidationException{Message: aws.String("unknown transaction")}
	}
	run, err := runOf(in.Sqls)
	if err != nil {
		w.t.Error(err)
		return nil, &types.ValidationException{Message: aws.String(err.Error())}
	}
	byName := w.sqlByName(run)
	for i, sql := range in.Sqls {
		if sql != byName[names[i]] {
			w.t.Errorf("transaction statement %d is not %s:\n%s", i+1, names[i], sql)
		}
	}
	loadID := run.ID
	if w.autoRefresh {
		w.refresh()
	}
	s := w.newStatement("transaction")
	for i, name := range names {
		sub := &fakeStatement{id: fmt.Sprintf("%s:%d", s.id, i+1), name: name, status: types.StatusStringFinished}
		if msg, ok := w.fail[name]; ok {
			sub.status, sub.err = types.StatusStringFailed, msg
			s.status, s.err = types.StatusStringFailed, msg
		}
		s.subs = append(s.subs, sub)
		w.statements[sub.id] = sub
	}
	if s.status == types.StatusStringFailed {
		// Rolled back: nothing happened.
		return &redshiftdata.BatchExecuteStatementOutput{Id: aws.String(s.id)}, nil
	}
	last := s.subs[len(s.subs)-1]
	last.columns = []string{"moved", "inserted", "duplicates", "rejected"}
	last.row = w.load(loadID)
	if w.crashAfter == "transaction" {
		w.crashed = true
	}
	return &redshiftdata.BatchExecuteStatementOutput{Id: aws.String(s.id)}, nil
}

var (
	reportedID = regexp.MustCompile(`WHERE load_id = '([^']+)'`)
	startedAt  = regexp.MustCompile(`CAST\('([0-9-]+ [0-9:.]+)' AS TIMESTAMP\)`)
)

// runOf reads the run a transaction's statements were rendered for: the id
// its report selects and the start time it records.
func runOf(sqls []string) (chatsql.LoadRun, error) {
	id := reportedID.FindStringSubmatch(sqls[len(sqls)-1])
	started := startedAt.FindStringSubmatch(strings.Join(sqls, "\n"))
	if id == nil || started == nil {
		return chatsql.LoadRun{}, fmt.Errorf("transaction without a load id or start time")
	}
	at, err := time.Parse("2006-01-02 15:04:05.000000", started[1])
	if err != nil {
		return chatsql.LoadRun{}, err
	}
	return chatsql.LoadRun{ID: id[1], Started: at}, nil
}

// load is the model of the transaction: it returns moved, inserted,
// duplicates and rejected.
func (w *warehouse) load(loadID string) []int64 {
	var inserted, duplicates, rejected int64
	for _, r := range w.landing {
		obj, _ := r.payload.(map[string]any)
		id, _ := obj["event_id"].(string)
		switch {
		case id == "":
			key := r.shard + "/" + r.seq
			if _, seen := w.rejected[key]; seen {
				duplicates++
				continue
			}
			w.rejected[key] = loaded{record: r.record, loadID: loadID}
			rejected++
		default:
			if _, seen := w.events[id]; seen {
				duplicates++
				continue
			}
			w.events[id] = loaded{record: r.record, loadID: loadID}
			inserted++
		}
	}
	moved := int64(len(w.landing))
	w.landing = nil
	w.runs = append(w.runs, loadID)
	return []int64{moved, inserted, duplicates, rejected}
}

func (w *warehouse) DescribeStatement(_ context.Context, in *redshiftdata.DescribeStatementInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.DescribeStatementOutput, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.crashed {
		return nil, errCrash
	}
	s, ok := w.statements[aws.ToString(in.Id)]
	if !ok || w.notFound > 0 {
		w.notFound--
		return nil, &types.ResourceNotFoundException{Message: aws.String("no statement " + aws.ToString(in.Id))}
	}
	s.describes++
	status := s.status
	if w.never[s.name] || s.describes <= w.stall[s.name] {
		status = types.StatusStringStarted
	}
	out := &redshiftdata.DescribeStatementOutput{Id: in.Id, Status: status, HasResultSet: aws.Bool(s.columns != nil)}
	if status == types.StatusStringFailed {
		out.Error = aws.String(s.err)
	}
	for _, sub := range s.subs {
		out.SubStatements = append(out.SubStatements, types.SubStatementData{
			Id: aws.String(sub.id), Status: types.StatementStatusString(sub.status), Error: aws.String(sub.err),
			HasResultSet: aws.Bool(sub.columns != nil),
		})
	}
	return out, nil
}

func (w *warehouse) GetStatementResult(_ context.Context, in *redshiftdata.GetStatementResultInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.GetStatementResultOutput, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.crashed {
		return nil, errCrash
	}
	s, ok := w.statements[aws.ToString(in.Id)]
	if !ok || s.columns == nil {
		return nil, &types.ValidationException{Message: aws.String("no result for " + aws.ToString(in.Id))}
	}
	out := &redshiftdata.GetStatementResultOutput{}
	var fields []types.Field
	for i, c := range s.columns {
		out.ColumnMetadata = append(out.ColumnMetadata, types.ColumnMetadata{Name: aws.String(c)})
		fields = append(fields, &types.FieldMemberLongValue{Value: s.row[i]})
	}
	out.Records = [][]types.Field{fields}
	return out, nil
}

func (w *warehouse) CancelStatement(_ context.Context, in *redshiftdata.CancelStatementInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.CancelStatementOutput, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s, ok := w.statements[aws.ToString(in.Id)]
	if !ok {
		return nil, &types.ResourceNotFoundException{Message: aws.String("no statement " + aws.ToString(in.Id))}
	}
	w.cancelled = append(w.cancelled, s.name)
	return &redshiftdata.CancelStatementOutput{Status: aws.Bool(true)}, nil
}

// state is what the model holds, for comparisons.
type state struct {
	View, Landing     int
	Events, Rejected  int
	Runs              int
	EventIDs          []string
	UnreadStreamItems int
}

func (w *warehouse) state() state {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := state{View: len(w.view), Landing: len(w.landing), Events: len(w.events), Rejected: len(w.rejected), Runs: len(w.runs),
		UnreadStreamItems: len(w.stream) - w.position}
	for id := range w.events {
		s.EventIDs = append(s.EventIDs, id)
	}
	return s
}

func (w *warehouse) submittedNames() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.submitted...)
}
