package stack

import (
	"strings"
	"testing"

	"github.com/chatstream/chatstream/internal/stack/stacktest"
	"github.com/google/go-cmp/cmp"
)

func TestOutputs(t *testing.T) {
	stacks := stacktest.Stacks{"chatstream-staging": {WorkgroupName: "wg", DatabaseName: "chatstream", StreamName: "", "Other": "x"}}
	tests := []struct {
		name    string
		stack   string
		keys    []string
		want    map[string]string
		wantErr string
	}{
		{name: "present", stack: "chatstream-staging", keys: []string{WorkgroupName, DatabaseName}, want: map[string]string{WorkgroupName: "wg", DatabaseName: "chatstream", StreamName: "", "Other": "x"}},
		{name: "missing and empty", stack: "chatstream-staging", keys: []string{WorkgroupName, StreamName, AdminSecretArn}, wantErr: "stack chatstream-staging lacks the outputs StreamName, AdminSecretArn; is it deployed from this version?"},
		{name: "no such stack", stack: "chatstream-production", keys: []string{WorkgroupName}, wantErr: "describe stack chatstream-production: api error ValidationError: Stack with id chatstream-production does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Outputs(t.Context(), stacks, tt.stack, tt.keys...)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Outputs = %v, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Outputs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestName(t *testing.T) {
	if got, err := Name("staging"); err != nil || got != "chatstream-staging" {
		t.Errorf(`Name("staging") = %q, %v; want chatstream-staging`, got, err)
	}
	for _, env := range []string{"", "Staging", "prod;x", "a-very-long-environment-name", "1st"} {
		if _, err := Name(env); err == nil || !strings.Contains(err.Error(), `environment "`+env+`"`) {
			t.Errorf("Name(%q) = %v; want an error naming the environment", env, err)
		}
	}
}
