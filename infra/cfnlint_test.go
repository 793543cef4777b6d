package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// cfnLintAccepted are the cfn-lint warnings an environment may produce. W3005 flags the DependsOn
// CDK adds from a Lambda function to its role, which a GetAtt already implies. W3010 flags
// hard-coded zones, which is what naming availabilityZones in cdk.json means.
func cfnLintAccepted(s *synthesis) map[string]bool {
	return map[string]bool{"W3005": true, "W3010": len(s.env.Network.AvailabilityZones) > 0}
}

func TestCfnLint(t *testing.T) {
	linter, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Fatalf("cfn-lint is not installed: %v (install it with `pip install cfn-lint==1.51.0`; Debian 12 does not package it)", err)
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
