package main

import (
	"strconv"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesis"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/chatstream/chatstream/infra/config"
)

// ProducerProps configures NewProducer.
type ProducerProps struct {
	// Settings sizes the function and sets the environment the producer reads.
	Settings config.Producer
	// Stream is the stream the producer writes to; the function gets a write grant on it.
	Stream awskinesis.IStream
	// Code is the function's bootstrap binary, usually from GoBundler.Code.
	Code awslambda.Code
	// LogRetentionDays is the retention of the function's log group.
	LogRetentionDays int
	// Retain keeps the log group and the failure queue when the stack is deleted.
	Retain bool
	// Window is the span of the simulated world each scheduled invocation covers: the schedule's
	// period, passed as WINDOW_SECONDS.
	Window time.Duration
}

// Producer is the producer Lambda function with its log group and the queue that receives
// asynchronous invocations that failed after Lambda's retries.
type Producer struct {
	constructs.Construct
	// Function is the producer Lambda function.
	Function awslambda.Function
	// LogGroup receives the function's logs and its embedded metrics.
	LogGroup awslogs.LogGroup
	// FailureQueue receives the records of asynchronous invocations that failed for good.
	FailureQueue awssqs.Queue
}

// NewProducer defines the producer function: arm64 on provided.al2023, its own log group, and
// write access to the stream only through the stream's grant. It reserves concurrency only when
// the settings ask: Lambda refuses a reservation that leaves the account fewer than 100
// unreserved executions, and new accounts start with a quota of 10 or 50 ("Lambda function
// scaling", Lambda Developer Guide), so a default reservation fails the first deploy there.
// Asynchronous invocations (the schedule's ticks) older than the settings' maximum event age
// go to the failure queue instead of running late: Lambda otherwise keeps them for six hours.
func NewProducer(scope constructs.Construct, id string, props *ProducerProps) *Producer {
	c := constructs.NewConstruct(scope, jsii.String(id))
	s := props.Settings

	logGroup := awslogs.NewLogGroup(c, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		Retention:     retentionDays(props.LogRetentionDays),
		RemovalPolicy: removalPolicy(props.Retain),
	})
	failures := newDeadLetterQueue(c, "FailureQueue", props.Retain,
		"It is the on-failure destination of the producer's asynchronous invocations, the end of the line.")

	role := newLambdaRole(c, "Role", "chatstream producer: writes its own logs and to the chat events stream", logGroup)

	tracing := awslambda.Tracing_DISABLED
	if s.Tracing {
		tracing = awslambda.Tracing_ACTIVE
	}
	var reserved *float64
	if s.ReservedConcurrency > 0 {
		reserved = jsii.Number(s.ReservedConcurrency)
	}
	fn := awslambda.NewFunction(c, jsii.String("Function"), &awslambda.FunctionProps{
		Description:                  jsii.String("chatstream producer: writes random chat events to Kinesis"),
		Runtime:                      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:                 awslambda.Architecture_ARM_64(),
		Handler:                      jsii.String("bootstrap"),
		Code:                         props.Code,
		MemorySize:                   jsii.Number(s.MemoryMiB),
		Timeout:                      awscdk.Duration_Seconds(jsii.Number(s.TimeoutSeconds)),
		ReservedConcurrentExecutions: reserved,
		Role:                         role,
		LogGroup:                     logGroup,
		LoggingFormat:                awslambda.LoggingFormat_JSON,
		Tracing:                      tracing,
		RetryAttempts:                jsii.Number(s.AsyncRetryAttempts),
		MaxEventAge:                  awscdk.Duration_Seconds(jsii.Number(s.MaxEventAgeSeconds)),
		OnFailure:                    awslambdadestinations.NewSqsDestination(failures),
		Environment: &map[string]*string{
			"STREAM_NAME":           props.Stream.StreamName(),
			"EVENTS_PER_INVOCATION": jsii.String(strconv.Itoa(s.EventsPerInvocation)),
			"RATE":                  jsii.String(strconv.Itoa(s.Rate)),
			"USERS":                 jsii.String(strconv.Itoa(s.Users)),
			"WINDOW_SECONDS":        jsii.String(strconv.FormatFloat(props.Window.Seconds(), 'f', -1, 64)),
			"RHYTHM":                jsii.String(s.Rhythm),
			"DIRTY_RATIO":           jsii.String(strconv.FormatFloat(s.DirtyRatio, 'f', -1, 64)),
		},
	})
	props.Stream.GrantWrite(fn)

	if s.Tracing {
		cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
			Id:        jsii.String("AwsSolutions-IAM5"),
			Reason:    jsii.String("X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions, so active tracing needs them on *."),
			AppliesTo: &[]any{jsii.String("Resource::*")},
		}}, jsii.Bool(true))
	}
	return &Producer{Construct: c, Function: fn, LogGroup: logGroup, FailureQueue: failures}
}

// newDeadLetterQueue defines an encrypted, TLS-only queue that holds failed events for 14 days.
// why tells cdk-nag why the queue has no dead-letter queue of its own.
func newDeadLetterQueue(scope constructs.Construct, id string, retain bool, why string) awssqs.Queue {
	q := awssqs.NewQueue(scope, jsii.String(id), &awssqs.QueueProps{
		// SQS-managed encryption, because Scheduler cannot send to a queue under the AWS-managed
		// SQS KMS key, and a customer key would cost more than this pipeline's queues.
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		RemovalPolicy:   removalPolicy(retain),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(q, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-SQS3"),
		Reason: jsii.String(why),
	}}, jsii.Bool(false))
	return q
}
