package smoke

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chatstream/chatstream/internal/awsconfig"
	"github.com/chatstream/chatstream/internal/dataapi"
	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/chatstream/chatstream/lambda/produce"
)

func TestNextStep(t *testing.T) {
	started := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	healthy := func() *diagnosis {
		return &diagnosis{
			asked:   started.Add(6 * time.Minute),
			view:    &viewState{state: 1, autorefresh: true},
			refresh: &refresh{kind: "Auto", status: "Refresh successfully updated MV incrementally", ageSeconds: 3},
			newest:  &newestRow{ageSeconds: 3},
		}
	}
	tests := []struct {
		name    string
		outcome outcome
		problem error
		visible int64
		diag    func(d *diagnosis)
		want    string
	}{
		{name: "pass", outcome: passed, want: ""},
		{name: "stack missing", outcome: noStack, want: "deploy the stack (make deploy ENV=staging)"},
		{name: "no credentials", outcome: noAWS, problem: fmt.Errorf("build clients: %w", &awsconfig.MissingError{What: "AWS credentials", Next: "sign in"}), want: "sign in."},
		{name: "producer timed out", outcome: producerFailed, problem: &localrun.FunctionError{Type: "Sandbox.Timedout", Message: "Task timed out after 50.05 seconds"}, want: "the function crashed or timed out: read the producer's log"},
		{name: "invoke denied", outcome: producerFailed, problem: errors.New("invoke fn: AccessDeniedException"), want: "may call lambda:InvokeFunction on fn"},
		{name: "throttled throughout", outcome: producerFailed, problem: fmt.Errorf("invoke fn: refused 16 times in 2m0s, so the producer never ran: %w", throttle("")),
			want: "Lambda throttled every attempt, so the producer never ran and sent nothing. It runs one invocation at a time (reserved concurrency 1)"},
		{name: "view missing", outcome: statementFailed, diag: func(d *diagnosis) { d.view = nil },
			want: `"chatstream".chat_events_stream does not exist, so the deploy did not apply the ingestion DDL`},
		{name: "view unreadable is not missing", outcome: statementFailed, problem: &dataapi.StatementError{Name: "smoke_progress", Status: "FAILED", Message: "ERROR: permission denied for schema chatstream"},
			diag: func(d *diagnosis) { d.view, d.viewErr = nil, errors.New("permission denied") }, want: "fix what Redshift's message names"},
		{name: "scan errors", outcome: shortfall, diag: func(d *diagnosis) {
			d.scanErrors = []scanError{{code: 101, reason: "Record exceeds 1MB", records: 3}}
		}, want: `Redshift could not ingest 3 records of the stream ("Record exceeds 1MB")`},
		{name: "cannot refresh", outcome: shortfall, diag: func(d *diagnosis) { d.view.state = 104 },
			want: "can no longer refresh (cannot refresh: a column it reads was renamed (state 104)): drop and recreate it"},
		{name: "auto refresh off", outcome: shortfall, diag: func(d *diagnosis) { d.view.autorefresh = false }, want: "auto refresh is off"},
		{name: "refresh failed", outcome: shortfall, diag: func(d *diagnosis) {
			d.refresh.status = "Refresh failed. Not authorized to get credentials of role"
		}, want: `the latest refresh of "chatstream".chat_events_stream failed ("Refresh failed. Not authorized to get credentials of role"). Check that the role arn:aws:iam::123456789012:role/streaming is associated`},
		{name: "never refreshed", outcome: shortfall, diag: func(d *diagnosis) { d.refresh = nil }, want: "has never refreshed. Check that the role"},
		{name: "part arrived", outcome: shortfall, visible: 600, want: "Redshift is ingesting this run, but 400 events did not arrive within 5m0s. Run again with a longer wait (make smoke ENV=staging TIMEOUT=10m0s)"},
		{name: "none of ours, others arrive", outcome: shortfall, want: "Redshift ingested other rows during this run, but none of its events: check that the producer writes to chat-events-staging"},
		{name: "nothing at all, schedule off", outcome: shortfall, diag: func(d *diagnosis) {
			d.newest = &newestRow{ageSeconds: 7200}
			d.schedule = &scheduleState{state: "DISABLED"}
		}, want: "nothing reached Redshift during this run. The schedule is DISABLED, so nothing else writes to the stream. Check that the role"},
		{name: "empty view", outcome: shortfall, diag: func(d *diagnosis) { d.newest = nil }, want: "nothing reached Redshift during this run. Check that the role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &report{
				env: "staging", stack: "chatstream-staging", function: "fn", stream: "chat-events-staging",
				role: "arn:aws:iam::123456789012:role/streaming", streamView: `"chatstream".chat_events_stream`,
				timeout: 5 * time.Minute, started: started, outcome: tt.outcome, problem: tt.problem, visible: tt.visible,
			}
			if tt.outcome == statementFailed || tt.outcome == shortfall {
				r.produced = &produce.Result{Requested: 1000, Generated: 1000, Sent: 1000}
				r.diag = healthy()
				if tt.diag != nil {
					tt.diag(r.diag)
				}
			}
			got := r.next()
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Errorf("next() = %q; want it to contain %q", got, tt.want)
			}
			// Only a refusal to invoke points at the caller's permissions.
			if permission := strings.Contains(got, "lambda:InvokeFunction"); permission != (tt.name == "invoke denied") {
				t.Errorf("next() = %q; mentions lambda:InvokeFunction: %v, want %v", got, permission, !permission)
			}
		})
	}
}
