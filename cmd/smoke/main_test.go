package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/chatstream/chatstream/internal/awsconfig/awsconfigtest"
	"github.com/chatstream/chatstream/internal/smoke"
)

// TestNoAWSConfiguration: without a Region or credentials, make smoke
// printed the SDK's provider chain ("no EC2 IMDS role found …") and its Next
// line advised deploying the stack.
func TestNoAWSConfiguration(t *testing.T) {
	tests := []struct {
		name     string
		config   string
		want     string
		wantNext string
	}{
		{name: "no Region", want: "no AWS Region (looked in AWS_REGION", wantNext: "Next: export AWS_REGION="},
		{name: "no credentials", config: "[default]\nregion = eu-west-1\n", want: "no AWS credentials (looked in AWS_ACCESS_KEY_ID", wantNext: "Next: sign in and name the profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			awsconfigtest.Isolate(t, tt.config, "")
			var stdout, stderr bytes.Buffer
			code := smoke.Main(t.Context(), []string{"-env", "staging"}, &stdout, &stderr, smoke.Deps{NewClients: awsClients})
			if code != smoke.ExitFail {
				t.Errorf("exit code %d, want %d", code, smoke.ExitFail)
			}
			got := stdout.String()
			for _, want := range []string{"FAIL: cannot call AWS, so stack chatstream-staging was not checked.", tt.want, tt.wantNext} {
				if !strings.Contains(got, want) {
					t.Errorf("report lacks %q:\n%s", want, got)
				}
			}
			for _, wrong := range []string{"IMDS", "deploy"} {
				if strings.Contains(got, wrong) {
					t.Errorf("report mentions %q:\n%s", wrong, got)
				}
			}
		})
	}
}
