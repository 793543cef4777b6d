package main

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/chatstream/chatstream/lambda/ddl"
	chatsql "github.com/chatstream/chatstream/sql"
)

// SQLRunnerPackage is the main package of the streaming-ingestion DDL Lambda, relative to the module root.
const SQLRunnerPackage = "./lambda/sqlrunner"

// IngestionResourceType is the CloudFormation type of the custom resource that applies the DDL.
const IngestionResourceType = "Custom::IngestionDdl"

// Timing of the Provider framework's waiter. isComplete returns within seconds (it never waits
// for a running statement inside an invocation), so a deploy gives up about ingestionTotalTimeout
// after the DDL started; CloudFormation's own one-hour limit for a custom resource, and the
// framework's two-hour maximum, are further out. The runner gets the total timeout as its
// TimeoutSeconds property and cancels what still runs shortly before it.
const (
	ingestionQueryInterval = 10 // seconds between isComplete calls
	ingestionTotalTimeout  = 30 // minutes before the framework reports "Operation timed out"
)

// Sizing of the sqlrunner functions.
const (
	onEventTimeout    = 120 // seconds: onEvent plans and submits, waiting out throttling
	isCompleteTimeout = 60  // seconds: a few Data API calls, with the SDK's retries
	runnerMemoryMiB   = 128 // the binary holds a plan of a few statements
)

// IngestionProps configures NewIngestion.
type IngestionProps struct {
	// Warehouse is where the DDL runs, and whose readiness it waits for.
	Warehouse *Warehouse
	// StreamName is the configured stream name as a literal, not a token: the SQL hashes that
	// make CloudFormation send an Update are computed from it at synthesis.
	StreamName string
	// Mode sets the streaming view's AUTO REFRESH: YES in realtime mode, NO in scheduled mode. A
	// change is an ordinary update that alters the view in place.
	Mode chatsql.Mode
	// Code is the sqlrunner bootstrap binary, usually from GoBundler.Code; both handlers run it.
	Code awslambda.Code
	// LogRetentionDays is the retention of the handlers' and the framework's log groups.
	LogRetentionDays int
	// Retain keeps the log groups, and the database objects the DDL created, when the stack is deleted.
	Retain bool
}

// Ingestion is the custom resource that applies the streaming-ingestion DDL during the deploy,
// with the two sqlrunner functions and the Provider framework that polls them.
type Ingestion struct {
	constructs.Construct
	// OnEvent validates the request, plans the statements and submits them through the Data API.
	OnEvent awslambda.Function
	// IsComplete follows the submitted statements, and cancels them at the deadline.
	IsComplete awslambda.Function
	// Provider is CDK's custom-resource framework: its functions and waiter state machine.
	Provider customresources.Provider
	// Resource is the custom resource; CloudFormation finishes it only once the DDL has run.
	Resource awscdk.CustomResource
	// EventsTable is the schema-qualified events table the DDL created, ready to paste into SQL:
	// the resource's EventsTable attribute.
	EventsTable *string
}

// NewIngestion defines the custom resource that runs the DDL of package sql through the Redshift
// Data API once the warehouse is ready. onEvent may submit statements on this workgroup with the
// admin secret; isComplete may only describe and cancel the statements onEvent's role submitted.
func NewIngestion(scope constructs.Construct, id string, props *IngestionProps) (*Ingestion, error) {
	w := props.Warehouse
	params := chatsql.DefaultParams(props.StreamName)
	params.Mode = props.Mode
	properties, err := ddl.ResourceProperties(*w.WorkgroupName, *w.DatabaseName, *w.AdminSecretArn,
		params, props.Retain, ingestionTotalTimeout*time.Minute)
	if err != nil {
		return nil, fmt.Errorf("ingestion DDL properties: %w", err)
	}

	c := constructs.NewConstruct(scope, jsii.String(id))
	stackName := *awscdk.Stack_Of(c).StackName()
	onEvent, onEventRole := newRunnerFunction(c, "OnEvent", ddl.OnEventHandler, stackName+"-ddl-on-event", onEventTimeout, props)
	isComplete, _ := newRunnerFunction(c, "IsComplete", ddl.IsCompleteHandler, stackName+"-ddl-is-complete", isCompleteTimeout, props)

	// BatchExecuteStatement is authorized on the workgroup. With a SecretArn the Data API signs in
	// with the secret's user, so no redshift-serverless:GetCredentials (the temporary-credentials
	// path), and the secret Redshift manages uses the AWS-managed key, which needs no kms grant.
	onEvent.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("redshift-data:BatchExecuteStatement"),
		Resources: &[]*string{w.Workgroup.AttrWorkgroupWorkgroupArn()},
	}))
	w.AdminSecret.GrantRead(onEvent, nil)
	// DescribeStatement and CancelStatement have no resource type. The condition limits them to
	// statements onEvent's role submitted: a statement's owner is the caller's aws:userid, which
	// for a role session is "<role id>:<session name>" ("IAM policy elements: variables and tags",
	// aws:userid; the Data API's redshift-data:statement-owner-iam-userid condition key).
	isComplete.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("redshift-data:DescribeStatement", "redshift-data:CancelStatement"),
		Resources: jsii.Strings("*"),
		Conditions: &map[string]any{"StringLike": map[string]any{
			"redshift-data:statement-owner-iam-userid": awscdk.Fn_Join(jsii.String(""), &[]*string{onEventRole.RoleId(), jsii.String(":*")}),
		}},
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(defaultPolicy(isComplete.Role()), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("redshift-data:DescribeStatement and CancelStatement support no resource type; the statement is conditioned on " +
			"redshift-data:statement-owner-iam-userid like <onEvent role id>:*, so the role sees and cancels only the statements onEvent submitted."),
		AppliesTo: &[]any{jsii.String("Resource::*")},
	}}, jsii.Bool(false))

	provider := newIngestionProvider(c, onEvent, isComplete, props)

	resource := awscdk.NewCustomResource(c, jsii.String("Resource"), &awscdk.CustomResourceProps{
		ServiceToken: provider.ServiceToken(),
		ResourceType: jsii.String(IngestionResourceType),
		Properties:   &properties,
	})
	// CREATE EXTERNAL SCHEMA ... IAM_ROLE default fails unless the role, with its policy, is the
	// namespace's default, and the Data API refuses statements until the workgroup exists.
	resource.Node().AddDependency(w.Ready)

	return &Ingestion{
		Construct:   c,
		OnEvent:     onEvent,
		IsComplete:  isComplete,
		Provider:    provider,
		Resource:    resource,
		EventsTable: resource.GetAttString(jsii.String(ddl.EventsTableAttribute)),
	}, nil
}

// newRunnerFunction defines one sqlrunner function and its role: the Handler setting picks
// onEvent or isComplete inside the one binary. The role may only write to the function's own log
// group until the caller grants more.
func newRunnerFunction(scope constructs.Construct, id, handler, name string, timeoutSeconds int, props *IngestionProps) (awslambda.Function, awsiam.Role) {
	// Named, and logging to /aws/lambda/<name>: when a handler fails, the Provider framework ends
	// CloudFormation's status reason with "Logs: /aws/lambda/<function name>", which then exists.
	logGroup := awslogs.NewLogGroup(scope, jsii.String(id+"LogGroup"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/lambda/" + name),
		Retention:     retentionDays(props.LogRetentionDays),
		RemovalPolicy: removalPolicy(props.Retain),
	})
	role := newLambdaRole(scope, id+"Role", fmt.Sprintf("chatstream ingestion DDL %s handler", handler), logGroup)
	fn := awslambda.NewFunction(scope, jsii.String(id), &awslambda.FunctionProps{
		FunctionName:  jsii.String(name),
		Description:   jsii.String(fmt.Sprintf("chatstream streaming-ingestion DDL: custom-resource %s handler", handler)),
		Runtime:       awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:  awslambda.Architecture_ARM_64(),
		Handler:       jsii.String(handler),
		Code:          props.Code,
		MemorySize:    jsii.Number(runnerMemoryMiB),
		Timeout:       awscdk.Duration_Seconds(jsii.Number(timeoutSeconds)),
		Role:          role,
		LogGroup:      logGroup,
		LoggingFormat: awslambda.LoggingFormat_JSON,
	})
	return fn, role
}

// newIngestionProvider defines the Provider framework: an onEvent function that starts a waiter
// state machine, which calls isComplete every ingestionQueryInterval seconds until it answers
// true, fails, or ingestionTotalTimeout passes.
func newIngestionProvider(scope constructs.Construct, onEvent, isComplete awslambda.Function, props *IngestionProps) customresources.Provider {
	logGroup := awslogs.NewLogGroup(scope, jsii.String("ProviderLogGroup"), &awslogs.LogGroupProps{
		Retention:     retentionDays(props.LogRetentionDays),
		RemovalPolicy: removalPolicy(props.Retain),
	})
	// Roles of our own for the framework's functions; the framework adds the invoke and
	// state-machine grants it needs. The framework asks for two roles, or the onEvent role and the
	// state machine depend on each other.
	onEventRole := newLambdaRole(scope, "ProviderOnEventRole", "chatstream ingestion DDL: CDK provider framework onEvent", logGroup)
	completeRole := newLambdaRole(scope, "ProviderIsCompleteRole", "chatstream ingestion DDL: CDK provider framework isComplete and onTimeout", logGroup)
	provider := customresources.NewProvider(scope, jsii.String("Provider"), &customresources.ProviderProps{
		OnEventHandler:                  onEvent,
		IsCompleteHandler:               isComplete,
		QueryInterval:                   awscdk.Duration_Seconds(jsii.Number(ingestionQueryInterval)),
		TotalTimeout:                    awscdk.Duration_Minutes(jsii.Number(ingestionTotalTimeout)),
		LogGroup:                        logGroup,
		FrameworkOnEventRole:            onEventRole,
		FrameworkCompleteAndTimeoutRole: completeRole,
	})

	// Every framework function may invoke both handlers; the waiter invokes isComplete and onTimeout.
	for _, role := range []awsiam.Role{onEventRole, completeRole} {
		suppressInvokeWildcards(defaultPolicy(role), onEvent, isComplete)
	}
	frameworkFn := func(name string) constructs.IConstruct {
		return provider.Node().FindChild(jsii.String("framework-" + name))
	}
	waiter := provider.Node().FindChild(jsii.String("waiter-state-machine"))
	suppressInvokeWildcards(defaultPolicy(waiter.Node().FindChild(jsii.String("Role"))), frameworkFn("isComplete"), frameworkFn("onTimeout"))
	cdknag.NagSuppressions_AddResourceSuppressions(waiter.Node().FindChild(jsii.String("Resource")), &[]*cdknag.NagPackSuppression{
		{
			Id: jsii.String("AwsSolutions-SF1"),
			Reason: jsii.String("The waiter only retries the framework's isComplete task and ends in onTimeout; every call is " +
				"logged by the framework and the sqlrunner functions, and a failure or timeout is CloudFormation's status reason. " +
				"Execution logging would add logs:*Delivery* on * to its role."),
		},
		{
			Id: jsii.String("AwsSolutions-SF2"),
			Reason: jsii.String("CDK's waiter state machine has no tracing option, and one Lambda task retried on an interval " +
				"has no call graph to trace; the sqlrunner logs name every Data API statement id."),
		},
	}, jsii.Bool(false))
	return provider
}

// defaultPolicy returns the policy CDK attaches to a role for grants, where wildcards are reported.
func defaultPolicy(role constructs.IConstruct) constructs.IConstruct {
	return role.Node().FindChild(jsii.String("DefaultPolicy"))
}

// suppressInvokeWildcards accepts, on policy, the "<function ARN>:*" resources that grantInvoke
// adds next to each function's ARN.
func suppressInvokeWildcards(policy constructs.IConstruct, functions ...constructs.IConstruct) {
	stack := awscdk.Stack_Of(policy)
	var appliesTo []any
	for _, fn := range functions {
		id := *stack.GetLogicalId(fn.Node().DefaultChild().(awscdk.CfnElement))
		appliesTo = append(appliesTo, jsii.String(fmt.Sprintf("Resource::<%s.Arn>:*", id)))
	}
	cdknag.NagSuppressions_AddResourceSuppressions(policy, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("grantInvoke allows a function's versions and aliases (<function ARN>:*) next to the function; " +
			"the CDK Provider framework invokes these exact functions, nothing else."),
		AppliesTo: &appliesTo,
	}}, jsii.Bool(false))
}
