package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/chatstream/chatstream/infra/config"
)

// ScheduleInput is the event the schedule sends to the producer, which parses exactly these
// fields; Scheduler fills in the <aws.scheduler.*> placeholders at every invocation.
const ScheduleInput = `{"source":"chatstream.scheduler","schedule_arn":"<aws.scheduler.schedule-arn>","scheduled_time":"<aws.scheduler.scheduled-time>","execution_id":"<aws.scheduler.execution-id>","attempt":"<aws.scheduler.attempt-number>"}`

// ScheduleProps configures NewProducerSchedule.
type ScheduleProps struct {
	// Settings sets the rate, the state and the retry policy.
	Settings config.Schedule
	// Target is the function the schedule invokes.
	Target awslambda.IFunction
	// Retain keeps the dead-letter queue when the stack is deleted.
	Retain bool
}

// ProducerSchedule is the EventBridge Scheduler schedule that invokes the producer.
type ProducerSchedule struct {
	constructs.Construct
	// Schedule is the schedule; its Ref is the schedule name.
	Schedule awsscheduler.CfnSchedule
	// DeadLetterQueue receives invocations Scheduler could not deliver after its retries.
	DeadLetterQueue awssqs.Queue
	// Role is the role Scheduler assumes to invoke the target and to use the dead-letter queue.
	Role awsiam.Role
}

// NewProducerSchedule defines a schedule that invokes the target asynchronously with
// ScheduleInput, retries failed deliveries and sends what still fails to an encrypted queue.
func NewProducerSchedule(scope constructs.Construct, id string, props *ScheduleProps) *ProducerSchedule {
	c := constructs.NewConstruct(scope, jsii.String(id))
	s := props.Settings

	dlq := newDeadLetterQueue(c, "DeadLetterQueue", props.Retain,
		"It is the dead-letter queue of the producer schedule, the end of the line.")
	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		// The source-account condition stops other accounts' schedules from using this role.
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()}},
		}),
		Description: jsii.String("chatstream schedule: invokes the producer and dead-letters what fails"),
	})
	invoke := props.Target.GrantInvoke(role)
	deadLetter := dlq.GrantSendMessages(role)
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("grantInvoke covers the producer's versions and aliases (function ARN + ':*'); it names no other function."),
		AppliesTo: &[]any{jsii.String(fmt.Sprintf("Resource::<%s.Arn>:*",
			*awscdk.Stack_Of(c).GetLogicalId(props.Target.Node().DefaultChild().(awscdk.CfnElement))))},
	}}, jsii.Bool(true))

	state := "DISABLED"
	if s.Enabled {
		state = "ENABLED"
	}
	schedule := awsscheduler.NewCfnSchedule(c, jsii.String("Schedule"), &awsscheduler.CfnScheduleProps{
		Description:        jsii.String("Invokes the chatstream producer"),
		ScheduleExpression: jsii.String(s.Expression),
		State:              jsii.String(state),
		FlexibleTimeWindow: &awsscheduler.CfnSchedule_FlexibleTimeWindowProperty{Mode: jsii.String("OFF")},
		Target: &awsscheduler.CfnSchedule_TargetProperty{
			Arn:     props.Target.FunctionArn(),
			RoleArn: role.RoleArn(),
			Input:   jsii.String(ScheduleInput),
			RetryPolicy: &awsscheduler.CfnSchedule_RetryPolicyProperty{
				MaximumRetryAttempts:     jsii.Number(s.MaxRetryAttempts),
				MaximumEventAgeInSeconds: jsii.Number(s.MaxEventAgeSeconds),
			},
			DeadLetterConfig: &awsscheduler.CfnSchedule_DeadLetterConfigProperty{Arn: dlq.QueueArn()},
		},
	})
	// The first invocation must find the role's policy in place, not just the role.
	invoke.ApplyBefore(schedule)
	deadLetter.ApplyBefore(schedule)
	return &ProducerSchedule{Construct: c, Schedule: schedule, DeadLetterQueue: dlq, Role: role}
}
