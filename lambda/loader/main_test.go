package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chatstream/chatstream/internal/sdkhttp/sdkhttptest"
)

// runAsLoader asks the test binary to be the loader: TestMain then runs
// main instead of the tests.
const runAsLoader = "CHATSTREAM_TEST_RUN_LOADER"

func TestMain(m *testing.M) {
	if os.Getenv(runAsLoader) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// goodEnv is the environment the stack gives the loader (infra/loader.go),
// with the ARN of the admin secret as Redshift names it.
func goodEnv() map[string]string {
	return map[string]string{
		"WORKGROUP_NAME":   "chatstream-staging",
		"DATABASE_NAME":    "chatstream",
		"ADMIN_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:redshift!chatstream-staging-chatstream_admin-AbCdEf",
		"SCHEMA_NAME":      "chatstream",
		"LOAD_MODE":        "scheduled",
		"AWS_REGION":       "us-east-1",
	}
}

// startLoader runs main in a process of its own with exactly env (and JSON
// logs, as the stack configures), and returns its output and exit code.
func startLoader(t *testing.T, env map[string]string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	// HOME keeps this machine's AWS profile out of the SDK's reach.
	cmd.Env = []string{runAsLoader + "=1", "AWS_LAMBDA_LOG_FORMAT=JSON", "HOME=" + t.TempDir(), "AWS_EC2_METADATA_DISABLED=true"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit) && ctx.Err() == nil:
		return string(out), exit.ExitCode()
	}
	t.Fatalf("run the loader: %v; output:\n%s", err, out)
	return "", 0
}

// A bad environment stops the loader at start-up, before it asks the
// runtime for an invocation, with one log line naming the variable.
func TestBadEnvironmentStopsStartUp(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(map[string]string)
		wantErr string
	}{
		{name: "no mode", edit: func(env map[string]string) { delete(env, "LOAD_MODE") }, wantErr: `LOAD_MODE: mode ""`},
		{name: "secret by name", edit: func(env map[string]string) { env["ADMIN_SECRET_ARN"] = "chatstream-admin" }, wantErr: `ADMIN_SECRET_ARN="chatstream-admin"`},
		{name: "workgroup ARN", edit: func(env map[string]string) { env["WORKGROUP_NAME"] = "arn:aws:x" }, wantErr: `WORKGROUP_NAME="arn:aws:x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := goodEnv()
			tt.edit(env)
			out, code := startLoader(t, env)
			var line struct {
				Level   string `json:"level"`
				Message string `json:"message"`
				Error   string `json:"error"`
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if code != 1 || len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &line) != nil {
				t.Fatalf("exit code %d, output:\n%s\nwant 1 and exactly one JSON log line", code, out)
			}
			if line.Level != "ERROR" || line.Message != "invalid configuration" || !strings.Contains(line.Error, tt.wantErr) {
				t.Errorf("logged %s, want an ERROR %q whose error contains %q", lines[0], "invalid configuration", tt.wantErr)
			}
		})
	}
}

// The control for the test above: the environment the stack sets passes
// start-up and reaches the Lambda runtime client, which, outside Lambda,
// finds no runtime API to ask for invocations.
func TestStackEnvironmentReachesTheRuntime(t *testing.T) {
	out, code := startLoader(t, goodEnv())
	if code == 0 || strings.Contains(out, "invalid configuration") || !strings.Contains(out, "AWS_LAMBDA_RUNTIME_API") {
		t.Errorf("exit code %d, output:\n%s\nwant a failure to find the runtime API, not a configuration error", code, out)
	}
}

func TestDataAPIClientSendsPlainBodies(t *testing.T) {
	sdkhttptest.CheckDataAPIPlainBodies(t, dataAPIOptions)
}
