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
	"github.com/google/go-cmp/cmp"
)

func testHandler(t *testing.T, api dataAPI) *Handler {
	t.Helper()
	return newHandler(api, slog.New(slog.NewTextHandler(t.Output(), nil)))
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

// pollUntilDone runs onEvent, then isComplete with onEvent's answer merged
// in, as the Provider framework does, until it completes, fails or max
// polls pass.
func pollUntilDone(t *testing.T, h *Handler, e cfn.Event, max int) (polls int, resp IsCompleteResponse, err error) {
	t.Helper()
	ctx := context.Background()
	on, err := h.OnEvent(ctx, e)
	if err != nil {
		return 0, IsCompleteResponse{}, err
	}
	e.PhysicalResourceID = on.PhysicalResourceID
	for polls = 1; polls <= max; polls++ {
		resp, err = h.IsComplete(ctx, e)
		if err != nil || resp.IsComplete {
			return polls, resp, err
		}
		if resp.Data != nil {
			t.Fatalf("poll %d returned Data with IsComplete false; the framework rejects that", polls)
		}
	}
	return max, resp, nil
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

func TestCreateRunsEveryStatementOnceInOrder(t *testing.T) {
	// GIVEN a Data API where every statement is running on its first
	// describe and finished on the second.
	api := newFakeDataAPI(t)
	for _, n := range applyNames {
		api.statuses[n] = []types.StatusString{types.StatusStringSubmitted, types.StatusStringFinished}
	}
	h := testHandler(t, api)

	// WHEN the Provider polls a Create.
	polls, resp, err := pollUntilDone(t, h, loadEvent(t, "create.json"), 20)

	// THEN each statement ran exactly once, in plan order, one per poll, and
	// the typed view's name comes back as an attribute.
	if err != nil {
		t.Fatalf("IsComplete = %v", err)
	}
	if diff := cmp.Diff(applyNames, api.submitted); diff != "" {
		t.Errorf("submitted statements (-want +got):\n%s", diff)
	}
	if want := len(applyNames) + 1; polls != want {
		t.Errorf("completed after %d polls, want %d", polls, want)
	}
	want := IsCompleteResponse{IsComplete: true, Data: map[string]any{"EventsView": `"chatstream".chat_events`}}
	if diff := cmp.Diff(want, resp); diff != "" {
		t.Errorf("final response (-want +got):\n%s", diff)
	}
}

func TestOnEventCallsNothing(t *testing.T) {
	api := newFakeDataAPI(t)
	h := testHandler(t, api)
	for _, fixture := range []string{"create.json", "update.json", "delete.json"} {
		e := loadEvent(t, fixture)
		got, err := h.OnEvent(context.Background(), e)
		if err != nil {
			t.Fatalf("OnEvent(%s) = %v", fixture, err)
		}
		if got.PhysicalResourceID != "chatstream-staging/dev" {
			t.Errorf("OnEvent(%s).PhysicalResourceID = %q, want chatstream-staging/dev", fixture, got.PhysicalResourceID)
		}
	}
	if api.execCalls+api.descCalls != 0 {
		t.Errorf("OnEvent made %d Data API calls, want 0", api.execCalls+api.descCalls)
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
			name:      "all finished at once",
			setup:     func(*fakeDataAPI) {},
			wantPolls: 1, wantDone: true,
		},
		{
			name: "failed with Redshift's message",
			setup: func(f *fakeDataAPI) {
				f.statuses["create_stream_view"] = []types.StatusString{types.StatusStringStarted, types.StatusStringFailed}
				f.messages["create_stream_view"] = `ERROR: Kinesis stream "chat-events-staging" not found`
			},
			wantPolls: 2,
			wantErr:   `Create IngestionDdl: statement 9 of 15 (create_stream_view) FAILED: ERROR: Kinesis stream "chat-events-staging" not found`,
		},
		{
			name: "aborted without a message",
			setup: func(f *fakeDataAPI) {
				f.statuses["grant_select_on_future_tables"] = []types.StatusString{types.StatusStringAborted}
			},
			wantPolls: 1,
			wantErr:   "statement 15 of 15 (grant_select_on_future_tables) ABORTED: no error message from Redshift",
		},
		{
			name: "throttled, then fine",
			setup: func(f *fakeDataAPI) {
				f.execErrs = []error{
					&smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"},
					&types.ActiveStatementsExceededException{Message: aws.String("too many active statements")},
				}
				f.descErrs = []error{&smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}}
			},
			wantPolls: 4, wantDone: true,
		},
		{
			name: "workgroup not ready, then fine",
			setup: func(f *fakeDataAPI) {
				f.execErrs = []error{
					&types.ValidationException{Message: aws.String("Workgroup chatstream-staging is not available. Try again later.")},
					&types.DatabaseConnectionException{Message: aws.String("connection refused")},
				}
			},
			wantPolls: 3, wantDone: true,
		},
		{
			name: "never finishes: the Provider's totalTimeout ends it",
			setup: func(f *fakeDataAPI) {
				f.statuses["create_stream_view"] = []types.StatusString{types.StatusStringStarted}
			},
			wantPolls: 50, wantDone: false,
		},
		{
			name: "permanent validation error fails at once",
			setup: func(f *fakeDataAPI) {
				f.execErrs = []error{&types.ValidationException{Message: aws.String("Database dev does not exist")}}
			},
			wantPolls: 1,
			wantErr:   "submit statement 1 of 15 (create_schema): ",
		},
		{
			name: "access denied fails at once",
			setup: func(f *fakeDataAPI) {
				f.descErrs = []error{&smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}}
			},
			wantPolls: 1,
			wantErr:   "describe statement 1 of 15 (create_schema) (id stmt-1): ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeDataAPI(t)
			tt.setup(api)
			polls, resp, err := pollUntilDone(t, testHandler(t, api), loadEvent(t, "create.json"), 50)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("IsComplete error = %v; want one containing %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("IsComplete = %v; want no error", err)
			}
			if resp.IsComplete != tt.wantDone || polls != tt.wantPolls {
				t.Errorf("IsComplete = %v after %d polls; want %v after %d", resp.IsComplete, polls, tt.wantDone, tt.wantPolls)
			}
			// However often it polls, no statement runs twice.
			seen := map[string]bool{}
			for _, n := range api.submitted {
				if seen[n] {
					t.Errorf("statement %s was run twice: %v", n, api.submitted)
				}
				seen[n] = true
			}
		})
	}
}

func TestNeverFinishingStatementIsSubmittedOnce(t *testing.T) {
	api := newFakeDataAPI(t)
	api.statuses["create_stream_view"] = []types.StatusString{types.StatusStringPicked, types.StatusStringStarted}
	_, _, err := pollUntilDone(t, testHandler(t, api), loadEvent(t, "create.json"), 30)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(applyNames[:9], api.submitted); diff != "" {
		t.Errorf("submitted (-want +got):\n%s", diff)
	}
	if got := api.byToken[clientTokenOf(t, api, "create_stream_view")].describes; got != 30 {
		t.Errorf("create_stream_view described %d times, want once per poll (30)", got)
	}
}

func clientTokenOf(t *testing.T, api *fakeDataAPI, name string) string {
	t.Helper()
	for token, s := range api.byToken {
		if s.name == name {
			return token
		}
	}
	t.Fatalf("statement %s was never submitted", name)
	return ""
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
			name: "update of the role ARN rebuilds the external schema",
			event: func() cfn.Event {
				e := loadEvent(t, "update.json")
				e.ResourceProperties["TableSqlHash"] = e.OldResourceProperties["TableSqlHash"]
				e.ResourceProperties["RoleArn"] = "arn:aws:iam::123456789012:role/chatstream-staging-streaming-v2"
				return e
			},
			want: applyNames, wantData: true,
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
			name: "update of the secret only runs nothing",
			event: func() cfn.Event {
				e := loadEvent(t, "update.json")
				e.ResourceProperties["TableSqlHash"] = e.OldResourceProperties["TableSqlHash"]
				e.ResourceProperties["SecretArn"] = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rotated-XyZ123"
				e.ResourceProperties["RetainOnDelete"] = "true"
				return e
			},
			want: nil, wantData: true,
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
		{
			name: "delete in a retained environment runs nothing",
			event: func() cfn.Event {
				e := loadEvent(t, "delete.json")
				e.ResourceProperties["RetainOnDelete"] = "true"
				return e
			},
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeDataAPI(t)
			e := tt.event()
			api.database = e.ResourceProperties["Database"].(string)
			_, resp, err := pollUntilDone(t, testHandler(t, api), e, 5)
			if err != nil {
				t.Fatalf("IsComplete = %v", err)
			}
			if !resp.IsComplete {
				t.Fatal("IsComplete = false; want true")
			}
			if diff := cmp.Diff(tt.want, api.submitted); diff != "" {
				t.Errorf("statements run (-want +got):\n%s", diff)
			}
			if got := resp.Data != nil; got != tt.wantData {
				t.Errorf("Data = %v; want Data present = %v", resp.Data, tt.wantData)
			}
		})
	}
}

func TestPhysicalResourceID(t *testing.T) {
	h := testHandler(t, newFakeDataAPI(t))
	moved := loadEvent(t, "update.json")
	moved.ResourceProperties["WorkgroupName"] = "chatstream-staging-2"
	got, err := h.OnEvent(context.Background(), moved)
	if err != nil {
		t.Fatal(err)
	}
	// A new ID tells CloudFormation to delete the old resource afterwards.
	if got.PhysicalResourceID != "chatstream-staging-2/dev" {
		t.Errorf("PhysicalResourceID = %q, want chatstream-staging-2/dev", got.PhysicalResourceID)
	}
	del := loadEvent(t, "delete.json")
	del.PhysicalResourceID = "created-by-an-older-version"
	got, err = h.OnEvent(context.Background(), del)
	if err != nil {
		t.Fatal(err)
	}
	if got.PhysicalResourceID != "created-by-an-older-version" {
		t.Errorf("Delete PhysicalResourceID = %q; a delete must keep the ID it was given", got.PhysicalResourceID)
	}
}

func TestClientTokensAreStablePerRequest(t *testing.T) {
	e := loadEvent(t, "create.json")
	a := clientToken(e, 0, "create_schema", "SQL")
	if b := clientToken(e, 0, "create_schema", "SQL"); a != b {
		t.Errorf("same request, same statement: tokens %s and %s differ", a, b)
	}
	if len(a) != 64 {
		t.Errorf("token %q has %d characters; the Data API takes 1 to 64", a, len(a))
	}
	other := e
	other.RequestID = "another-request"
	for name, b := range map[string]string{
		"another request":  clientToken(other, 0, "create_schema", "SQL"),
		"another position": clientToken(e, 1, "create_schema", "SQL"),
		"another SQL":      clientToken(e, 0, "create_schema", "SQL2"),
	} {
		if a == b {
			t.Errorf("%s gives the same token %s", name, a)
		}
	}
}

func TestDeadlineNearDefersToNextPoll(t *testing.T) {
	api := newFakeDataAPI(t)
	h := testHandler(t, api)
	e := loadEvent(t, "create.json")
	// Less than the margin left: the calls' own deadline has passed already.
	ctx, cancel := context.WithTimeout(t.Context(), deadlineMargin-time.Second)
	defer cancel()
	resp, err := h.IsComplete(ctx, e)
	if err != nil || resp.IsComplete {
		t.Fatalf("IsComplete = %+v, %v; want not complete, no error", resp, err)
	}
	if api.execCalls != 0 {
		t.Errorf("made %d ExecuteStatement calls with the deadline near, want 0", api.execCalls)
	}
}

// hangingDataAPI hangs in one of the two calls, as a hung connection or a
// long retry backoff inside the SDK would, until the call's ctx ends.
type hangingDataAPI struct {
	*fakeDataAPI
	// hangIn names the call that hangs: ExecuteStatement or DescribeStatement.
	hangIn string
	// deadlines are those of the calls that hung.
	deadlines []time.Time
}

func (h *hangingDataAPI) hang(ctx context.Context, op string) error {
	deadline, ok := ctx.Deadline()
	if !ok {
		h.t.Errorf("%s called without a deadline: it would hang until the Lambda timeout", op)
		return errors.New("no deadline")
	}
	h.deadlines = append(h.deadlines, deadline)
	<-ctx.Done()
	// How the SDK reports a call its context ended.
	return &smithy.OperationError{ServiceID: "Redshift Data", OperationName: op, Err: &smithy.CanceledError{Err: ctx.Err()}}
}

func (h *hangingDataAPI) ExecuteStatement(ctx context.Context, in *redshiftdata.ExecuteStatementInput, optFns ...func(*redshiftdata.Options)) (*redshiftdata.ExecuteStatementOutput, error) {
	if h.hangIn == "ExecuteStatement" {
		return nil, h.hang(ctx, h.hangIn)
	}
	return h.fakeDataAPI.ExecuteStatement(ctx, in, optFns...)
}

func (h *hangingDataAPI) DescribeStatement(ctx context.Context, in *redshiftdata.DescribeStatementInput, optFns ...func(*redshiftdata.Options)) (*redshiftdata.DescribeStatementOutput, error) {
	if h.hangIn == "DescribeStatement" {
		return nil, h.hang(ctx, h.hangIn)
	}
	return h.fakeDataAPI.DescribeStatement(ctx, in, optFns...)
}

func TestHungCallEndsBeforeTheInvocationDeadline(t *testing.T) {
	for _, op := range []string{"ExecuteStatement", "DescribeStatement"} {
		t.Run(op, func(t *testing.T) {
			// GIVEN a Data API call that hangs until its context ends, in an
			// invocation with a deadline.
			api := &hangingDataAPI{fakeDataAPI: newFakeDataAPI(t), hangIn: op}
			h := testHandler(t, api)
			e := loadEvent(t, "create.json")
			ctx, cancel := context.WithTimeout(t.Context(), deadlineMargin+time.Second)
			defer cancel()
			invocationDeadline, _ := ctx.Deadline()

			// WHEN isComplete polls.
			resp, err := h.IsComplete(ctx, e)

			// THEN the call was given the invocation's deadline less the
			// margin, and the poll answers "not yet" instead of failing.
			if err != nil || resp.IsComplete {
				t.Fatalf("IsComplete = %+v, %v; want not complete, no error", resp, err)
			}
			want := []time.Time{invocationDeadline.Add(-deadlineMargin)}
			if diff := cmp.Diff(want, api.deadlines); diff != "" {
				t.Errorf("deadlines of the hung calls (-want +got):\n%s", diff)
			}

			// AND the next poll carries on, running the submitted statement
			// only once.
			api.hangIn = ""
			if _, resp, err = pollUntilDone(t, h, e, 5); err != nil || !resp.IsComplete {
				t.Fatalf("next polls = %+v, %v; want complete", resp, err)
			}
			if diff := cmp.Diff(applyNames, api.submitted); diff != "" {
				t.Errorf("submitted statements (-want +got):\n%s", diff)
			}
		})
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
	h := testHandler(t, newFakeDataAPI(t))
	for _, name := range []string{OnEventHandler, IsCompleteHandler} {
		if fn, err := h.Named(name); err != nil || fn == nil {
			t.Errorf("Named(%q) = %v, %v; want a handler", name, fn, err)
		}
	}
	if _, err := h.Named("bootstrap"); err == nil || !strings.Contains(err.Error(), `handler "bootstrap": want onEvent or isComplete`) {
		t.Errorf("Named(bootstrap) = %v; want an error naming the setting", err)
	}
}
