package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsschedulertargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/chatstream/chatstream/infra/config"
)

// ScheduleInput is the event the schedule sends to the producer, which parses exactly these
// fields; Scheduler fills in the <aws.scheduler.*> placeholders at every invocation.
const ScheduleInput = `{"source":"chatstream.scheduler","schedule_arn":"<aws.scheduler.schedule-arn>","scheduled_time":"<aws.scheduler.scheduled-time>","execution_id":"<aws.scheduler.execution-id>","attempt":"<aws.scheduler.attempt-number>"}`

// ScheduleProps configures NewInvokeSchedule.
type ScheduleProps struct {
	// Settings sets the rate, the state and the retry policy.
	Settings config.Schedule
	// Target is the function the schedule invokes.
	Target awslambda.IFunction
	// What names the target in descriptions, such as "producer".
	What string
	// Input is the event every invocation sends, exactly as the target parses it.
	Input string
	// Retain keeps the dead-letter queue when the stack is deleted.
	Retain bool
}

// InvokeSchedule is an EventBridge Scheduler schedule that invokes a function.
type InvokeSchedule struct {
	constructs.Construct
	// Schedule is the schedule.
	Schedule awsscheduler.Schedule
	// DeadLetterQueue receives invocations Scheduler could not deliver after its retries.
	DeadLetterQueue awssqs.Queue
	// Role is the role Scheduler assumes to invoke the target and to use the dead-letter queue.
	Role awsiam.Role
}

// NewInvokeSchedule defines a schedule that invokes the target asynchronously with the props'
// Input, retries failed deliveries and sends what still fails to an encrypted queue, with the
// stable L2 constructs awsscheduler.NewSchedule and awsschedulertargets.NewLambdaInvoke.
func NewInvokeSchedule(scope constructs.Construct, id string, props *ScheduleProps) *InvokeSchedule {
	c := constructs.NewConstruct(scope, jsii.String(id))
	s := props.Settings
	stack := awscdk.Stack_Of(c)

	dlq := newDeadLetterQueue(c, "DeadLetterQueue", props.Retain,
		"It is the dead-letter queue of the "+props.What+" schedule, the end of the line.")
	// A role of our own rather than the target's shared default, with a description; the
	// conditions stop other accounts' schedules, and schedules outside the default group, from
	// using it (confused deputy).
	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{
				"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID(),
				"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
					Service: jsii.String("scheduler"), Resource: jsii.String("schedule-group"), ResourceName: jsii.String("default"),
				}),
			}},
		}),
		Description: jsii.String("chatstream schedule: invokes the " + props.What + " and dead-letters what fails"),
	})
	target := awsschedulertargets.NewLambdaInvoke(props.Target, &awsschedulertargets.ScheduleTargetBaseProps{
		Input:           awsscheduler.ScheduleTargetInput_FromText(jsii.String(props.Input)),
		Role:            role,
		RetryAttempts:   jsii.Number(s.MaxRetryAttempts),
		MaxEventAge:     awscdk.Duration_Seconds(jsii.Number(s.MaxEventAgeSeconds)),
		DeadLetterQueue: dlq,
	})
	schedule := awsscheduler.NewSchedule(c, jsii.String("Schedule"), &awsscheduler.ScheduleProps{
		Description: jsii.String("Invokes the chatstream " + props.What),
		Schedule:    awsscheduler.ScheduleExpression_Expression(jsii.String(s.Expression), nil),
		Target:      target,
		Enabled:     jsii.Bool(s.Enabled),
		TimeWindow:  awsscheduler.TimeWindow_Off(),
	})
	// Binding the target filled the role's policy: the first invocation must find it in place.
	schedule.Node().AddDependency(role.Node().FindChild(jsii.String("DefaultPolicy")))
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("grantInvoke covers the " + props.What + "'s versions and aliases (function ARN + ':*'); it names no other function."),
		AppliesTo: &[]any{jsii.String(fmt.Sprintf("Resource::<%s.Arn>:*",
			*stack.GetLogicalId(props.Target.Node().DefaultChild().(awscdk.CfnElement))))},
	}}, jsii.Bool(true))
	return &InvokeSchedule{Construct: c, Schedule: schedule, DeadLetterQueue: dlq, Role: role}
}
