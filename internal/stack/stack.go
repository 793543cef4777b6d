package stack

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/chatstream/chatstream/infra/config"
)

// Output keys the CDK app publishes (infra/outputs.go). Tools read these
// instead of names typed by hand.
const (
	// StreamName is the Kinesis stream the producer writes to.
	StreamName = "StreamName"
	// ProducerFunctionName is the producer Lambda function.
	ProducerFunctionName = "ProducerFunctionName"
	// ScheduleName is the EventBridge Scheduler schedule, in the default
	// group, that invokes the producer.
	ScheduleName = "ScheduleName"
	// WorkgroupName is the Redshift Serverless workgroup.
	WorkgroupName = "WorkgroupName"
	// DatabaseName is the database that holds the streaming views.
	DatabaseName = "DatabaseName"
	// AdminSecretArn is the Secrets Manager secret with the admin user's
	// credentials, which the Data API signs in with.
	AdminSecretArn = "AdminSecretArn"
	// StreamingRoleArn is the role Redshift reads the stream with.
	StreamingRoleArn = "StreamingRoleArn"
	// EventsTable is the events table as SQL names it, such as
	// "chatstream".chat_events; stacks deployed before it existed lack it.
	EventsTable = "EventsTable"
	// LoaderFunctionName is the loader Lambda function, which the schedule
	// invokes with {} and `make load` invokes the same way.
	LoaderFunctionName = "LoaderFunctionName"
	// LoadMode is the environment's load mode, realtime or scheduled.
	LoadMode = "LoadMode"
	// LoadIntervalMinutes is how often the loader runs, in minutes.
	LoadIntervalMinutes = "LoadIntervalMinutes"
	// AnalystRoleArn is the role analysts assume to query read-only.
	AnalystRoleArn = "AnalystRoleArn"
)

// Name returns the stack of environment env, chatstream-<env>, or an error
// naming an env that the CDK app would refuse.
func Name(env string) (string, error) {
	if err := config.CheckName(env); err != nil {
		return "", err
	}
	return config.StackName(env), nil
}

// describer is the part of CloudFormation that Outputs reads.
type describer interface {
	DescribeStacks(ctx context.Context, params *cloudformation.DescribeStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// Outputs reads the outputs of the stack called name and returns all of
// them by key. It fails, naming them all, if any output that keys names is
// missing or empty: a stack deployed from an older version of the app lacks
// newer outputs.
func Outputs(ctx context.Context, api describer, name string, keys ...string) (map[string]string, error) {
	out, err := api.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("describe stack %s: %w", name, err)
	}
	if len(out.Stacks) != 1 {
		return nil, fmt.Errorf("describe stack %s: got %d stacks, want 1", name, len(out.Stacks))
	}
	all := make(map[string]string, len(out.Stacks[0].Outputs))
	for _, o := range out.Stacks[0].Outputs {
		all[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	var missing []string
	for _, key := range keys {
		if all[key] == "" {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("stack %s lacks the outputs %s; is it deployed from this version?", name, strings.Join(missing, ", "))
	}
	return all, nil
}
