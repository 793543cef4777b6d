package ddl

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/aws/smithy-go"
	chatsql "github.com/chatstream/chatstream/sql"
	"github.com/google/go-cmp/cmp"
)

// clock is a fake time source that tests move by hand; sleeping moves it.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func (c *clock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.t = c.t.Add(d)
	return nil
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)} }

func testHandler(t *testing.T, api dataAPI, c *clock) *Handler {
	t.Helper()
	return newHandler(api, slog.New(slog.NewTextHandler(t.Output(), nil)), c.now, c.sleep)
}

// loadEvent reads a Provider framework payload from testdata.
func loadEvent(t *testing.T, name string) cfn.Event {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var e cfn.Event
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return e
}

// provider plays the Provider framework: onEvent once, then isComplete,
// every queryInterval on the clock, with onEvent's answer merged into the
// request, until it completes, fails or max polls pass.
type provider struct {
	t   *testing.T
	h   *Handler
	c   *clock
	max int
}

const queryInterval = 10 * time.Second

func (p provider) run(e cfn.Event) (polls int, resp IsCompleteResponse, err error) {
	p.t.Helper()
	ctx := context.Background()
	on, err := p.h.OnEvent(ctx, Request{Event: e})
	if err != nil {
		return 0, IsCompleteResponse{}, err
	}
	// The framework merges onEvent's answer, JSON and all, into the request.
	r := mergeAnswer(p.t, e, on)
	for polls = 1; polls <= p.max; polls++ {
		resp, err = p.h.IsComplete(ctx, r)
		if err != nil || resp.IsComplete {
			return polls, resp, err
		}
		if resp.Data != nil {
			p.t.Fatalf("poll %d returned Data with IsComplete false; the framework rejects that", polls)
		}
		p.c.t = p.c.t.Add(queryInterval)
	}
	return p.max, resp, nil
}

// mergeAnswer does what the framework's createResponseEvent does: the
// request's fields, overwritten by those of onEvent's answer.
func mergeAnswer(t *testing.T, e cfn.Event, answer OnEventResponse) Request {
	t.Helper()
	merged := map[string]any{}
	for _, v := range []any{e, answer} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &merged); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := json.Marshal(merged)
	var r Request
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("decode the merged request %s: %v", b, err)
	}
	return r
}

var (
	createTableNames = []string{"create_landing_table", "create_events_table", "create_rejected_table", "create_load_runs_table"}
	grantNames       = []string{
		"define_create_analyst_role", "create_analyst_role", "drop_create_analyst_role",
		"grant_schema_usage", "grant_select_on_tables", "grant_select_on_future_tables",
	}
	rebuildNames = []string{"drop_stream_view", "drop_stream_schema", "create_stream_schema", "create_stream_view"}
	applyNames   = slices.Concat([]string{"create_schema"}, createTableNames, rebuildNames, grantNames)
	tablesNames  = slices.Concat([]string{"create_schema"}, createTableNames, grantNames)
	teardownTail = []string{"drop_landing_table", "drop_events_table", "drop_rejected_table", "drop_load_runs_table",
		"define_create_analyst_role", "drop_create_analyst_role", "drop_schema"}
)

// fromFirstDesign turns properties into the first design's: a hash of its
// typed views, and neither a table hash nor a mode.
func fromFirstDesign(props map[string]any) {
	props["ViewSqlHash"] = props["TableSqlHash"]
	delete(props, "TableSqlHash")
	delete(props, "Mode")
}

// ran returns the names of the statements submitted for e: it checks that
// exactly one batch was submitted, that it starts with the statement
// timeout and that the rest is the plan's SQL, in order. Nil means nothing
// was submitted.
func ran(t *testing.T, api *fakeDataAPI, e cfn.Event) []string {
	t.Helper()
	if len(api.batches) == 0 {
		return nil
	}
	b := api.onlyBatch()
	p, err := newPlan(e)
	if err != nil {
		t.Fatal(err)
	}
	timeout, err := chatsql.StatementTimeout(p.target.Timeout - cancelMargin)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{timeout.SQL}
	for _, s := range p.stmts {
		want = append(want, s.SQL)
	}
	if diff := cmp.Diff(want, b.sqls); diff != "" {
		t.Fatalf("submitted SQL (-plan +got):\n%s", diff)
	}
	return names(p)
}

func TestCreateSubmitsThePlanOnceAndFollowsItsId(t *testing.T) {
	// GIVEN a Data API where the batch is SUBMITTED, then STARTED twice, then FINISHED
	api := newFakeDataAPI(t)
	api.statuses = []types.StatusString{types.StatusStringSubmitted, types.StatusStringStarted, types.StatusStringStarted, types.StatusStringFinished}
	c := newClock()
	h := testHandler(t, api, c)
	e := loadEvent(t, "create.json")

	// WHEN the Provider runs a Create
	polls, resp, err := provider{t, h, c, 20}.run(e)

	// THEN onEvent submitted every statement once, in plan order, as one
	// named batch after the statement timeout
	if err != nil {
		t.Fatalf("IsComplete = %v", err)
	}
	if diff := cmp.Diff(applyNames, ran(t, api, e)); diff != "" {
		t.Errorf("statements (-want +got):\n%s", diff)
	}
	if got := api.onlyBatch().name; got != "chatstream-ddl:IngestionDdl" {
		t.Errorf("StatementName = %q, want chatstream-ddl:IngestionDdl", got)
	}
	if api.submitCalls != 1 {
		t.Errorf("%d BatchExecuteStatement calls, want 1", api.submitCalls)
	}
	// AND every poll described the id onEvent got, until it finished
	if polls != 4 {
		t.Errorf("completed after %d polls, want 4", polls)
	}
	if diff := cmp.Diff([]string{"batch-1", "batch-1", "batch-1", "batch-1"}, api.described); diff != "" {
		t.Errorf("described ids (-want +got):\n%s", diff)
	}
	// AND the typed view's name comes back as an attribute
	want := IsCompleteResponse{IsComplete: true, Data: map[string]any{"EventsTable": `"chatstream".chat_events`}}
	if diff := cmp.Diff(want, resp); diff != "" {
		t.Errorf("final response (-want +got):\n%s", diff)
	}
}

func TestOnEventAnswerCarriesTheStatementId(t *testing.T) {
	api := newFakeDataAPI(t)
	c := newClock()
	got, err := testHandler(t, api, c).OnEvent(t.Context(), Request{Event: loadEvent(t, "create.json")})
	if err != nil {
		t.Fatal(err)
	}
	want := OnEventResponse{PhysicalResourceID: "chatstream-staging/dev", StatementID: "batch-1", SubmittedAt: c.t}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("OnEvent (-want +got):\n%s", diff)
	}
	// The framework reads these exact JSON keys.
	b, _ := json.Marshal(got)
	if want := `{"PhysicalResourceId":"chatstream-staging/dev","StatementId":"batch-1","SubmittedAt":"2026-11-27T10:00:00Z"}`; string(b) != want {
		t.Errorf("OnEvent JSON = %s, want %s", b, want)
	}
}

func TestStatementOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(*fakeDataAPI)
		wantPolls int
		wantErr   string // empty: completes
		wantDone  bool
	}{
		{
			name:      "finished at once",
			setup:     func(*fakeDataAPI) {},
			wantPolls: 1, wantDone: true,
		},
		{
			name: "failed with Redshift's message, naming the statement",
			setup: func(f *fakeDataAPI) {
				f.statuses = []types.StatusString{types.StatusStringStarted, types.StatusStringFailed}
				f.failAt, f.message = 10, `ERROR: Kinesis stream "chat-events-staging" not found`
			},
			wantPolls: 2,
			wantErr: `Create IngestionDdl: statement 9 of 15 (create_stream_view) FAILED: ERROR: Kinesis stream "chat-events-staging" not found ` +
				"(the batch ran as one transaction: none of it took effect)",
		},
		{
			name: "aborted without a message",
			setup: func(f *fakeDataAPI) {
				f.statuses = []types.StatusString{types.StatusStringAborted}
				f.failAt = 16
			},
			wantPolls: 1,
			wantErr:   "statement 15 of 15 (grant_select_on_future_tables) ABORTED: no error message from Redshift",
		},
		{
			name: "the statement timeout itself failed",
			setup: func(f *fakeDataAPI) {
				f.statuses = []types.StatusString{types.StatusStringFailed}
				f.failAt, f.message = 1, "ERROR: permission denied"
			},
			wantPolls: 1,
			wantErr:   "the session's statement timeout FAILED: ERROR: permission denied",
		},
		{
			name: "describe throttled, then fine",
			setup: func(f *fakeDataAPI) {
				f.describeErrs = []error{&smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}}
			},
			wantPolls: 2, wantDone: true,
		},
		{
			name: "submit throttled and workgroup not ready, then fine: onEvent waits",
			setup: func(f *fakeDataAPI) {
				f.submitErrs = []error{
					&smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"},
					&types.ActiveStatementsExceededException{Message: aws.String("too many active statements")},
					&types.ValidationException{Message: aws.String("Workgroup chatstream-staging is not available. Try again later.")},
				}
			},
			wantPolls: 1, wantDone: true,
		},
		{
			name: "never finishes: cancelled before the Provider's timeout",
			setup: func(f *fakeDataAPI) {
				f.statuses = []types.StatusString{types.StatusStringStarted}
				f.failAt = 10
			},
			// 30 minutes less the 2-minute margin, polled every 10 s from the first poll at 0 s.
			wantPolls: 169,
			wantErr:   "statements batch-1 still STARTED after 28m0s, statement 9 of 15 (create_stream_view) STARTED: cancelled them",
		},
		{
			name: "permanent validation error fails onEvent",
			setup: func(f *fakeDataAPI) {
				f.submitErrs = []error{&types.ValidationException{Message: aws.String("Database dev does not exist")}}
			},
			wantPolls: 0,
			wantErr:   "Create IngestionDdl: submit 16 statements to chatstream-staging/dev: ",
		},
		{
			name: "access denied fails at once",
			setup: func(f *fakeDataAPI) {
				f.describeErrs = []error{&smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}}
			},
			wantPolls: 1,
			wantErr:   "describe statements batch-1, submitted 0s ago: ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeDataAPI(t)
			tt.setup(api)
			c := newClock()
			polls, resp, err := provider{t, testHandler(t, api, c), c, 200}.run(loadEvent(t, "create.json"))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v; want one containing %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("error = %v; want none", err)
			}
			if resp.IsComplete != tt.wantDone || polls != tt.wantPolls {
				t.Errorf("IsComplete = %v after %d polls; want %v after %d", resp.IsComplete, polls, tt.wantDone, tt.wantPolls)
			}
			// However often it polls, the plan is submitted at most once.
			if len(api.batches) > 1 {
				t.Errorf("%d batches submitted, want at most 1", len(api.batches))
			}
		})
	}
}

func TestNotFoundRightAfterTheSubmitIsPolledAgain(t *testing.T) {
	// GIVEN a Data API that does not know a new batch for its first three describes
	api := newFakeDataAPI(t)
	api.hidden = 3
	c := newClock()
	// WHEN the Provider polls every 10 s
	polls, resp, err := provider{t, testHandler(t, api, c), c, 10}.run(loadEvent(t, "create.json"))
	// THEN the "not found" answers within the grace period are waited out, and the batch completes once
	if err != nil || !resp.IsComplete || polls != 4 {
		t.Fatalf("IsComplete = %+v, %v after %d polls; want complete after 4", resp, err, polls)
	}
	if len(api.batches) != 1 {
		t.Errorf("%d batches submitted, want 1", len(api.batches))
	}
}

func TestNotFoundLongAfterTheSubmitFails(t *testing.T) {
	// GIVEN a batch the Data API never knows
	api := newFakeDataAPI(t)
	api.hidden = 1000
	c := newClock()
	// WHEN the Provider polls past the grace period
	polls, _, err := provider{t, testHandler(t, api, c), c, 100}.run(loadEvent(t, "create.json"))
	// THEN the poll after two minutes fails, naming the id and its age
	if err == nil || !strings.Contains(err.Error(), "describe statements batch-1, submitted 2m0s ago: ") || !strings.Contains(err.Error(), "Query does not exist") {
		t.Fatalf("error = %v; want one naming batch-1 and its age", err)
	}
	if polls != 13 {
		t.Errorf("failed after %d polls, want 13 (0 s to 120 s)", polls)
	}
}

func TestCancelAtTheDeadline(t *testing.T) {
	running := []types.StatusString{types.StatusStringStarted}
	tests := []struct {
		name       string
		cancelErrs []error
		// after is what DescribeStatement says once the cancel failed.
		after    types.StatusString
		wantErr  string
		wantDone bool
	}{
		{name: "cancelled", wantErr: "cancelled them, so none of them took effect (they run as one transaction); the deadline is the custom resource's TimeoutSeconds = 1800"},
		{
			name:       "finished while cancelling",
			cancelErrs: []error{&types.ValidationException{Message: aws.String("Could not cancel a query that is already in FINISHED state")}},
			after:      types.StatusStringFinished, wantDone: true,
		},
		{
			name:       "cancel refused",
			cancelErrs: []error{&smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}},
			after:      types.StatusStringStarted,
			wantErr:    "and cancelling them failed: api error AccessDeniedException: not authorized; cancel them by hand (aws redshift-data cancel-statement --id batch-1)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN a batch that runs and runs
			api := newFakeDataAPI(t)
			api.statuses, api.failAt, api.cancelErrs = running, 9, tt.cancelErrs
			c := newClock()
			h := testHandler(t, api, c)
			e := loadEvent(t, "create.json")
			on, err := h.OnEvent(t.Context(), Request{Event: e})
			if err != nil {
				t.Fatal(err)
			}
			r := mergeAnswer(t, e, on)
			// WHEN isComplete polls one second before the cancel margin
			c.t = on.SubmittedAt.Add(30*time.Minute - cancelMargin - time.Second)
			resp, err := h.IsComplete(t.Context(), r)
			// THEN it waits, without cancelling
			if err != nil || resp.IsComplete || len(api.cancelled) != 0 {
				t.Fatalf("IsComplete = %+v, %v with %v cancelled; want not complete, nothing cancelled", resp, err, api.cancelled)
			}
			// WHEN it polls at the margin
			c.t = c.t.Add(time.Second)
			if tt.after != "" {
				api.statuses = []types.StatusString{types.StatusStringStarted, tt.after}
				api.batches[0].describes = 0
			}
			resp, err = h.IsComplete(t.Context(), r)
			// THEN it cancels the batch onEvent submitted, by its id
			if diff := cmp.Diff([]string{"batch-1"}, api.cancelled); diff != "" {
				t.Errorf("cancelled (-want +got):\n%s", diff)
			}
			if tt.wantDone {
				if err != nil || !resp.IsComplete {
					t.Errorf("IsComplete = %+v, %v; want complete", resp, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "still STARTED after 28m0s, statement 8 of 15 (create_stream_schema) STARTED") {
				t.Errorf("IsComplete error = %v; want one saying what ran for how long, and %q", err, tt.wantErr)
			}
		})
	}
}

func TestNothingToRunSubmitsNothing(t *testing.T) {
	tests := []struct {
		name  string
		event func(t *testing.T) cfn.Event
	}{
		{name: "retained delete", event: func(t *testing.T) cfn.Event {
			e := loadEvent(t, "delete.json")
			e.ResourceProperties["RetainOnDelete"] = "true"
			return e
		}},
		{name: "update of the secret and the timeout", event: func(t *testing.T) cfn.Event {
			e := loadEvent(t, "update.json")
			e.ResourceProperties["TableSqlHash"] = e.OldResourceProperties["TableSqlHash"]
			e.ResourceProperties["SecretArn"] = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rotated-XyZ123"
			e.ResourceProperties["TimeoutSeconds"] = "3600"
			return e
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeDataAPI(t)
			c := newClock()
			polls, resp, err := provider{t, testHandler(t, api, c), c, 5}.run(tt.event(t))
			if err != nil || !resp.IsComplete || polls != 1 {
				t.Fatalf("IsComplete = %+v, %v after %d polls; want complete at once", resp, err, polls)
			}
			if api.submitCalls+len(api.described)+len(api.cancelled) != 0 {
				t.Errorf("made %d submit, %d describe and %d cancel calls, want none", api.submitCalls, len(api.described), len(api.cancelled))
			}
		})
	}
}

func TestIsCompleteWithoutTheStatementIdFails(t *testing.T) {
	// A request onEvent did not answer for cannot be followed: failing says so.
	h := testHandler(t, newFakeDataAPI(t), newClock())
	_, err := h.IsComplete(t.Context(), Request{Event: loadEvent(t, "create.json")})
	if err == nil || !strings.Contains(err.Error(), "carries no StatementId for a plan of 15 statements") {
		t.Errorf("IsComplete = %v; want an error saying onEvent submitted nothing", err)
	}
}

func TestRequestPaths(t *testing.T) {
	create := loadEvent(t, "create.json")
	tests := []struct {
		name     string
		event    func() cfn.Event
		want     []string
		wantData bool
	}{
		{
			name:  "create applies everything",
			event: func() cfn.Event { return create },
			want:  applyNames, wantData: true,
		},
		{
			name:  "update of the tables' SQL only creates what is missing and grants, keeping the materialized view",
			event: func() cfn.Event { return loadEvent(t, "update.json") },
			want:  tablesNames, wantData: true,
		},
		{
			name: "update of the mode only switches AUTO REFRESH in place",
			event: func() cfn.Event {
				e := loadEvent(t, "update.json")
				e.ResourceProperties["TableSqlHash"] = e.OldResourceProperties["TableSqlHash"]
				e.ResourceProperties["Mode"] = "scheduled"
				return e
			},
			want: []string{"set_auto_refresh"}, wantData: true,
		},
		{
			name: "update of the mode and the tables does both, the view still kept",
			event: func() cfn.Event {
				e := loadEvent(t, "update.json")
				e.ResourceProperties["Mode"] = "scheduled"
				return e
			},
			want: append(slices.Clone(tablesNames), "set_auto_refresh"), wantData: true,
		},
		{
			name: "update of the stream SQL rebuilds the materialized view",
			event: func() cfn.Event {
				e := loadEvent(t, "update.json")
				e.ResourceProperties["StreamSqlHash"] = strings.Repeat("ab", 32)
				return e
			},
			want: applyNames, wantData: true,
		},
		{
			name: "update of the stream SQL and the mode rebuilds once, in the new mode",
			event: func() cfn.Event {
				e := loadEvent(t, "update.json")
				e.ResourceProperties["StreamSqlHash"] = strings.Repeat("ab", 32)
				e.ResourceProperties["Mode"] = "scheduled"
				return e
			},
			want: applyNames, wantData: true,
		},
		{
			name: "a role ARN in the old properties changes nothing",
			event: func() cfn.Event {
				e := loadEvent(t, "update.json")
				e.ResourceProperties["TableSqlHash"] = e.OldResourceProperties["TableSqlHash"]
				e.OldResourceProperties["RoleArn"] = "arn:aws:iam::123456789012:role/chatstream-staging-streaming-v1"
				return e
			},
			want: nil, wantData: true,
		},
		{
			name: "update renaming the schema stops streaming under the old names and keeps the old tables",
			event: func() cfn.Event {
				e := loadEvent(t, "update.json")
				e.ResourceProperties["Schema"] = "analytics"
				return e
			},
			want:     slices.Concat([]string{"old_create_schema", "old_drop_stream_view", "old_drop_stream_schema"}, applyNames),
			wantData: true,
		},
		{
			name: "update renaming the stream keeps the schema",
			event: func() cfn.Event {
				e := loadEvent(t, "update.json")
				e.ResourceProperties["StreamName"] = "chat-events-staging-v2"
				return e
			},
			want:     slices.Concat([]string{"old_create_schema", "old_drop_stream_view", "old_drop_stream_schema"}, applyNames),
			wantData: true,
		},
		{
			name: "update renaming in a retained environment leaves the old objects",
			event: func() cfn.Event {
				e := loadEvent(t, "update.json")
				e.ResourceProperties["Schema"] = "analytics"
				e.ResourceProperties["RetainOnDelete"] = "true"
				return e
			},
			want: applyNames, wantData: true,
		},
		{
			name: "update from the first design saves its materialized view's rows and replaces its view with the table",
			event: func() cfn.Event {
				e := loadEvent(t, "update.json")
				fromFirstDesign(e.OldResourceProperties)
				return e
			},
			want: slices.Concat([]string{"create_schema", "drop_legacy_events_view"}, createTableNames,
				[]string{"save_legacy_stream_rows"}, rebuildNames, grantNames),
			wantData: true,
		},
		{
			name: "update from the first design in scheduled mode needs no separate switch: the view is rebuilt in it",
			event: func() cfn.Event {
				e := loadEvent(t, "update.json")
				fromFirstDesign(e.OldResourceProperties)
				e.ResourceProperties["Mode"] = "scheduled"
				return e
			},
			want: slices.Concat([]string{"create_schema", "drop_legacy_events_view"}, createTableNames,
				[]string{"save_legacy_stream_rows"}, rebuildNames, grantNames),
			wantData: true,
		},
		{
			name: "update from the first design renaming the schema drops its view and materialized view under the old names",
			event: func() cfn.Event {
				e := loadEvent(t, "update.json")
				fromFirstDesign(e.OldResourceProperties)
				e.ResourceProperties["Schema"] = "analytics"
				return e
			},
			want:     slices.Concat([]string{"old_create_schema", "old_drop_legacy_events_view", "old_drop_stream_view", "old_drop_stream_schema"}, applyNames),
			wantData: true,
		},
		{
			name: "rollback to the first design's properties rebuilds in this design rather than failing",
			event: func() cfn.Event {
				e := loadEvent(t, "update.json")
				e.ResourceProperties, e.OldResourceProperties = e.OldResourceProperties, e.ResourceProperties
				fromFirstDesign(e.ResourceProperties)
				e.ResourceProperties["StreamSqlHash"] = strings.Repeat("cd", 32)
				return e
			},
			want: applyNames, wantData: true,
		},
		{
			name: "update to another database applies everything there",
			event: func() cfn.Event {
				e := loadEvent(t, "update.json")
				e.ResourceProperties["Database"] = "analytics"
				e.ResourceProperties["TableSqlHash"] = e.OldResourceProperties["TableSqlHash"]
				return e
			},
			want: applyNames, wantData: true,
		},
		{
			name:  "delete drops the materialized view, the tables and the schemas",
			event: func() cfn.Event { return loadEvent(t, "delete.json") },
			want:  slices.Concat([]string{"create_schema", "drop_stream_view", "drop_stream_schema"}, teardownTail),
		},
		{
			name: "delete of the first design drops its view first",
			event: func() cfn.Event {
				e := loadEvent(t, "delete.json")
				fromFirstDesign(e.ResourceProperties)
				return e
			},
			want: slices.Concat([]string{"create_schema", "drop_legacy_events_view", "drop_stream_view", "drop_stream_schema"}, teardownTail),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeDataAPI(t)
			e := tt.event()
			api.database = e.ResourceProperties["Database"].(string)
			c := newClock()
			_, resp, err := provider{t, testHandler(t, api, c), c, 5}.run(e)
			if err != nil {
				t.Fatalf("IsComplete = %v", err)
			}
			if !resp.IsComplete {
				t.Fatal("IsComplete = false; want true")
			}
			if diff := cmp.Diff(tt.want, ran(t, api, e)); diff != "" {
				t.Errorf("statements run (-want +got):\n%s", diff)
			}
			if got := resp.Data != nil; got != tt.wantData {
				t.Errorf("Data = %v; want Data present = %v", resp.Data, tt.wantData)
			}
		})
	}
}

func TestPhysicalResourceID(t *testing.T) {
	h := testHandler(t, newFakeDataAPI(t), newClock())
	moved := loadEvent(t, "update.json")
	moved.ResourceProperties["WorkgroupName"] = "chatstream-staging-2"
	p, err := newPlan(moved)
	if err != nil {
		t.Fatal(err)
	}
	// A new ID tells CloudFormation to delete the old resource afterwards.
	if p.physicalID != "chatstream-staging-2/dev" {
		t.Errorf("physical ID = %q, want chatstream-staging-2/dev", p.physicalID)
	}
	del := loadEvent(t, "delete.json")
	del.PhysicalResourceID = "created-by-an-older-version"
	del.ResourceProperties["RetainOnDelete"] = "true"
	resp, err := h.OnEvent(context.Background(), Request{Event: del})
	if err != nil {
		t.Fatal(err)
	}
	if resp.PhysicalResourceID != "created-by-an-older-version" {
		t.Errorf("Delete PhysicalResourceID = %q; a delete must keep the ID it was given", resp.PhysicalResourceID)
	}
}

func TestClientTokenIsStablePerRequest(t *testing.T) {
	e := loadEvent(t, "create.json")
	a := clientToken(e)
	if b := clientToken(e); a != b {
		t.Errorf("same request: tokens %s and %s differ", a, b)
	}
	if len(a) != 64 {
		t.Errorf("token %q has %d characters; the Data API takes 1 to 64", a, len(a))
	}
	other := e
	other.RequestID = "another-request"
	if clientToken(other) == a {
		t.Errorf("another request gives the same token %s", a)
	}
}

func TestSubmitGivesUpAtTheInvocationDeadline(t *testing.T) {
	// GIVEN a Data API that throttles every submit, and an onEvent invocation with a deadline
	api := newFakeDataAPI(t)
	for range 100 {
		api.submitErrs = append(api.submitErrs, &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"})
	}
	c := newClock()
	h := newHandler(api, slog.New(slog.DiscardHandler), c.now, func(ctx context.Context, d time.Duration) error {
		c.t = c.t.Add(d)
		if api.submitCalls >= 5 {
			return context.DeadlineExceeded // the invocation's deadline, less the margin
		}
		return nil
	})
	// WHEN onEvent runs
	_, err := h.OnEvent(t.Context(), Request{Event: loadEvent(t, "create.json")})
	// THEN it fails with the throttling it waited for, and submitted nothing
	if err == nil || !strings.Contains(err.Error(), "ThrottlingException") || !strings.Contains(err.Error(), "gave up at the invocation's deadline") {
		t.Fatalf("OnEvent = %v; want the throttling error and that it gave up", err)
	}
	if len(api.batches) != 0 || api.submitCalls != 5 {
		t.Errorf("%d batches after %d calls; want none after 5", len(api.batches), api.submitCalls)
	}
}

func TestPlanTooLargeForOneBatch(t *testing.T) {
	e := loadEvent(t, "create.json")
	p, err := newPlan(e)
	if err != nil {
		t.Fatal(err)
	}
	for len(p.stmts) < maxBatch {
		p.stmts = append(p.stmts, p.stmts[0])
	}
	api := newFakeDataAPI(t)
	_, _, err = testHandler(t, api, newClock()).submit(t.Context(), e, p)
	if err == nil || !strings.Contains(err.Error(), "plan of 41 statements: the Data API runs at most 40 in one batch") {
		t.Errorf("submit = %v; want an error naming the size", err)
	}
	if api.submitCalls != 0 {
		t.Errorf("made %d calls, want 0", api.submitCalls)
	}
}

// hangingDataAPI hangs in DescribeStatement, as a hung connection or a long
// retry backoff inside the SDK would, until the call's ctx ends.
type hangingDataAPI struct {
	*fakeDataAPI
	hanging   bool
	deadlines []time.Time
}

func (h *hangingDataAPI) DescribeStatement(ctx context.Context, in *redshiftdata.DescribeStatementInput, optFns ...func(*redshiftdata.Options)) (*redshiftdata.DescribeStatementOutput, error) {
	if !h.hanging {
		return h.fakeDataAPI.DescribeStatement(ctx, in, optFns...)
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		h.t.Error("DescribeStatement called without a deadline: it would hang until the Lambda timeout")
		return nil, errors.New("no deadline")
	}
	h.deadlines = append(h.deadlines, deadline)
	<-ctx.Done()
	// How the SDK reports a call its context ended.
	return nil, &smithy.OperationError{ServiceID: "Redshift Data", OperationName: "DescribeStatement", Err: &smithy.CanceledError{Err: ctx.Err()}}
}

func TestHungCallEndsBeforeTheInvocationDeadline(t *testing.T) {
	// GIVEN a submitted batch and a DescribeStatement that hangs until its context ends
	api := &hangingDataAPI{fakeDataAPI: newFakeDataAPI(t)}
	c := newClock()
	h := testHandler(t, api, c)
	e := loadEvent(t, "create.json")
	on, err := h.OnEvent(t.Context(), Request{Event: e})
	if err != nil {
		t.Fatal(err)
	}
	r := mergeAnswer(t, e, on)
	api.hanging = true
	ctx, cancel := context.WithTimeout(t.Context(), deadlineMargin+time.Second)
	defer cancel()
	invocationDeadline, _ := ctx.Deadline()

	// WHEN isComplete polls
	resp, err := h.IsComplete(ctx, r)

	// THEN the call was given the invocation's deadline less the margin, and
	// the poll answers "not yet" instead of failing
	if err != nil || resp.IsComplete {
		t.Fatalf("IsComplete = %+v, %v; want not complete, no error", resp, err)
	}
	if diff := cmp.Diff([]time.Time{invocationDeadline.Add(-deadlineMargin)}, api.deadlines); diff != "" {
		t.Errorf("deadlines of the hung calls (-want +got):\n%s", diff)
	}
	// AND the next poll follows the same batch to its end
	api.hanging = false
	if resp, err = h.IsComplete(t.Context(), r); err != nil || !resp.IsComplete {
		t.Fatalf("next poll = %+v, %v; want complete", resp, err)
	}
	if len(api.batches) != 1 {
		t.Errorf("%d batches, want 1", len(api.batches))
	}
}

func TestDeadlineNearDefersToNextPoll(t *testing.T) {
	api := newFakeDataAPI(t)
	c := newClock()
	h := testHandler(t, api, c)
	e := loadEvent(t, "create.json")
	on, err := h.OnEvent(t.Context(), Request{Event: e})
	if err != nil {
		t.Fatal(err)
	}
	// Less than the margin left: the calls' own deadline has passed already.
	ctx, cancel := context.WithTimeout(t.Context(), deadlineMargin-time.Second)
	defer cancel()
	resp, err := h.IsComplete(ctx, mergeAnswer(t, e, on))
	if err != nil || resp.IsComplete {
		t.Fatalf("IsComplete = %+v, %v; want not complete, no error", resp, err)
	}
	if len(api.described) != 0 {
		t.Errorf("made %d DescribeStatement calls with the deadline near, want 0", len(api.described))
	}
}

func TestTransient(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"throttling", &smithy.GenericAPIError{Code: "ThrottlingException"}, true},
		{"active statements", &types.ActiveStatementsExceededException{}, true},
		{"active sessions", &types.ActiveSessionsExceededException{}, true},
		{"database connection", &types.DatabaseConnectionException{}, true},
		{"internal error", &types.InternalServerException{}, true},
		{"workgroup not available", &types.ValidationException{Message: aws.String("Workgroup is not available")}, true},
		{"workgroup modifying", &types.ValidationException{Message: aws.String("workgroup chatstream-staging is modifying")}, true},
		{"other validation error", &types.ValidationException{Message: aws.String("SecretArn is not valid")}, false},
		{"resource not found", &types.ResourceNotFoundException{Message: aws.String("no such statement")}, false},
		{"access denied", &smithy.GenericAPIError{Code: "AccessDeniedException"}, false},
		{"deadline", context.DeadlineExceeded, true},
		{"plain error", errors.New("boom"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := transient(tt.err); got != tt.want {
				t.Errorf("transient(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestNamed(t *testing.T) {
	h := testHandler(t, newFakeDataAPI(t), newClock())
	for _, name := range []string{OnEventHandler, IsCompleteHandler} {
		if fn, err := h.Named(name); err != nil || fn == nil {
			t.Errorf("Named(%q) = %v, %v; want a handler", name, fn, err)
		}
	}
	if _, err := h.Named("bootstrap"); err == nil || !strings.Contains(err.Error(), `handler "bootstrap": want onEvent or isComplete`) {
		t.Errorf("Named(bootstrap) = %v; want an error naming the setting", err)
	}
}
