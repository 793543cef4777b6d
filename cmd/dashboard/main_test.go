package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/chatstream/chatstream/internal/dashboard"
	"github.com/chatstream/chatstream/internal/dataapi"
	"github.com/chatstream/chatstream/internal/dataapi/dataapitest"
	"github.com/chatstream/chatstream/internal/pgserver/pgservertest"
	"github.com/chatstream/chatstream/internal/stack/stacktest"
	"github.com/google/go-cmp/cmp"
)

// noAWS fails the test when the command builds AWS clients.
func noAWS(t *testing.T) deps {
	return deps{aws: func(context.Context) (awsClients, error) {
		t.Error("the command built AWS clients it does not need")
		return awsClients{}, errors.New("no AWS in this test")
	}}
}

func TestRefusesBadCommandLines(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "no command", args: nil, wantErr: "see usage above"},
		{name: "unknown command", args: []string{"open"}, wantErr: `unknown command "open"`},
		{name: "no source", args: []string{"serve"}, wantErr: "give exactly one of -local, -pg URL and -env ENV, not 0"},
		{name: "two sources", args: []string{"report", "-local", "-env", "staging"}, wantErr: "give exactly one of -local, -pg URL and -env ENV, not 2"},
		{name: "every interface", args: []string{"serve", "-pg", "postgres://127.0.0.1:1/x", "-addr", "0.0.0.0:8080"}, wantErr: `listen on "0.0.0.0:8080": the dashboard listens on 127.0.0.1 only, not on "0.0.0.0"`},
		{name: "a name for this machine", args: []string{"serve", "-pg", "postgres://127.0.0.1:1/x", "-addr", "localhost:8080"}, wantErr: `not on "localhost"`},
		{name: "bad environment", args: []string{"serve", "-env", "Staging"}, wantErr: `environment "Staging"`},
		{name: "stray argument", args: []string{"report", "-local", "now"}, wantErr: `unexpected argument "now"`},
		{name: "no server at the URL", args: []string{"report", "-pg", "postgres://postgres:secret@127.0.0.1:1/chatstream?connect_timeout=2"}, wantErr: "PostgreSQL postgres://postgres:xxxxx@127.0.0.1:1/chatstream?connect_timeout=2: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), tt.args, &stdout, &stderr, noAWS(t))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("run(%q) = %v; want an error containing %q", tt.args, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

func TestLocalWithoutAWarehouseSaysWhatToDo(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"report", "-local"}, &stdout, &stderr, deps{root: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "no local PostgreSQL server is running") || !strings.Contains(err.Error(), "make local TICKS=0") {
		t.Fatalf("run = %v; want it to say that no warehouse runs and how to start one", err)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"serve", "-h"}} {
		var stdout, stderr bytes.Buffer
		if err := run(t.Context(), args, &stdout, &stderr, noAWS(t)); err != nil || !strings.Contains(stderr.String(), "usage") && !strings.Contains(stderr.String(), "-addr") {
			t.Errorf("run(%q) = %v, stderr %q; want the usage and no error", args, err, stderr.String())
		}
	}
}

func TestServeAndReportALocalDatabase(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	// GIVEN a PostgreSQL database without the events table
	s := pgservertest.ForTest(ctx, t)

	t.Run("report", func(t *testing.T) {
		// WHEN a report is written from it
		out := filepath.Join(t.TempDir(), "reports", "now.html")
		var stdout, stderr bytes.Buffer
		if err := run(ctx, []string{"report", "-pg", s.URL, "-o", out}, &stdout, &stderr, noAWS(t)); err != nil {
			t.Fatalf("run = %v; stderr: %s", err, stderr.String())
		}

		// THEN the file holds every panel, each saying why it has no chart,
		// and the command says so
		report, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(report), `data-state="failed"`); n != 8 {
			t.Errorf("the report has %d failed panels, want all 8", n)
		}
		if !strings.Contains(stdout.String(), "dashboard: wrote "+out) || !strings.Contains(stdout.String(), "8 panels: 8 failed (events_per_minute,") {
			t.Errorf("stdout = %q; want the file and the panels' states", stdout.String())
		}
		if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*")); len(left) != 0 {
			t.Errorf("temporary files left behind: %v", left)
		}
	})

	t.Run("serve", func(t *testing.T) {
		// WHEN the dashboard is served from it
		serveCtx, stopServing := context.WithCancel(ctx)
		stdout, w := io.Pipe()
		done := make(chan error, 1)
		go func() {
			done <- run(serveCtx, []string{"serve", "-pg", s.URL}, w, io.Discard, noAWS(t))
			w.Close()
		}()
		stop := sync.OnceValue(func() error {
			stopServing()
			go io.Copy(io.Discard, stdout)
			return <-done
		})
		t.Cleanup(func() { stop() })
		lines := bufio.NewScanner(stdout)
		if !lines.Scan() {
			t.Fatalf("serve printed nothing: %v", stop())
		}
		first := lines.Text()
		url, ok := strings.CutPrefix(first, "dashboard: ")
		if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
			t.Fatalf("serve printed %q; want its URL on 127.0.0.1", first)
		}

		// THEN the page answers on that URL, and Ctrl-C stops it
		res, err := http.Get(url + "api/panels")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %sapi/panels = %d", url, res.StatusCode)
		}
		if err := stop(); err != nil {
			t.Errorf("serve = %v after Ctrl-C, want nil", err)
		}
	})
}

func TestReportOfADeployedEnvironmentSignsInAsTheAnalystRole(t *testing.T) {
	// GIVEN a deployed staging stack whose queries all return one number
	data := &dataapitest.Statement{
		Statuses: []types.StatusString{types.StatusStringFinished},
		Columns:  []string{"active_users"},
		Pages:    [][][]types.Field{{{&types.FieldMemberLongValue{Value: 42}}}},
	}
	const role = "arn:aws:iam::123456789012:role/chatstream-staging-AnalystRole-1A2B3C"
	stacks := stacktest.Stacks{"chatstream-staging": {
		"WorkgroupName":  "chatstream-staging",
		"DatabaseName":   "chatstream",
		"AdminSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:admin-AbCdEf",
		"AnalystRoleArn": role,
	}}
	var assumed []string
	d := deps{aws: func(context.Context) (awsClients, error) {
		return awsClients{stacks: stacks, assume: func(_ context.Context, roleARN string) (dataapi.API, error) {
			assumed = append(assumed, roleARN)
			return data, nil
		}}, nil
	}}

	// WHEN a report of staging is written
	out := filepath.Join(t.TempDir(), "staging.html")
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"report", "-env", "staging", "-o", out}, &stdout, &stderr, d); err != nil {
		t.Fatalf("run = %v; stderr: %s", err, stderr.String())
	}

	// THEN the command signed in as the stack's analyst role, once, and
	// every chart's query went to the stack's workgroup, labelled, with no
	// secret; the panel whose columns match draws
	if diff := cmp.Diff([]string{role}, assumed); diff != "" {
		t.Errorf("roles assumed (-want +got):\n%s", diff)
	}
	if len(data.Executed) != len(dashboard.Charts()) {
		t.Fatalf("%d statements ran, want %d, one per chart", len(data.Executed), len(dashboard.Charts()))
	}
	for _, in := range data.Executed {
		if in.SecretArn != nil || aws.ToString(in.WorkgroupName) != "chatstream-staging" || aws.ToString(in.Database) != "chatstream" ||
			!strings.HasPrefix(aws.ToString(in.StatementName), "chatstream-dashboard:") {
			t.Errorf("statement %s ran with secret %v on %s/%s; want no secret, on chatstream-staging/chatstream", aws.ToString(in.StatementName), in.SecretArn, aws.ToString(in.WorkgroupName), aws.ToString(in.Database))
		}
	}
	if want := "8 panels: 1 ok, 7 failed"; !strings.Contains(stdout.String(), want) ||
		!strings.Contains(stdout.String(), "staging: workgroup chatstream-staging, database chatstream, through the Redshift Data API as the analyst role "+role) {
		t.Errorf("stdout = %q; want %q and the source", stdout.String(), want)
	}
}

func TestDeployedPanelsSayWhatToCheckWhenTheRoleIsRefused(t *testing.T) {
	// GIVEN credentials that may not assume the analyst role: the SDK
	// assumes it at the first query
	const role = "arn:aws:iam::123456789012:role/chatstream-staging-AnalystRole-1A2B3C"
	stacks := stacktest.Stacks{"chatstream-staging": {"WorkgroupName": "w", "DatabaseName": "chatstream", "AnalystRoleArn": role}}
	d := deps{aws: func(context.Context) (awsClients, error) {
		return awsClients{stacks: stacks, assume: func(context.Context, string) (dataapi.API, error) { return refusedRole{}, nil }}, nil
	}}

	// WHEN a report is written
	out := filepath.Join(t.TempDir(), "staging.html")
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"report", "-env", "staging", "-o", out}, &stdout, &stderr, d); err != nil {
		t.Fatalf("run = %v", err)
	}

	// THEN each panel says which role and what the credentials need
	report, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(report), "next: queries run as the analyst role "+role+"; your credentials must be allowed sts:AssumeRole on it"); n != len(dashboard.Charts()) {
		t.Errorf("%d panels name the role and sts:AssumeRole, want all %d", n, len(dashboard.Charts()))
	}
}

// refusedRole is the Data API as a client sees it whose credentials may
// not assume the role it signs in as: every call fails getting them.
type refusedRole struct{ dataapi.API }

func (refusedRole) ExecuteStatement(context.Context, *redshiftdata.ExecuteStatementInput, ...func(*redshiftdata.Options)) (*redshiftdata.ExecuteStatementOutput, error) {
	return nil, errors.New("operation error Redshift Data: ExecuteStatement, get identity: get credentials: failed to refresh cached credentials, " +
		"operation error STS: AssumeRole, https response error StatusCode: 403, api error AccessDenied: not authorized to perform: sts:AssumeRole")
}
