package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
	"github.com/chatstream/chatstream/internal/awsconfig/awsconfigtest"
)

// repoSettings is the CDK app's own cdk.json.
const repoSettings = "../../cdk.json"

// fixture is the template the update checks are tested with.
const fixture = "../../internal/updatecheck/testdata/base.template.json"

// template writes the fixture, with edit applied to its workgroup's
// properties, to a file of its own.
func template(t *testing.T, edit func(workgroup map[string]any)) string {
	t.Helper()
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var tmpl map[string]any
	if err := json.Unmarshal(data, &tmpl); err != nil {
		t.Fatal(err)
	}
	edit(tmpl["Resources"].(map[string]any)["WarehouseWorkgroup507BB996"].(map[string]any)["Properties"].(map[string]any))
	path := filepath.Join(t.TempDir(), "template.json")
	data, _ = json.Marshal(tmpl)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func unchanged(map[string]any) {}

// fakeCFN answers GetTemplate with body, or with err.
type fakeCFN struct {
	body   string
	err    error
	region string
	asked  *cloudformation.GetTemplateInput
}

func (f *fakeCFN) GetTemplate(_ context.Context, in *cloudformation.GetTemplateInput, _ ...func(*cloudformation.Options)) (*cloudformation.GetTemplateOutput, error) {
	f.asked = in
	if f.err != nil {
		return nil, f.err
	}
	return &cloudformation.GetTemplateOutput{TemplateBody: aws.String(f.body)}, nil
}

// testEnv runs commands with cfn as CloudFormation and stdin as the
// person's answers.
func testEnv(cfn *fakeCFN, stdin string, terminal bool) (env, *bytes.Buffer) {
	var out bytes.Buffer
	return env{
		stdin: strings.NewReader(stdin), stdout: &out, stderr: &out,
		isTerminal: func() bool { return terminal },
		newCFN: func(_ context.Context, region string) (templateAPI, error) {
			if cfn == nil {
				return nil, errors.New("no CloudFormation in this test")
			}
			cfn.region = region
			return cfn, nil
		},
	}, &out
}

func TestCheckUpdateAgainstABaseFile(t *testing.T) {
	base := template(t, unchanged)
	tests := []struct {
		name    string
		next    func(map[string]any)
		flags   []string
		wantErr error
		want    []string
	}{
		{name: "same template", next: unchanged, want: []string{"against " + base, "OK: CloudFormation can apply this update."}},
		{name: "one setting", next: func(w map[string]any) { w["MaxCapacity"] = 32.0 }, want: []string{"OK"}},
		{
			name: "two settings", next: func(w map[string]any) { w["MaxCapacity"] = 32.0; w["BaseCapacity"] = 16.0 }, wantErr: errRefused,
			want: []string{"REFUSED [one setting per update] WarehouseWorkgroup507BB996: 2 settings of the workgroup change in one deploy",
				"1. raise MaxCapacity from 16 to 32 (warehouse.maxCapacity), deploy; 2. raise BaseCapacity from 8 to 16"},
		},
		{
			name: "rename", next: func(w map[string]any) { w["WorkgroupName"] = "chatstream-staging-2" }, wantErr: errRefused,
			want: []string{`REFUSED [create-only name] WarehouseWorkgroup507BB996: the workgroup name changes from "chatstream-staging" to "chatstream-staging-2"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN a base template and the next one, as files
			e, out := testEnv(nil, "", false)
			args := append([]string{"check-update", "-env", "staging", "-settings", repoSettings, "-template", template(t, tt.next), "-base", base}, tt.flags...)
			// WHEN check-update compares them
			err := run(t.Context(), args, e)
			// THEN it passes or refuses, and says why
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("run = %v, want %v\n%s", err, tt.wantErr, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestCheckUpdateAllowsARebuildOnlyWhenAsked(t *testing.T) {
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	next := filepath.Join(t.TempDir(), "next.json")
	rebuilt := strings.Replace(string(data), `"StreamSqlHash": "5f2a`, `"StreamSqlHash": "6f2a`, 1)
	if rebuilt == string(data) {
		t.Fatal("the fixture has no StreamSqlHash to change")
	}
	if err := os.WriteFile(next, []byte(rebuilt), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"check-update", "-env", "staging", "-settings", repoSettings, "-template", next, "-base", fixture}
	e, out := testEnv(nil, "", false)
	if err := run(t.Context(), args, e); !errors.Is(err, errRefused) || !strings.Contains(out.String(), "Deploy with ALLOW_REBUILD=1 to accept that") {
		t.Errorf("without -allow-rebuild: %v\n%s", err, out)
	}
	e, out = testEnv(nil, "", false)
	if err := run(t.Context(), append(args, "-allow-rebuild"), e); err != nil || !strings.Contains(out.String(), "ALLOWED [streaming view rebuild]") ||
		!strings.Contains(out.String(), "up to 24 hours of records for the next load to move and skip as duplicates") {
		t.Errorf("with -allow-rebuild: %v\n%s", err, out)
	}
}

func TestCheckUpdateAgainstTheDeployedStack(t *testing.T) {
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cfn     *fakeCFN
		next    func(map[string]any)
		wantErr string
		want    string
	}{
		{name: "deployed, unchanged", cfn: &fakeCFN{body: string(data)}, next: unchanged, want: "against the deployed stack's template"},
		{name: "deployed, two settings", cfn: &fakeCFN{body: string(data)}, next: func(w map[string]any) { w["Port"] = 5440.0; w["PubliclyAccessible"] = true },
			wantErr: errRefused.Error(), want: "REFUSED [one setting per update]"},
		{name: "first deploy", cfn: &fakeCFN{err: &smithy.GenericAPIError{Code: "ValidationError", Message: "Stack with id chatstream-staging does not exist"}},
			next: unchanged, want: "no such stack deployed yet"},
		{name: "no permission", cfn: &fakeCFN{err: &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform cloudformation:GetTemplate"}},
			next: unchanged, wantErr: "read the deployed template of chatstream-staging: api error AccessDenied"},
		{name: "a YAML template", cfn: &fakeCFN{body: "Resources:\n  A:\n    Type: AWS::SQS::Queue\n"}, next: unchanged,
			wantErr: "the deployed template of chatstream-staging: parse template as JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN CloudFormation as the case has it
			e, out := testEnv(tt.cfn, "", false)
			// WHEN check-update runs without a base
			err := run(t.Context(), []string{"check-update", "-env", "staging", "-settings", repoSettings, "-template", template(t, tt.next)}, e)
			// THEN it read the stack's template as submitted, and passes, refuses or fails as the case says
			if got := tt.cfn.asked; got == nil || aws.ToString(got.StackName) != "chatstream-staging" || got.TemplateStage != cfntypes.TemplateStageOriginal {
				t.Errorf("GetTemplate input = %+v, want chatstream-staging, Original", got)
			}
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("run = %v, want an error containing %q\n%s", err, tt.wantErr, out)
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, out)
			}
		})
	}
	// The stack of an environment that names its Region is looked for there.
	cfn := &fakeCFN{body: string(data)}
	e, _ := testEnv(cfn, "", false)
	_ = run(t.Context(), []string{"check-update", "-env", "production", "-settings", repoSettings, "-template", template(t, unchanged)}, e)
	if cfn.region != "eu-west-1" {
		t.Errorf("production's stack was looked for in %q, want eu-west-1", cfn.region)
	}
}

// stagingEstimate is what infra/cost's golden file says staging costs.
func stagingEstimate(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../infra/cost/testdata/staging.golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

func TestCost(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		stdin    string
		terminal bool
		wantErr  string
		want     []string
	}{
		// The estimate itself is infra/cost's, pinned by its golden file.
		{name: "YES=1", args: []string{"-yes"}, want: []string{stagingEstimate(t), "YES=1: going on without asking."}},
		{name: "confirmed", stdin: "y\n", terminal: true, want: []string{"Deploy chatstream-staging? [y/N] "}},
		{name: "confirmed in full", stdin: "Yes\n", terminal: true},
		{name: "declined", stdin: "n\n", terminal: true, wantErr: "not confirmed; nothing was deployed"},
		{name: "no answer", stdin: "", terminal: true, wantErr: "not confirmed"},
		{name: "no terminal to ask at", wantErr: "stdin is not a terminal; run with YES=1 to deploy without asking"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, out := testEnv(nil, tt.stdin, tt.terminal)
			err := run(t.Context(), append([]string{"cost", "-env", "staging", "-settings", repoSettings}, tt.args...), e)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("run = %v, want an error containing %q\n%s", err, tt.wantErr, out)
			}
			for _, w := range append(tt.want, "total") {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestCommandLine(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantUsage bool
		wantErr   string
	}{
		{name: "nothing", args: nil, wantUsage: true},
		{name: "unknown command", args: []string{"deploy"}, wantUsage: true, wantErr: `unknown command "deploy"`},
		{name: "no env", args: []string{"cost"}, wantUsage: true, wantErr: "-env is required"},
		{name: "no template", args: []string{"check-update", "-env", "staging"}, wantUsage: true, wantErr: "-env and -template are required"},
		{name: "unknown flag", args: []string{"cost", "-env", "staging", "-force"}, wantUsage: true, wantErr: "-force"},
		{name: "stray argument", args: []string{"cost", "-env", "staging", "now"}, wantUsage: true, wantErr: `unexpected argument "now"`},
		{name: "unknown environment", args: []string{"cost", "-env", "qa", "-settings", repoSettings, "-yes"}, wantErr: `env = "qa": no such environment`},
		{name: "help", args: []string{"-h"}},
		{name: "a command's help", args: []string{"cost", "-h"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, out := testEnv(nil, "", false)
			err := run(t.Context(), tt.args, e)
			if got := errors.Is(err, errUsage); got != tt.wantUsage {
				t.Errorf("run(%q) = %v; usage error %v, want %v", tt.args, err, got, tt.wantUsage)
			}
			if tt.wantErr == "" && err != nil && !tt.wantUsage || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("run(%q) = %v, want an error containing %q\n%s", tt.args, err, tt.wantErr, out)
			}
		})
	}
}

// TestNoAWSConfiguration: without a Region or credentials, check-update
// says what is missing, how to provide it, and that a template file does
// instead, rather than the SDK's provider chain ("no EC2 IMDS role found").
func TestNoAWSConfiguration(t *testing.T) {
	tests := []struct {
		name     string
		config   string
		want     string
		wantNext string
	}{
		{name: "no Region", want: "no AWS Region (looked in AWS_REGION", wantNext: "next: export AWS_REGION="},
		{name: "no credentials", config: "[default]\nregion = eu-west-1\n", want: "no AWS credentials (looked in AWS_ACCESS_KEY_ID", wantNext: "next: sign in and name the profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			awsconfigtest.Isolate(t, tt.config, "")
			_, err := awsCFN(t.Context(), "")
			if err == nil {
				t.Fatal("awsCFN: no error")
			}
			for _, want := range []string{tt.want, tt.wantNext, "pass BASE=<template.json>"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "IMDS") {
				t.Errorf("error %q names the SDK's last provider, IMDS", err)
			}
		})
	}
}
