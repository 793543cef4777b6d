package localrun

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPrepareSAM(t *testing.T) {
	// GIVEN a synthesized template with a producer and another function
	path := filepath.Join("testdata", "sam", "template.json")
	template, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"STREAM_NAME": "chatstream-local", "AWS_ENDPOINT_URL_KINESIS": "http://127.0.0.1:4568"}

	// WHEN it is prepared for sam local invoke without naming the function
	in, err := PrepareSAM(template, path, "", env)
	if err != nil {
		t.Fatal(err)
	}

	// THEN the producer is found, declares every variable, and its asset path is absolute
	if in.Function != "ProducerFunctionA1B2C3D4" {
		t.Errorf("Function = %q, want the one with STREAM_NAME", in.Function)
	}
	var doc map[string]any
	if err := json.Unmarshal(in.Template, &doc); err != nil {
		t.Fatal(err)
	}
	vars, _ := lookup(doc, "Resources", "ProducerFunctionA1B2C3D4", "Properties", "Environment", "Variables")
	wantVars := map[string]any{
		"STREAM_NAME":              map[string]any{"Ref": "Stream790BDEE4"},
		"EVENTS_PER_INVOCATION":    "1000",
		"AWS_ENDPOINT_URL_KINESIS": "",
	}
	if diff := cmp.Diff(wantVars, vars); diff != "" {
		t.Errorf("producer variables (-want +got):\n%s", diff)
	}
	wantAsset, _ := filepath.Abs(filepath.Join("testdata", "sam", "asset.0123abcd"))
	if got, _ := lookup(doc, "Resources", "ProducerFunctionA1B2C3D4", "Metadata", "aws:asset:path"); got != wantAsset {
		t.Errorf("asset path = %v, want %s", got, wantAsset)
	}
	// AND the other function is left exactly as it was
	var orig map[string]any
	if err := json.Unmarshal(template, &orig); err != nil {
		t.Fatal(err)
	}
	before, _ := lookup(orig, "Resources", "SqlRunnerFunctionE5F6A7B8", "Properties")
	after, _ := lookup(doc, "Resources", "SqlRunnerFunctionE5F6A7B8", "Properties")
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("other function changed (-before +after):\n%s", diff)
	}
	// AND the env-vars file sets the variables for the producer only
	var envVars map[string]map[string]string
	if err := json.Unmarshal(in.EnvVars, &envVars); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]map[string]string{"ProducerFunctionA1B2C3D4": env}, envVars); diff != "" {
		t.Errorf("env vars (-want +got):\n%s", diff)
	}
}

func TestPrepareSAMErrors(t *testing.T) {
	producer := func(id string) string {
		return `"` + id + `": {"Type": "AWS::Lambda::Function", "Properties": {"Environment": {"Variables": {"STREAM_NAME": "s"}}}}`
	}
	tests := []struct {
		name     string
		template string
		function string
		wantErr  string
	}{
		{name: "not JSON", template: `Resources:`, wantErr: "read template t.json"},
		{name: "no producer", template: `{"Resources": {}}`, wantErr: "no Lambda function with STREAM_NAME"},
		{name: "two producers", template: `{"Resources": {` + producer("B") + `, ` + producer("A") + `}}`, wantErr: "several Lambda functions have STREAM_NAME (A, B)"},
		{name: "named function missing", template: `{"Resources": {` + producer("A") + `}}`, function: "Nope", wantErr: `no AWS::Lambda::Function with logical id "Nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PrepareSAM([]byte(tt.template), "t.json", tt.function, nil)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("PrepareSAM error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestCheckSAM(t *testing.T) {
	found := func(string) (string, error) { return "/usr/bin/x", nil }
	missing := func(want string) func(string) (string, error) {
		return func(name string) (string, error) {
			if name == want {
				return "", errors.New("not found")
			}
			return "/usr/bin/" + name, nil
		}
	}
	ok := func(context.Context, string, ...string) error { return nil }
	down := func(context.Context, string, ...string) error {
		return errors.New("exit status 1")
	}
	tests := []struct {
		name     string
		lookPath func(string) (string, error)
		run      func(context.Context, string, ...string) error
		wantErr  string
	}{
		{name: "all there", lookPath: found, run: ok},
		{name: "no sam", lookPath: missing("sam"), run: ok, wantErr: "needs the AWS SAM CLI (sam) on the PATH"},
		{name: "no docker", lookPath: missing("docker"), run: ok, wantErr: "docker is not on the PATH"},
		{name: "docker engine down", lookPath: found, run: down, wantErr: "needs a running Docker engine, and docker info failed (exit status 1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckSAM(context.Background(), tt.lookPath, tt.run)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("CheckSAM = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("CheckSAM = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
