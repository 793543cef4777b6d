package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	chatsql "github.com/chatstream/chatstream/sql"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./cmd/query -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

var stagingStack = fakeStacks{"chatstream-staging": {
	"WorkgroupName":    "chatstream-staging",
	"DatabaseName":     "dev",
	"AdminSecretArn":   "arn:aws:secretsmanager:eu-west-1:123456789012:secret:admin-AbCdEf",
	"StreamName":       "chat-events-staging",
	"StreamingRoleArn": "arn:aws:iam::123456789012:role/chatstream-staging-streaming-1A2B3C",
}}

// noSleep never waits; it fails once ctx is done, like sleepCtx.
func noSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

func fakes(data *fakeData) func(context.Context) (clients, error) {
	return func(context.Context) (clients, error) {
		return clients{stacks: stagingStack, data: data}, nil
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
	data := &fakeData{
		statuses: []types.StatusString{types.StatusStringSubmitted, types.StatusStringStarted, types.StatusStringFinished},
		columns:  []string{"chat_id", "messages", "senders", "last_message"},
		pages: [][][]types.Field{
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
	err := run(t.Context(), []string{"run", "-env", "staging", "-q", "busiest_chats"}, &stdout, &stderr, fakes(data), noSleep)

	// THEN the query ran on the stack's workgroup with its secret, and the
	// rows of both pages print as one aligned table.
	if err != nil {
		t.Fatalf("run = %v; stderr: %s", err, stderr.String())
	}
	if len(data.executed) != 1 {
		t.Fatalf("ExecuteStatement called %d times, want 1", len(data.executed))
	}
	in := data.executed[0]
	want, err := chatsql.Query("busiest_chats", chatsql.DefaultSchema)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{*in.WorkgroupName, *in.Database, *in.SecretArn, *in.Sql}
	if diff := cmp.Diff([]string{"chatstream-staging", "dev", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:admin-AbCdEf", want.SQL}, got); diff != "" {
		t.Errorf("ExecuteStatement input (-want +got):\n%s", diff)
	}
	if data.describes != 3 || data.reads != 2 {
		t.Errorf("described %d times and read %d pages; want 3 and 2", data.describes, data.reads)
	}
	golden(t, "busiest_chats.golden.txt", stdout.String())
}

func TestRunQueryFailures(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		data    *fakeData
		wantErr string
	}{
		{
			name:    "Redshift rejects the query",
			args:    []string{"run", "-env", "staging", "-q", "ingestion_lag"},
			data:    &fakeData{statuses: []types.StatusString{types.StatusStringFailed}, errText: `ERROR: relation "chatstream.chat_events" does not exist`},
			wantErr: `query ingestion_lag (id q-1) FAILED: ERROR: relation "chatstream.chat_events" does not exist`,
		},
		{
			name:    "never finishes before the deadline",
			args:    []string{"run", "-env", "staging", "-q", "active_users", "-timeout", "1ns"},
			data:    &fakeData{statuses: []types.StatusString{types.StatusStringStarted}},
			wantErr: "query active_users (id q-1) still STARTED at the deadline; raise -timeout",
		},
		{
			name:    "stack not deployed",
			args:    []string{"run", "-env", "production", "-q", "active_users"},
			data:    &fakeData{},
			wantErr: "describe stack chatstream-production: ValidationError: Stack with id chatstream-production does not exist",
		},
		{
			name:    "unknown query",
			args:    []string{"run", "-env", "staging", "-q", "drop_all"},
			data:    &fakeData{},
			wantErr: `no query named "drop_all"; have active_users, busiest_chats, events_per_minute, ingestion_lag`,
		},
		{
			name:    "no environment",
			args:    []string{"run", "-q", "active_users"},
			data:    &fakeData{},
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

func TestPollIntervalsGrowAndCap(t *testing.T) {
	data := &fakeData{statuses: []types.StatusString{types.StatusStringStarted}}
	var waits []time.Duration
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	sleep := func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		if len(waits) == 7 {
			cancel()
		}
		return ctx.Err()
	}
	_, err := runQuery(ctx, data, sleep, target{"wg", "dev", "secret"}, "q", "SELECT 1")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("runQuery = %v; want it to stop when ctx is cancelled", err)
	}
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second}
	if diff := cmp.Diff(want, waits); diff != "" {
		t.Errorf("poll intervals (-want +got):\n%s", diff)
	}
}

func TestStackOutputsMissing(t *testing.T) {
	stacks := fakeStacks{"chatstream-staging": {"WorkgroupName": "wg", "DatabaseName": ""}}
	_, err := stackOutputs(t.Context(), stacks, "chatstream-staging", outWorkgroup, outDatabase, outSecret)
	if err == nil || !strings.Contains(err.Error(), "stack chatstream-staging lacks outputs [DatabaseName AdminSecretArn]") {
		t.Fatalf("stackOutputs = %v; want an error naming the missing outputs", err)
	}
}

func TestPrintDDL(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		newClients func(t *testing.T) func(context.Context) (clients, error)
		golden     string
	}{
		{
			name:       "placeholder role",
			args:       []string{"ddl", "-env", "staging"},
			newClients: noClients,
			golden:     "ddl_staging.golden.sql",
		},
		{
			name:       "from the deployed stack",
			args:       []string{"ddl", "-env", "staging", "-from-stack"},
			newClients: func(*testing.T) func(context.Context) (clients, error) { return fakes(&fakeData{}) },
			golden:     "ddl_staging_from_stack.golden.sql",
		},
		{
			name:       "teardown",
			args:       []string{"ddl", "-env", "staging", "-role-arn", "arn:aws:iam::123456789012:role/r", "-teardown"},
			newClients: noClients,
			golden:     "ddl_staging_teardown.golden.sql",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if err := run(t.Context(), tt.args, &stdout, &stderr, tt.newClients(t), noSleep); err != nil {
				t.Fatalf("run(%v) = %v; stderr: %s", tt.args, err, stderr.String())
			}
			golden(t, tt.golden, stdout.String())
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
		{name: "bad role ARN", args: []string{"ddl", "-env", "staging", "-role-arn", "x'; --"}, wantErr: `role ARN "x'; --" is not an IAM role ARN`},
		{name: "both role sources", args: []string{"ddl", "-env", "staging", "-role-arn", "arn:aws:iam::123456789012:role/r", "-from-stack"}, wantErr: "exclude each other"},
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
	if got, want := stdout.String(), "active_users\nbusiest_chats\nevents_per_minute\ningestion_lag\n"; got != want {
		t.Errorf("list printed %q, want %q", got, want)
	}
}
