package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/chatstream/chatstream/infra/config"
	chatsql "github.com/chatstream/chatstream/sql"
)

// LoaderPackage is the main package of the loader Lambda, relative to the module root.
const LoaderPackage = "./lambda/loader"

// LoaderInput is the event the loader's schedule sends: the loader takes no parameters, so a
// scheduled load and `make load` run the same load.
const LoaderInput = `{}`

// Sizing of the loader function. It waits on the Data API and holds a few counts, so the
// smallest memory does. It cancels its statements 10 s before its deadline; the timeout leaves a
// load of the mode's size room: a realtime load moves a minute of records, a scheduled one
// refreshes the view first and moves an interval's.
const (
	loaderMemoryMiB        = 128
	realtimeLoaderTimeout  = 120 // seconds
	scheduledLoaderTimeout = 300 // seconds
)

// LoaderProps configures NewLoader.
type LoaderProps struct {
	// Settings are the mode and the schedule.
	Settings config.Load
	// Warehouse is where the loads run, as the admin user, who owns the streaming view.
	Warehouse *Warehouse
	// Code is the loader's bootstrap binary, usually from GoBundler.Code.
	Code awslambda.Code
	// LogRetentionDays is the retention of the function's log group.
	LogRetentionDays int
	// Retain keeps the log group and the dead-letter queue when the stack is deleted.
	Retain bool
}

// Loader is the loader Lambda function and the schedule that runs it.
type Loader struct {
	constructs.Construct
	// Function runs one load per invocation.
	Function awslambda.Function
	// Role is the function's role.
	Role awsiam.Role
	// LogGroup receives the function's logs: one summary line per load.
	LogGroup awslogs.LogGroup
	// Schedule invokes the function every interval.
	Schedule *InvokeSchedule
}

// loaderTimeout is the loader function's timeout in the mode.
func loaderTimeout(mode chatsql.Mode) int {
	if mode.Refreshes() {
		return scheduledLoaderTimeout
	}
	return realtimeLoaderTimeout
}

// NewLoader defines the loader: an arm64 function on provided.al2023 that may run statements on
// this workgroup with the admin secret, follow and cancel only its own statements, and write its
// own logs; and the schedule that invokes it with LoaderInput every interval. A failed load is
// not retried by Lambda (the next tick completes it, and two at once are safe but waste a
// minute of compute); an invocation Scheduler cannot deliver goes to the dead-letter queue.
func NewLoader(scope constructs.Construct, id string, props *LoaderProps) *Loader {
	c := constructs.NewConstruct(scope, jsii.String(id))
	s, w := props.Settings, props.Warehouse

	logGroup := awslogs.NewLogGroup(c, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		Retention:     retentionDays(props.LogRetentionDays),
		RemovalPolicy: removalPolicy(props.Retain),
	})
	role := newLambdaRole(c, "Role", "chatstream loader: runs loads on the workgroup as the admin user and writes its own logs", logGroup)
	// ExecuteStatement and BatchExecuteStatement are authorized on the workgroup. With a SecretArn
	// the Data API signs in as the secret's user, so no redshift-serverless:GetCredentials.
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement"),
		Resources: &[]*string{w.Workgroup.AttrWorkgroupWorkgroupArn()},
	}))
	allowOwnStatements(role)
	// Only GetSecretValue, which the Data API calls with the caller's credentials; the secret
	// Redshift manages uses the AWS-managed key, which needs no kms grant.
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("secretsmanager:GetSecretValue"),
		Resources: &[]*string{w.AdminSecretArn},
	}))

	mode := s.Mode
	fn := awslambda.NewFunction(c, jsii.String("Function"), &awslambda.FunctionProps{
		Description:   jsii.String("chatstream loader: moves the streaming view's rows into the events table, " + string(mode) + " mode"),
		Runtime:       awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:  awslambda.Architecture_ARM_64(),
		Handler:       jsii.String("bootstrap"),
		Code:          props.Code,
		MemorySize:    jsii.Number(loaderMemoryMiB),
		Timeout:       awscdk.Duration_Seconds(jsii.Number(loaderTimeout(mode))),
		Role:          role,
		LogGroup:      logGroup,
		LoggingFormat: awslambda.LoggingFormat_JSON,
		RetryAttempts: jsii.Number(0),
		Environment: &map[string]*string{
			"WORKGROUP_NAME":   w.WorkgroupName,
			"DATABASE_NAME":    w.DatabaseName,
			"ADMIN_SECRET_ARN": w.AdminSecretArn,
			"SCHEMA_NAME":      jsii.String(chatsql.DefaultSchema),
			"LOAD_MODE":        jsii.String(string(mode)),
		},
	})
	// The loader's first tick must find the tables the deploy creates.
	schedule := NewInvokeSchedule(c, "Schedule", &ScheduleProps{
		Settings: config.Schedule{
			Enabled: true, Expression: s.ScheduleExpression(),
			MaxRetryAttempts: s.MaxRetryAttempts, MaxEventAgeSeconds: s.MaxEventAgeSeconds,
		},
		Target: fn, What: "loader", Input: LoaderInput, Retain: props.Retain,
	})
	return &Loader{Construct: c, Function: fn, Role: role, LogGroup: logGroup, Schedule: schedule}
}

// allowOwnStatements lets role follow, read and cancel the Data API statements it submitted
// itself, and nothing else of the Data API's history. DescribeStatement, GetStatementResult and
// CancelStatement have no resource type; the condition redshift-data:statement-owner-iam-userid
// equal to ${aws:userid} limits them to statements whose owner is the caller ("Authorizing access
// to the Amazon Redshift Data API": a statement's owner is its submitter's aws:userid, for a role
// session "<role id>:<session name>", so a Lambda function's every invocation matches). It
// accepts, on role's default policy, the Resource "*" that statement needs.
func allowOwnStatements(role awsiam.Role) {
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("redshift-data:DescribeStatement", "redshift-data:GetStatementResult", "redshift-data:CancelStatement"),
		Resources: jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": map[string]any{
			"redshift-data:statement-owner-iam-userid": "${aws:userid}",
		}},
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(defaultPolicy(role), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("redshift-data:DescribeStatement, GetStatementResult and CancelStatement support no resource type; the " +
			"statement is conditioned on redshift-data:statement-owner-iam-userid = ${aws:userid}, so the role sees only its own statements."),
		AppliesTo: &[]any{jsii.String("Resource::*")},
	}}, jsii.Bool(false))
}
