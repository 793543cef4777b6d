package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/chatstream/chatstream/internal/awsconfig/awsconfigtest"
	"github.com/chatstream/chatstream/internal/dataapi"
	"github.com/chatstream/chatstream/internal/dataapi/dataapitest"
	"github.com/chatstream/chatstream/internal/golden"
	"github.com/chatstream/chatstream/internal/stack/stacktest"
	chatsql "github.com/chatstream/chatstream/sql"
	"github.com/google/go-cmp/cmp"
)

var stagingStack = stacktest.Stacks{"chatstream-staging": {
	"WorkgroupName":      "chatstream-staging",
	"DatabaseName":       "dev",
	"AdminSecretArn":     "arn:aws:secretsmanager:eu-west-1:123456789012:secret:admin-AbCdEf",
	"StreamName":         "chat-events-staging",
	"StreamingRoleArn":   "arn:aws:iam::123456789012:role/chatstream-staging-streaming-1A2B3C",
	"AnalystRoleArn":     "arn:aws:iam::123456789012:role/chatstream-staging-AnalystRole-1A2B3C",
	"LoadMode":           "realtime",
	"LoaderFunctionName": "chatstream-staging-LoaderFunction-AbC123",
}}

// noSleep never waits; it fails once ctx is done, as waiting on a timer
// would.
func noSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// fakes returns clients on stagingStack whose Data API is data, for
// whichever role the command assumes.
func fakes(data *dataapitest.Statement) func(context.Context) (clients, error) {
	return fakesAs(data, new([]string))
}

// fakesAs is fakes that records the roles the command assumed.
func fakesAs(data *dataapitest.Statement, assumed *[]string) func(context.Context) (clients, error) {
	return func(context.Context) (clients, error) {
		return clients{stacks: stagingStack, analystData: func(_ context.Context, roleARN string) (dataapi.API, error) {
			*assumed = append(*assumed, roleARN)
			return data, nil
		}}, nil
	}
}

func noClients(t *testing.T) func(context.Context) (clients, error) {
	return func(context.Context) (clients, error) {
		t.Error("the command built AWS clients it does not need")
		return clients{}, errors.New("no clients in this test")
	}
}

func TestRunQueryPrintsTable(t *testing.T) {
	// GIVEN a deployed staging stack and a query that runs for two polls and
	// returns its rows in two pages.
	data := &dataapitest.Statement{
		Statuses: []types.StatusString{types.StatusStringSubmitted, types.StatusStringStarted, types.StatusStringFinished},
		Columns:  []string{"chat_id", "messages", "senders", "last_message"},
		Pages: [][][]types.Field{
			{
				{&types.FieldMemberLongValue{Value: 7}, &types.FieldMemberLongValue{Value: 1204}, &types.FieldMemberLongValue{Value: 31}, &types.FieldMemberStringValue{Value: "2026-11-27 10:04:59.123"}},
				{&types.FieldMemberLongValue{Value: 12}, &types.FieldMemberLongValue{Value: 98}, &types.FieldMemberLongValue{Value: 4}, &types.FieldMemberStringValue{Value: "2026-11-27 10:03:10"}},
			},
			{
				{&types.FieldMemberLongValue{Value: 3}, &types.FieldMemberLongValue{Value: 5}, &types.FieldMemberIsNull{Value: true}, &types.FieldMemberStringValue{Value: "2026-11-27 09:59:00"}},
			},
		},
	}
	var stdout, stderr bytes.Buffer

	// WHEN a person runs make query ENV=staging Q=busiest_chats.
	var assumed []string
	err := run(t.Context(), []string{"run", "-env", "staging", "-q", "busiest_chats"}, &stdout, &stderr, fakesAs(data, &assumed), noSleep)

	// THEN the query ran on the stack's workgroup as the stack's analyst
	// role, with no secret, and the rows of both pages print as one aligned
	// table.
	if err != nil {
		t.Fatalf("run = %v; stderr: %s", err, stderr.String())
	}
	if len(data.Executed) != 1 {
		t.Fatalf("ExecuteStatement called %d times, want 1", len(data.Executed))
	}
	in := data.Executed[0]
	want, err := chatsql.Query("busiest_chats", chatsql.QueryOptions{Schema: chatsql.DefaultSchema})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{*in.WorkgroupName, *in.Database, *in.StatementName, *in.Sql}
	if diff := cmp.Diff([]string{"chatstream-staging", "dev", "chatstream-query:busiest_chats", want.SQL}, got); diff != "" {
		t.Errorf("ExecuteStatement input (-want +got):\n%s", diff)
	}
	if in.SecretArn != nil {
		t.Errorf("ExecuteStatement SecretArn = %s, want none: analysts never use the admin secret", *in.SecretArn)
	}
	if diff := cmp.Diff([]string{stagingStack["chatstream-staging"]["AnalystRoleArn"]}, assumed); diff != "" {
		t.Errorf("roles assumed (-want +got):\n%s", diff)
	}
	if data.Describes != 3 || data.Reads != 2 {
		t.Errorf("described %d times and read %d pages; want 3 and 2", data.Describes, data.Reads)
	}
	golden.Check(t, "testdata/busiest_chats.golden.txt", stdout.String())
}

func TestRunQueryPrintsTheFirstRowsOfALargeResult(t *testing.T) {
	// GIVEN a query whose result is larger than the command reads.
	row := []types.Field{&types.FieldMemberLongValue{Value: 1}}
	data := &dataapitest.Statement{
		Statuses: []types.StatusString{types.StatusStringFinished},
		Columns:  []string{"n"},
		Pages:    [][][]types.Field{slices.Repeat([][]types.Field{row}, 10001)},
	}
	var stdout, stderr bytes.Buffer

	// WHEN it runs.
	err := run(t.Context(), []string{"run", "-env", "staging", "-q", "active_users"}, &stdout, &stderr, fakes(data), noSleep)

	// THEN the table holds the first 10,000 rows and says so.
	if err != nil {
		t.Fatalf("run = %v; stderr: %s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if got, want := len(lines), 2+10000+1; got != want {
		t.Errorf("printed %d lines, want %d (header, rule, rows, count)", got, want)
	}
	if got, want := lines[len(lines)-1], "(first 10000 rows)"; got != want {
		t.Errorf("last line = %q, want %q", got, want)
	}
}

func TestRunQueryFailures(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		data    *dataapitest.Statement
		wantErr string
	}{
		{
			name:    "Redshift rejects the query",
			args:    []string{"run", "-env", "staging", "-q", "ingestion_lag"},
			data:    &dataapitest.Statement{Statuses: []types.StatusString{types.StatusStringFailed}, Error: `ERROR: relation "chatstream.chat_events" does not exist`},
			wantErr: `statement ingestion_lag (id st-1) FAILED: ERROR: relation "chatstream.chat_events" does not exist`,
		},
		{
			name:    "never finishes before the deadline",
			args:    []string{"run", "-env", "staging", "-q", "active_users", "-timeout", "1ns"},
			data:    &dataapitest.Statement{Statuses: []types.StatusString{types.StatusStringStarted}},
			wantErr: "statement active_users (id st-1) still STARTED, cancelled: context deadline exceeded; raise -timeout",
		},
		{
			name:    "stack not deployed",
			args:    []string{"run", "-env", "production", "-q", "active_users"},
			data:    &dataapitest.Statement{},
			wantErr: "describe stack chatstream-production: api error ValidationError: Stack with id chatstream-production does not exist\nnext: deploy the stack (make deploy ENV=production)",
		},
		{
			name:    "unknown query",
			args:    []string{"run", "-env", "staging", "-q", "drop_all"},
			data:    &dataapitest.Statement{},
			wantErr: `no query named "drop_all"; have active_users, busiest_chats, events_per_minute, ingestion_lag, malformed_records, messages_by_platform, newest_event_age, users_online`,
		},
		{
			name:    "no environment",
			args:    []string{"run", "-q", "active_users"},
			data:    &dataapitest.Statement{},
			wantErr: "-env is required",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), tt.args, &stdout, &stderr, fakes(tt.data), noSleep)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("run(%v) = %v; want an error containing %q", tt.args, err, tt.wantErr)
			}
		})
	}
}

// repoSettings is the CDK app's own cdk.json, which make sql reads.
const repoSettings = "../../cdk.json"

func TestDDLStreamNameFromSettings(t *testing.T) {
	// GIVEN an environment whose stream is not named after it
	settings := filepath.Join(t.TempDir(), "cdk.json")
	data := `{"context":{"chatstream":{"lab":{"removalPolicy":"destroy","stream":{"name":"clicks-lab"}}}}}`
	if err := os.WriteFile(settings, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	// WHEN make sql renders its DDL
	var stdout, stderr bytes.Buffer
	args := []string{"ddl", "-env", "lab", "-settings", settings}
	if err := run(t.Context(), args, &stdout, &stderr, noClients(t), noSleep); err != nil {
		t.Fatalf("run(%v) = %v; stderr: %s", args, err, stderr.String())
	}
	// THEN the external schema maps the configured stream, not chat-events-lab
	if got := stdout.String(); !strings.Contains(got, `"kinesis"."clicks-lab"`) || strings.Contains(got, "chat-events-lab") {
		t.Errorf("run(%v) printed DDL without the configured stream clicks-lab:\n%s", args, got)
	}
}

func TestPrintDDL(t *testing.T) {
	// The command prints, in order, every statement the deploy and the
	// loader run, as the sql package renders them, under a header: the
	// statements' own text is the sql package's golden files' concern.
	staging := func(mode chatsql.Mode) chatsql.Params {
		p := chatsql.DefaultParams("chat-events-staging")
		p.Mode = mode
		return p
	}
	deployAndLoad := func(t *testing.T, p chatsql.Params) []chatsql.Statement {
		t.Helper()
		apply, err := chatsql.Apply(p)
		if err != nil {
			t.Fatal(err)
		}
		switchMode, err := chatsql.SetAutoRefresh(p)
		if err != nil {
			t.Fatal(err)
		}
		load, err := chatsql.Load(p, exampleLoad)
		if err != nil {
			t.Fatal(err)
		}
		legacy, err := chatsql.ApplyFromViews(p)
		if err != nil {
			t.Fatal(err)
		}
		var saved []chatsql.Statement
		for _, s := range legacy {
			if s.Name == "drop_legacy_events_view" || s.Name == "save_legacy_stream_rows" {
				saved = append(saved, s)
			}
		}
		return slices.Concat(apply, saved, switchMode, load.All())
	}
	tests := []struct {
		name       string
		args       []string
		newClients func(t *testing.T) func(context.Context) (clients, error)
		want       func(t *testing.T) []chatsql.Statement
		header     string
	}{
		{
			name:       "from the settings, in the environment's mode: staging's is scheduled, whose load refreshes",
			args:       []string{"ddl", "-env", "staging", "-settings", repoSettings},
			newClients: noClients,
			want: func(t *testing.T) []chatsql.Statement {
				return deployAndLoad(t, staging(chatsql.Scheduled))
			},
			header: "-- chatstream warehouse SQL for staging: stream chat-events-staging, Redshift, scheduled mode\n",
		},
		{
			name:       "another mode than the environment's",
			args:       []string{"ddl", "-env", "staging", "-settings", repoSettings, "-mode", "realtime"},
			newClients: noClients,
			want: func(t *testing.T) []chatsql.Statement {
				return deployAndLoad(t, staging(chatsql.Realtime))
			},
			header: "-- chatstream warehouse SQL for staging: stream chat-events-staging, Redshift, realtime mode\n",
		},
		{
			name:       "from the deployed stack",
			args:       []string{"ddl", "-env", "staging", "-from-stack"},
			newClients: func(*testing.T) func(context.Context) (clients, error) { return fakes(&dataapitest.Statement{}) },
			want: func(t *testing.T) []chatsql.Statement {
				p := staging(chatsql.Realtime)
				p.StreamName = stagingStack["chatstream-staging"]["StreamName"]
				return deployAndLoad(t, p)
			},
			header: "-- chatstream warehouse SQL for staging: stream chat-events-staging, Redshift, realtime mode\n" +
				"-- stream and mode from stack chatstream-staging\n",
		},
		{
			name:       "teardown",
			args:       []string{"ddl", "-env", "staging", "-settings", repoSettings, "-teardown"},
			newClients: noClients,
			want: func(t *testing.T) []chatsql.Statement {
				stmts, err := chatsql.Teardown(staging(chatsql.Scheduled))
				if err != nil {
					t.Fatal(err)
				}
				return stmts
			},
			header: "-- chatstream warehouse SQL for staging: stream chat-events-staging, Redshift, scheduled mode\n",
		},
		{
			name:       "the local warehouse",
			args:       []string{"ddl", "-engine", "postgres"},
			newClients: noClients,
			want: func(t *testing.T) []chatsql.Statement {
				apply, err := chatsql.Apply(chatsql.LocalParams())
				if err != nil {
					t.Fatal(err)
				}
				load, err := chatsql.Load(chatsql.LocalParams(), exampleLoad)
				if err != nil {
					t.Fatal(err)
				}
				return slices.Concat(apply, load.All())
			},
			header: "-- chatstream warehouse SQL for local warehouse: PostgreSQL, scheduled mode\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if err := run(t.Context(), tt.args, &stdout, &stderr, tt.newClients(t), noSleep); err != nil {
				t.Fatalf("run(%v) = %v; stderr: %s", tt.args, err, stderr.String())
			}
			got := stdout.String()
			if !strings.HasPrefix(got, tt.header+"\n-- ==== ") {
				t.Errorf("run(%v) printed a header other than\n%s\n%s", tt.args, tt.header, got[:min(len(got), 400)])
			}
			// Every statement, in order, and nothing else between them
			// but the section lines.
			var body strings.Builder
			for _, line := range strings.Split(strings.TrimPrefix(got, tt.header), "\n") {
				if !strings.HasPrefix(line, "-- ==== ") {
					body.WriteString(line + "\n")
				}
			}
			stmts, err := chatsql.ParseScript(body.String())
			if err != nil {
				t.Fatalf("printed SQL does not parse: %v", err)
			}
			if diff := cmp.Diff(tt.want(t), stmts); diff != "" {
				t.Errorf("run(%v) printed statements (-want +got):\n%s", tt.args, diff)
			}
		})
	}
}

func TestCommandLineErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "no command", args: nil, wantErr: "see usage above"},
		{name: "unknown command", args: []string{"drop"}, wantErr: `unknown command "drop"`},
		{name: "ddl without env", args: []string{"ddl"}, wantErr: "-env is required"},
		{name: "bad env", args: []string{"ddl", "-env", "Staging"}, wantErr: `environment "Staging"`},
		{name: "bad env for a query", args: []string{"run", "-env", "Staging", "-q", "active_users"}, wantErr: `environment "Staging"`},
		{name: "environment not in the settings", args: []string{"ddl", "-env", "no-such-env", "-settings", repoSettings}, wantErr: `"no-such-env"`},
		{name: "missing settings file", args: []string{"ddl", "-env", "staging", "-settings", "no-such.json"}, wantErr: "no-such.json"},
		{name: "role ARN is no longer an input", args: []string{"ddl", "-env", "staging", "-role-arn", "arn:aws:iam::123456789012:role/r"}, wantErr: "flag provided but not defined: -role-arn"},
		{name: "load without env", args: []string{"load"}, wantErr: "-env is required"},
		{name: "unknown mode", args: []string{"ddl", "-env", "staging", "-settings", repoSettings, "-mode", "hourly"}, wantErr: `mode "hourly": want realtime or scheduled`},
		{name: "unknown engine", args: []string{"ddl", "-engine", "duckdb"}, wantErr: `engine "duckdb": want redshift or postgres`},
		{name: "unknown flag", args: []string{"run", "-env", "staging", "-query", "x"}, wantErr: "flag provided but not defined: -query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), tt.args, &stdout, &stderr, noClients(t), noSleep)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("run(%v) = %v; want an error containing %q", tt.args, err, tt.wantErr)
			}
		})
	}
}

func TestList(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"list"}, &stdout, &stderr, noClients(t), noSleep); err != nil {
		t.Fatal(err)
	}
	if got, want := stdout.String(), "active_users\nbusiest_chats\nevents_per_minute\ningestion_lag\nmalformed_records\nmessages_by_platform\nnewest_event_age\nusers_online\n"; got != want {
		t.Errorf("list printed %q, want %q", got, want)
	}
}

// loaderFake answers Invoke with payload, flagged as a function error when
// functionError is set, and records the function invoked.
type loaderFake struct {
	payload, functionError string
	invoked                []string
}

func (f *loaderFake) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.invoked = append(f.invoked, aws.ToString(in.FunctionName)+" "+string(in.Payload))
	out := &lambda.InvokeOutput{Payload: []byte(f.payload)}
	if f.functionError != "" {
		out.FunctionError = aws.String(f.functionError)
	}
	return out, nil
}

func TestLoadRunsTheScheduledLoadNow(t *testing.T) {
	tests := []struct {
		name    string
		fake    *loaderFake
		want    string
		wantErr string
	}{
		{
			name: "a load",
			fake: &loaderFake{payload: `{"load_id":"load-20261127T101500Z-0a1b2c3d","mode":"realtime","refreshed":false,"streamed":1010,"landed":0,` +
				`"moved":1010,"inserted":1000,"duplicates":10,"rejected":0,"duration_ms":3120}`},
			want: "load load-20261127T101500Z-0a1b2c3d (realtime mode): moved 1010 rows (1010 from the view, 0 left in the landing table), " +
				"inserted 1000 events, skipped 10 duplicates, rejected 0, in 3120 ms\n",
		},
		{
			name: "a load that stopped",
			fake: &loaderFake{functionError: "Unhandled", payload: `{"errorType":"Error","errorMessage":"load load-x stopped at move: statement FAILED"}`},
			wantErr: "load load-x stopped at move: statement FAILED\nnext: the error says where the load stopped; nothing is lost, " +
				"and the next load (the schedule's, or make load again) completes it",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN the deployed staging stack and its loader
			newClients := func(context.Context) (clients, error) { return clients{stacks: stagingStack, lambda: tt.fake}, nil }
			var stdout, stderr bytes.Buffer
			// WHEN a person runs make load ENV=staging
			err := run(t.Context(), []string{"load", "-env", "staging"}, &stdout, &stderr, newClients, noSleep)
			// THEN the stack's loader ran once with what its schedule sends, and its answer prints
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("run = %v, want an error containing %q", err, tt.wantErr)
				}
			} else if err != nil || stdout.String() != tt.want {
				t.Fatalf("run = %v, printed %q; want %q", err, stdout.String(), tt.want)
			}
			if diff := cmp.Diff([]string{"chatstream-staging-LoaderFunction-AbC123 {}"}, tt.fake.invoked); diff != "" {
				t.Errorf("invocations (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHelp: -h printed the usage, then `query: unknown command "-h"`, and
// exited 1.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"-help"}, {"--help"}, {"help"}, {"run", "-h"}, {"ddl", "-help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), args, &stdout, &stderr, noClients(t), noSleep)
			code := exitCode(err, &stderr)
			if code != 0 {
				t.Errorf("exit code %d, want 0 (err %v)", code, err)
			}
			if strings.Contains(stderr.String(), "query:") {
				t.Errorf("stderr %q reports an error, want only the usage", stderr.String())
			}
			if help := stdout.String() + stderr.String(); !strings.Contains(help, "-env") {
				t.Errorf("printed %q, want the usage", help)
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	var stderr bytes.Buffer
	if code := exitCode(errors.New("boom"), &stderr); code != 1 || stderr.String() != "query: boom\n" {
		t.Errorf("exitCode(boom) = %d, printed %q; want 1 and %q", code, stderr.String(), "query: boom\n")
	}
	stderr.Reset()
	if code := exitCode(nil, &stderr); code != 0 || stderr.Len() != 0 {
		t.Errorf("exitCode(nil) = %d, printed %q; want 0 and nothing", code, stderr.String())
	}
}

// TestNoAWSConfiguration: without a Region or credentials, make query
// printed the SDK's provider chain ("no EC2 IMDS role found …") and advised
// deploying the stack.
func TestNoAWSConfiguration(t *testing.T) {
	tests := []struct {
		name     string
		config   string
		want     string
		wantNext string
	}{
		{name: "no Region", want: "query: no AWS Region", wantNext: "next: export AWS_REGION="},
		{name: "no credentials", config: "[default]\nregion = eu-west-1\n", want: "query: no AWS credentials", wantNext: "next: sign in and name the profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			awsconfigtest.Isolate(t, tt.config, "")
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), []string{"run", "-env", "staging", "-q", "active_users"}, &stdout, &stderr, awsClients, noSleep)
			if code := exitCode(err, &stderr); code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			got := stderr.String()
			for _, want := range []string{tt.want, tt.wantNext} {
				if !strings.Contains(got, want) {
					t.Errorf("stderr %q lacks %q", got, want)
				}
			}
			for _, wrong := range []string{"IMDS", "deploy"} {
				if strings.Contains(got, wrong) {
					t.Errorf("stderr %q mentions %q", got, wrong)
				}
			}
		})
	}
}
