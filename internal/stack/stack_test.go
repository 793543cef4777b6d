package stack

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/google/go-cmp/cmp"
)

// fakeStacks answers DescribeStacks with the outputs of the stacks it holds.
type fakeStacks map[string]map[string]string

func (f fakeStacks) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	outputs, ok := f[aws.ToString(in.StackName)]
	if !ok {
		return nil, errors.New("ValidationError: Stack with id " + aws.ToString(in.StackName) + " does not exist")
	}
	st := types.Stack{StackName: in.StackName}
	for k, v := range outputs {
		st.Outputs = append(st.Outputs, types.Output{OutputKey: aws.String(k), OutputValue: aws.String(v)})
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []types.Stack{st}}, nil
}

func TestOutputs(t *testing.T) {
	stacks := fakeStacks{"chatstream-staging": {WorkgroupName: "wg", DatabaseName: "chatstream", StreamName: "", "Other": "x"}}
	tests := []struct {
		name    string
		stack   string
		keys    []string
		want    map[string]string
		wantErr string
	}{
		{name: "present", stack: "chatstream-staging", keys: []string{WorkgroupName, DatabaseName}, want: map[string]string{WorkgroupName: "wg", DatabaseName: "chatstream", StreamName: "", "Other": "x"}},
		{name: "missing and empty", stack: "chatstream-staging", keys: []string{WorkgroupName, StreamName, AdminSecretArn}, wantErr: "stack chatstream-staging lacks the outputs StreamName, AdminSecretArn; is it deployed from this version?"},
		{name: "no such stack", stack: "chatstream-production", keys: []string{WorkgroupName}, wantErr: "describe stack chatstream-production: ValidationError: Stack with id chatstream-production does not exist"},
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
