package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/regioninfo"
	"github.com/google/go-cmp/cmp"

	"github.com/chatstream/chatstream/infra/config"
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

// lintRegions are the Regions an environment's template is linted for: the Region it names; for
// cdk.json's environments that name none, every Region they may deploy to; for the test variants
// that name none, cfn-lint's default, us-east-1.
func lintRegions(s *synthesis) []string {
	switch _, variant := testVariants()[s.env.Name]; {
	case s.env.Region != "":
		return []string{s.env.Region}
	case variant:
		return []string{"us-east-1"}
	}
	return config.UsableRegions()
}

// cfnLintFinding is one finding of cfn-lint --format json.
type cfnLintFinding struct {
	Level    string
	Message  string
	Rule     struct{ Id string }
	Location struct {
		Path []any
	}
}

// runCfnLint lints template for regions and returns the findings, failing the test when cfn-lint
// cannot run; exit is cfn-lint's exit status.
func runCfnLint(t *testing.T, linter, template string, regions []string) (findings []cfnLintFinding, exit int) {
	t.Helper()
	args := append([]string{"--format", "json", "--regions"}, regions...)
	out, err := exec.CommandContext(t.Context(), linter, append(args, "--", template)...).Output()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		exit = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("run cfn-lint: %v", err)
	}
	if err := json.Unmarshal(out, &findings); err != nil {
		t.Fatalf("parse cfn-lint output %q: %v", out, err)
	}
	return findings, exit
}

func TestCfnLint(t *testing.T) {
	linter, err := findCfnLint()
	if err != nil {
		t.Fatal(err)
	}
	allEnvs(t, func(t *testing.T, s *synthesis) {
		t.Parallel()
		// GIVEN the synthesized template, written to a directory of its own
		path := filepath.Join(t.TempDir(), s.env.StackName()+".template.json")
		if err := os.WriteFile(path, []byte(s.raw), 0o644); err != nil {
			t.Fatal(err)
		}
		// WHEN cfn-lint checks it against the CloudFormation resource specification of every
		// Region the environment may deploy to
		findings, exit := runCfnLint(t, linter, path, lintRegions(s))
		// THEN it reports no error, and no warning beyond the accepted ones
		for _, f := range findings {
			if f.Level == "Error" || (f.Level == "Warning" && !cfnLintAccepted(s)[f.Rule.Id]) {
				t.Errorf("cfn-lint %s %s at %v: %s", f.Level, f.Rule.Id, f.Location.Path, f.Message)
			}
		}
		// AND the exit status agrees that there was no error (bit 2)
		if exit&2 != 0 {
			t.Errorf("cfn-lint exited %d, reporting errors", exit)
		}
	})
}

func TestRegionsAreTheCDKs(t *testing.T) {
	// GIVEN the Regions of the pinned aws-cdk-lib's region facts
	var cdk []string
	must(t, "list the CDK's Regions", func() {
		for _, r := range *regioninfo.RegionInfo_Regions() {
			cdk = append(cdk, *r.Name())
		}
	})
	slices.Sort(cdk)
	// THEN the settings know exactly those
	if diff := cmp.Diff(cdk, config.Regions()); diff != "" {
		t.Errorf("config.Regions() differs from the CDK's (-cdk +config); update infra/config/regions.go:\n%s", diff)
	}
}

func TestRegionsWithoutServerlessAreCfnLints(t *testing.T) {
	linter, err := findCfnLint()
	if err != nil {
		t.Fatal(err)
	}
	// GIVEN a template of nothing but a namespace and a workgroup
	template := filepath.Join(t.TempDir(), "serverless.json")
	body := `{"Resources": {
		"Namespace": {"Type": "AWS::RedshiftServerless::Namespace", "Properties": {"NamespaceName": "names"}},
		"Workgroup": {"Type": "AWS::RedshiftServerless::Workgroup", "Properties": {"WorkgroupName": "group"}}}}`
	if err := os.WriteFile(template, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	// WHEN cfn-lint checks it in every Region the settings know and the linter does
	unknown := config.RegionsUnknownToLinter()
	var known []string
	for _, r := range config.Regions() {
		if !slices.Contains(unknown, r) {
			known = append(known, r)
		}
	}
	findings, _ := runCfnLint(t, linter, template, known)
	// THEN the Regions where it says the types do not exist are exactly those the settings refuse
	missing := regexp.MustCompile(`^Resource type 'AWS::RedshiftServerless::(Namespace|Workgroup)' does not exist in '([a-z0-9-]+)'$`)
	var without []string
	for _, f := range findings {
		m := missing.FindStringSubmatch(f.Message)
		if f.Rule.Id != "E3006" || m == nil {
			t.Errorf("unexpected cfn-lint %s %s: %s", f.Level, f.Rule.Id, f.Message)
			continue
		}
		without = append(without, m[2])
	}
	without = slices.Compact(slices.Sorted(slices.Values(without)))
	if diff := cmp.Diff(config.RegionsWithoutServerless(), without); diff != "" {
		t.Errorf("Regions without Redshift Serverless (-config +cfn-lint); update infra/config/regions.go:\n%s", diff)
	}
	// AND the Regions the settings say the linter does not know, it refuses
	for _, r := range unknown {
		out, err := exec.CommandContext(t.Context(), linter, "--regions", r, "--", template).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "unsupported") {
			t.Errorf("cfn-lint --regions %s = %v, %s; want it to refuse the Region as unsupported", r, err, out)
		}
	}
}
