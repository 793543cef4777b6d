package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesis"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/chatstream/chatstream/infra/config"
)

// ProducerPackage is the main package of the producer Lambda, relative to the module root.
const ProducerPackage = "./lambda/producer"

// ChatstreamStackProps configures NewChatstreamStack.
type ChatstreamStackProps struct {
	// Env is the validated environment the stack deploys.
	Env config.Environment
	// ModuleRoot is the directory holding go.mod, from which the Lambda binaries are built.
	ModuleRoot string
}

// ChatstreamStack is one environment of the pipeline. Its fields let later constructs, such as
// the streaming-ingestion DDL, build on the stream and the warehouse.
type ChatstreamStack struct {
	awscdk.Stack
	// Env is the environment the stack deploys.
	Env config.Environment
	// Stream is the chat events stream.
	Stream awskinesis.Stream
	// Producer is the producer function.
	Producer *Producer
	// Schedule invokes the producer.
	Schedule *InvokeSchedule
	// Network holds the workgroup's subnets and security groups.
	Network *Network
	// Warehouse is Redshift Serverless.
	Warehouse *Warehouse
	// Ingestion applies the streaming-ingestion DDL in the warehouse during the deploy.
	Ingestion *Ingestion
	// Loader moves the streaming view's rows into the events table on its schedule.
	Loader *Loader
	// UsageLimit caps the workgroup's RPU-hours per period.
	UsageLimit customresources.AwsCustomResource
	// Analyst is the role analysts assume to query read-only.
	Analyst *Analyst
	// Operations is the dashboard, the alarms and the topic they notify.
	Operations *Operations
}

// AddStack adds to app the stack of the environment its context selects (context "env", default
// staging), after validating that environment's settings from the "chatstream" context.
func AddStack(app awscdk.App, moduleRoot string) (*ChatstreamStack, error) {
	name := app.Node().TryGetContext(jsii.String(config.EnvContextKey))
	envName, ok := name.(string)
	if name != nil && !ok {
		return nil, fmt.Errorf("%s = %v: want an environment name", config.EnvContextKey, name)
	}
	env, err := config.FromContext(app.Node().TryGetContext(jsii.String(config.ContextKey)), envName)
	if err != nil {
		return nil, err
	}
	return NewChatstreamStack(app, &ChatstreamStackProps{Env: env, ModuleRoot: moduleRoot})
}

// NewChatstreamStack defines the stack chatstream-<env>: stream, scheduled producer, Redshift
// Serverless with the streaming-ingestion DDL, the scheduled loader, an RPU-hour usage limit,
// the analysts' role, dashboard, alarms with their topic, and outputs, checked by the cdk-nag
// AwsSolutions rules.
func NewChatstreamStack(scope constructs.Construct, props *ChatstreamStackProps) (*ChatstreamStack, error) {
	env := props.Env
	stackProps := &awscdk.StackProps{
		Description: jsii.String(fmt.Sprintf("chatstream %s: scheduled Go producer -> Kinesis -> Redshift Serverless streaming ingestion", env.Name)),
		// Deleting an environment that retains data should take a deliberate step.
		TerminationProtection: jsii.Bool(env.Retain()),
		Tags:                  &map[string]*string{"project": jsii.String("chatstream"), "environment": jsii.String(env.Name)},
	}
	if env.Region != "" {
		// Only the Region: an account would make the stack look up its zones, which needs AWS at synthesis.
		stackProps.Env = &awscdk.Environment{Region: jsii.String(env.Region)}
	}
	stack := awscdk.NewStack(scope, jsii.String(env.StackName()), stackProps)
	s := &ChatstreamStack{Stack: stack, Env: env}

	code, err := (&GoBundler{Root: props.ModuleRoot, Package: ProducerPackage}).Code()
	if err != nil {
		return nil, fmt.Errorf("producer code: %w", err)
	}
	s.Stream = NewStream(stack, "Stream", &StreamProps{Settings: env.Stream, Retain: env.Retain()})
	window, err := env.Schedule.Period()
	if err != nil {
		return nil, fmt.Errorf("schedule: %w", err)
	}
	s.Producer = NewProducer(stack, "Producer", &ProducerProps{
		Settings: env.Producer, Stream: s.Stream, Code: code, LogRetentionDays: env.LogRetentionDays, Retain: env.Retain(),
		Window: window,
	})
	s.Schedule = NewInvokeSchedule(stack, "ProducerSchedule", &ScheduleProps{
		Settings: env.Schedule, Target: s.Producer.Function, What: "producer", Input: ScheduleInput, Retain: env.Retain(),
	})
	s.Network = NewNetwork(stack, "Network", &NetworkProps{
		Settings: env.Network, Stream: s.Stream, LogRetentionDays: env.LogRetentionDays, Retain: env.Retain(),
	})
	s.Warehouse = NewWarehouse(stack, "Warehouse", &WarehouseProps{
		Settings: env.Warehouse, Network: s.Network, Stream: s.Stream,
		LogRetentionDays: env.LogRetentionDays, Retain: env.Retain(),
	})
	runner, err := (&GoBundler{Root: props.ModuleRoot, Package: SQLRunnerPackage}).Code()
	if err != nil {
		return nil, fmt.Errorf("sqlrunner code: %w", err)
	}
	s.Ingestion, err = NewIngestion(stack, "Ingestion", &IngestionProps{
		Warehouse: s.Warehouse, StreamName: env.Stream.Name, Mode: env.Load.Mode, Code: runner,
		LogRetentionDays: env.LogRetentionDays, Retain: env.Retain(),
	})
	if err != nil {
		return nil, err
	}
	loader, err := (&GoBundler{Root: props.ModuleRoot, Package: LoaderPackage}).Code()
	if err != nil {
		return nil, fmt.Errorf("loader code: %w", err)
	}
	s.Loader = NewLoader(stack, "Loader", &LoaderProps{
		Settings: env.Load, Warehouse: s.Warehouse, Code: loader,
		LogRetentionDays: env.LogRetentionDays, Retain: env.Retain(),
	})
	// The first tick must find the tables the DDL creates, with AUTO REFRESH set for the mode.
	s.Loader.Schedule.Schedule.Node().AddDependency(s.Ingestion.Resource)
	s.UsageLimit = NewUsageLimit(stack, &UsageLimitProps{Settings: env.Warehouse.UsageLimit, Warehouse: s.Warehouse})
	s.Analyst = NewAnalyst(stack, "Analyst", &AnalystProps{Warehouse: s.Warehouse})
	s.Operations = NewOperations(stack, "Operations", &OperationsProps{
		DashboardName: env.StackName(),
		Alarms:        env.Alarms,
		Producer:      s.Producer.Function,
		Loader:        s.Loader.Function,
		LoadInterval:  env.Load.Interval(),
		Stream:        s.Stream,
		DeadLetterQueues: map[string]awssqs.IQueue{
			"ScheduleDeadLetter":       s.Schedule.DeadLetterQueue,
			"ProducerFailure":          s.Producer.FailureQueue,
			"LoaderScheduleDeadLetter": s.Loader.Schedule.DeadLetterQueue,
		},
		WorkgroupName: env.Warehouse.WorkgroupName,
		Retain:        env.Retain(),
	})
	s.addOutputs()

	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return s, nil
}
