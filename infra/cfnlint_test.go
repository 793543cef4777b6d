package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cfnLintAccepted are the cfn-lint warnings an environment may produce. W3005 flags the DependsOn
// CDK adds from a Lambda function to its role, which a GetAtt already implies. W3010 flags
// hard-coded zones, which is what naming availabilityZones in cdk.json means.
func cfnLintAccepted(s *synthesis) map[string]bool {
	return map[string]bool{"W3005": true, "W3010": len(s.env.Network.AvailabilityZones) > 0}
}

// findCfnLint returns the cfn-lint to run: the one the CFN_LINT environment variable names (make
// test sets it to what its cfn-lint target found or installed), else the one on PATH. It runs the
// linter once, so that a broken installation is reported here rather than as unparsable output.
func findCfnLint() (string, error) {
	linter, err := exec.LookPath("cfn-lint")
	if env := os.Getenv("CFN_LINT"); env != "" {
		linter, err = env, nil
	}
	if err != nil {
		return "", fmt.Errorf("no CFN_LINT and no cfn-lint on PATH: %w; run `make test`, which finds cfn-lint or installs it", err)
	}
	if out, err := exec.Command(linter, "--version").CombinedOutput(); err != nil {
		return "", fmt.Errorf("cfn-lint %q does not run (%w: %s); run `make test`, which finds cfn-lint or installs it", linter, err, bytes.TrimSpace(out))
	}
	return linter, nil
}

func TestFindCfnLint(t *testing.T) {
	dir := t.TempDir()
	script := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return path
	}
	pinned := script("pinned-cfn-lint", "echo cfn-lint 1.51.0")
	broken := script("broken-cfn-lint", "exit 3")
	onPath := filepath.Join(t.TempDir(), "cfn-lint")
	if err := os.Rename(script("path-cfn-lint", "echo cfn-lint 1.51.0"), onPath); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     string
		path    string
		want    string
		wantErr []string
	}{
		{name: "CFN_LINT wins over PATH", env: pinned, path: filepath.Dir(onPath), want: pinned},
		{name: "PATH without CFN_LINT", path: filepath.Dir(onPath), want: onPath},
		{name: "neither", path: t.TempDir(), wantErr: []string{"no CFN_LINT and no cfn-lint on PATH", "make test"}},
		{name: "CFN_LINT missing", env: filepath.Join(dir, "missing"), path: filepath.Dir(onPath), wantErr: []string{filepath.Join(dir, "missing"), "make test"}},
		{name: "CFN_LINT broken", env: broken, path: filepath.Dir(onPath), wantErr: []string{broken, "does not run", "make test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN CFN_LINT and PATH as the case sets them
			t.Setenv("CFN_LINT", tt.env)
			t.Setenv("PATH", tt.path)
			// WHEN the test looks for cfn-lint
			got, err := findCfnLint()
			// THEN it takes CFN_LINT first, then PATH, and otherwise says to run make test
			if tt.wantErr == nil {
				if err != nil || got != tt.want {
					t.Errorf("findCfnLint() = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("findCfnLint() = %q, want an error", got)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("findCfnLint() error = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestCfnLint(t *testing.T) {
	linter, err := findCfnLint()
	if err != nil {
		t.Fatal(err)
	}
	allEnvs(t, func(t *testing.T, s *synthesis) {
		// GIVEN the synthesized template, written to a directory of its own
		path := filepath.Join(t.TempDir(), s.env.StackName()+".template.json")
		if err := os.WriteFile(path, []byte(s.raw), 0o644); err != nil {
			t.Fatal(err)
		}
		// WHEN cfn-lint checks it against the CloudFormation resource specification
		out, err := exec.Command(linter, "--format", "json", path).Output()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatalf("run cfn-lint: %v", err)
		}
		var findings []struct {
			Level    string
			Message  string
			Rule     struct{ Id string }
			Location struct {
				Path []any
			}
		}
		if err := json.Unmarshal(out, &findings); err != nil {
			t.Fatalf("parse cfn-lint output %q: %v", out, err)
		}
		// THEN it reports no error, and no warning beyond the accepted ones
		for _, f := range findings {
			if f.Level == "Error" || (f.Level == "Warning" && !cfnLintAccepted(s)[f.Rule.Id]) {
				t.Errorf("cfn-lint %s %s at %v: %s", f.Level, f.Rule.Id, f.Location.Path, f.Message)
			}
		}
		// AND the exit status agrees that there was no error (bit 2)
		if exit != nil && exit.ExitCode()&2 != 0 {
			t.Errorf("cfn-lint exited %d, reporting errors", exit.ExitCode())
		}
	})
}
