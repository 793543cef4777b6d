package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
)

// stackAPI is the part of CloudFormation the command reads.
type stackAPI interface {
	DescribeStacks(ctx context.Context, params *cloudformation.DescribeStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// Stack output keys the command uses.
const (
	outWorkgroup = "WorkgroupName"
	outDatabase  = "DatabaseName"
	outSecret    = "AdminSecretArn"
	outStream    = "StreamName"
	outRole      = "StreamingRoleArn"
)

// stackName is the deployed stack of environment env.
func stackName(env string) string {
	return "chatstream-" + env
}

// stackOutputs reads the outputs of stack and returns those named in want,
// failing with the names of any that are missing.
func stackOutputs(ctx context.Context, api stackAPI, stack string, want ...string) (map[string]string, error) {
	out, err := api.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
	if err != nil {
		return nil, fmt.Errorf("describe stack %s: %w", stack, err)
	}
	if len(out.Stacks) != 1 {
		return nil, fmt.Errorf("describe stack %s: got %d stacks, want 1", stack, len(out.Stacks))
	}
	all := map[string]string{}
	for _, o := range out.Stacks[0].Outputs {
		all[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	got := map[string]string{}
	var missing []string
	for _, key := range want {
		v, ok := all[key]
		if !ok || v == "" {
			missing = append(missing, key)
			continue
		}
		got[key] = v
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("stack %s lacks outputs %v; is it deployed from this version?", stack, missing)
	}
	return got, nil
}
