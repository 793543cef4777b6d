package stacktest

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// Stacks is a fake CloudFormation that holds deployed stacks: the outputs
// of each, by key, under the stack's name.
type Stacks map[string]map[string]string

// DescribeStacks returns the stack named in in.StackName with its outputs,
// or the error CloudFormation returns for a stack that does not exist.
func (f Stacks) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	outputs, ok := f[aws.ToString(in.StackName)]
	if !ok {
		return nil, fmt.Errorf("api error ValidationError: Stack with id %s does not exist", aws.ToString(in.StackName))
	}
	st := types.Stack{StackName: in.StackName}
	for _, k := range slices.Sorted(maps.Keys(outputs)) {
		st.Outputs = append(st.Outputs, types.Output{OutputKey: aws.String(k), OutputValue: aws.String(outputs[k])})
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []types.Stack{st}}, nil
}
