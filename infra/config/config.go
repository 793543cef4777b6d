package config

import (
	"fmt"
	"slices"
	"time"

	chatsql "github.com/chatstream/chatstream/sql"
)

// ContextKey is the cdk.json context key whose value maps each environment name to its settings.
const ContextKey = "chatstream"

// EnvContextKey is the context key that selects the environment, as in `cdk synth -c env=production`.
const EnvContextKey = "env"

// DefaultEnv is the environment used when the env context key is not set.
const DefaultEnv = "staging"

// Removal policies accepted by Environment.RemovalPolicy.
const (
	// RemovalDestroy deletes the stream, the namespace, the secret and the log groups with the stack.
	RemovalDestroy = "destroy"
	// RemovalRetain keeps the stream, the namespace and the admin secret when the stack is deleted.
	RemovalRetain = "retain"
)

// Log types Redshift Serverless can export to CloudWatch Logs.
const (
	// LogUser records changes to database user definitions.
	LogUser = "userlog"
	// LogConnection records authentication attempts, connections and disconnections.
	LogConnection = "connectionlog"
	// LogUserActivity records each query before it runs.
	LogUserActivity = "useractivitylog"
)

// Environment is the validated settings of one deployment environment.
type Environment struct {
	// Name is the environment's key in the context map, e.g. "staging".
	Name string `json:"-"`
	// Region pins the stack to one AWS Region; empty deploys to the Region of the caller's credentials.
	Region string `json:"region"`
	// RemovalPolicy is RemovalDestroy or RemovalRetain; it decides what survives `cdk destroy`.
	RemovalPolicy string `json:"removalPolicy"`
	// LogRetentionDays is the retention of every log group the stack owns, one of CloudWatch's periods.
	LogRetentionDays int `json:"logRetentionDays"`
	// Stream configures the Kinesis data stream.
	Stream Stream `json:"stream"`
	// Producer configures the producer Lambda function.
	Producer Producer `json:"producer"`
	// Schedule configures the EventBridge Scheduler schedule that invokes the producer.
	Schedule Schedule `json:"schedule"`
	// Warehouse configures the Redshift Serverless namespace and workgroup.
	Warehouse Warehouse `json:"warehouse"`
	// Network places the workgroup in a created VPC or in existing subnets.
	Network Network `json:"network"`
	// Alarms says who hears of the alarms and when the ingestion and cost alarms fire.
	Alarms Alarms `json:"alarms"`
	// Load says how rows get from the stream into the events table: the mode and the loader's
	// schedule.
	Load Load `json:"load"`
}

// Stream configures the on-demand Kinesis data stream.
type Stream struct {
	// Name is the stream name; lower case because Redshift treats stream names case-sensitively.
	Name string `json:"name"`
	// RetentionHours is how long records stay readable, 24 to 8760.
	RetentionHours int `json:"retentionHours"`
}

// Producer configures the producer Lambda function and the environment it passes to the code.
type Producer struct {
	// EventsPerInvocation is passed as EVENTS_PER_INVOCATION: the count of a manual burst.
	EventsPerInvocation int `json:"eventsPerInvocation"`
	// Rate is passed as RATE, in events per second: the simulated world's rate at its peak, and a
	// manual burst's pace; 0 leaves scheduled invocations without a world.
	Rate int `json:"rate"`
	// Users is passed as USERS, the number of distinct simulated users.
	Users int `json:"users"`
	// MemoryMiB is the function memory, 128 to 10240.
	MemoryMiB int `json:"memoryMiB"`
	// TimeoutSeconds is the function timeout. Each scheduled invocation covers the world's window of
	// one schedule period, so the timeout must cover that window and end before the next invocation
	// (produce.CheckTimeout): 59 for a period of one minute.
	TimeoutSeconds int `json:"timeoutSeconds"`
	// AsyncRetryAttempts is how often Lambda retries a failed asynchronous invocation, 0 to 2.
	AsyncRetryAttempts int `json:"asyncRetryAttempts"`
	// Tracing turns on AWS X-Ray active tracing.
	Tracing bool `json:"tracing"`
	// ReservedConcurrency reserves that many concurrent executions for the function; 0 reserves
	// none. Lambda refuses a reservation that leaves the account fewer than 100 unreserved, and
	// new accounts have a quota of 10 or 50, so reserving is opt-in.
	ReservedConcurrency int `json:"reservedConcurrency"`
	// MaxEventAgeSeconds is how long Lambda keeps an asynchronous invocation (a schedule tick)
	// queued and retrying before it goes to the failure queue, 60 to 21600.
	MaxEventAgeSeconds int `json:"maxEventAgeSeconds"`
	// Rhythm is passed as RHYTHM: "off", "on", or the daily and weekly curve such as
	// "peak=20,trough=0.25,weekend=1.2".
	Rhythm string `json:"rhythm"`
	// DirtyRatio is passed as DIRTY_RATIO: the share of records malformed on purpose, 0 to 1.
	DirtyRatio float64 `json:"dirtyRatio"`
}

// Schedule configures the EventBridge Scheduler schedule.
type Schedule struct {
	// Enabled creates the schedule in the ENABLED state; false keeps it DISABLED.
	Enabled bool `json:"enabled"`
	// Expression is a rate expression such as "rate(1 minute)".
	Expression string `json:"expression"`
	// MaxRetryAttempts is how often Scheduler retries a failed invocation, 0 to 185.
	MaxRetryAttempts int `json:"maxRetryAttempts"`
	// MaxEventAgeSeconds is how long Scheduler keeps retrying an event, 60 to 86400.
	MaxEventAgeSeconds int `json:"maxEventAgeSeconds"`
}

// Warehouse configures Redshift Serverless.
type Warehouse struct {
	// NamespaceName names the namespace (3 to 64 lower-case letters, digits, hyphens, as CreateNamespace takes).
	NamespaceName string `json:"namespaceName"`
	// WorkgroupName names the workgroup (3 to 63 lower-case letters, digits, hyphens: CreateWorkgroup
	// takes 64, but the Data API, which runs the DDL and every query, takes a name of at most 63).
	WorkgroupName string `json:"workgroupName"`
	// DatabaseName is the database created in the namespace (1 to 64 lower-case letters, digits,
	// underscores, starting with a letter).
	DatabaseName string `json:"databaseName"`
	// AdminUsername is the admin user; its generated password lives in Secrets Manager.
	AdminUsername string `json:"adminUsername"`
	// BaseCapacity is the base RPU count: 4 (where offered) or 8 to 512 in steps of 8.
	BaseCapacity int `json:"baseCapacity"`
	// MaxCapacity caps the RPUs the workgroup may scale to, which caps the compute bill.
	MaxCapacity int `json:"maxCapacity"`
	// PubliclyAccessible exposes the endpoint to the internet; it needs an existing VPC with public subnets.
	PubliclyAccessible bool `json:"publiclyAccessible"`
	// EnhancedVpcRouting forces Redshift's traffic, including to Kinesis, through the VPC.
	// Security Hub control RedshiftServerless.1 requires it.
	EnhancedVpcRouting bool `json:"enhancedVpcRouting"`
	// Port is the endpoint port: 5431 to 5455 or 8191 to 8215.
	Port int `json:"port"`
	// LogExports lists the audit logs exported to CloudWatch Logs.
	LogExports []string `json:"logExports"`
	// UsageLimit caps the RPU-hours the workgroup may use in a period. MaxCapacity caps RPUs, the
	// size of the warehouse at any moment, not how long it runs: only this limit caps hours.
	UsageLimit UsageLimit `json:"usageLimit"`
}

// Breach actions a usage limit takes when the workgroup reaches it ("CreateUsageLimit", Amazon
// Redshift Serverless API Reference).
const (
	// BreachLog writes an entry to a system table.
	BreachLog = "log"
	// BreachEmitMetric emits a CloudWatch metric.
	BreachEmitMetric = "emit-metric"
	// BreachDeactivate turns user queries off until the period ends: the loads stop too, and the
	// records wait in the stream for its retention.
	BreachDeactivate = "deactivate"
)

// UsageLimit is a Redshift Serverless usage limit of type serverless-compute on the workgroup.
type UsageLimit struct {
	// RpuHours is the amount: RPU-hours the workgroup may use in one Period.
	RpuHours int `json:"rpuHours"`
	// Period is daily, weekly (from Sunday) or monthly. Redshift cannot change the period of a
	// limit, so a new period replaces the limit.
	Period string `json:"period"`
	// BreachAction is BreachLog, BreachEmitMetric or BreachDeactivate.
	BreachAction string `json:"breachAction"`
}

// UsageLimitPeriods returns the periods CreateUsageLimit takes, with their length in hours
// (a month counted as 31 days, its longest).
func UsageLimitPeriods() map[string]int {
	return map[string]int{"daily": 24, "weekly": 7 * 24, "monthly": 31 * 24}
}

// WorkgroupZones is the number of Availability Zones, and of subnets, a Redshift Serverless
// workgroup needs, with or without enhanced VPC routing. The AWS page "Considerations when using
// Amazon Redshift Serverless" says: "You must have at least three subnets, and they must span
// across three Availability Zones" (in us-west-1, three subnets in two zones). Some revisions of
// that page relax it to two zones without enhanced VPC routing; three satisfies every revision.
const WorkgroupZones = 3

// TwoZoneRegion is the Region where the workgroup's three subnets may span two Availability
// Zones, because it offers accounts only two; a created VPC cannot serve it.
const TwoZoneRegion = "us-west-1"

// Network places the workgroup: in a VPC the stack creates, or in an existing VPC's subnets.
type Network struct {
	// VpcID selects an existing VPC; empty creates a VPC with isolated subnets.
	VpcID string `json:"vpcId"`
	// SubnetIDs are the existing subnets for the workgroup, at least WorkgroupZones; only with VpcID.
	SubnetIDs []string `json:"subnetIds"`
	// SecurityGroupIDs replace the security group the stack would create; only with VpcID.
	SecurityGroupIDs []string `json:"securityGroupIds"`
	// AvailabilityZones names the zones of a created VPC, at least WorkgroupZones of them; empty
	// uses the first three zones of the Region the stack deploys to.
	AvailabilityZones []string `json:"availabilityZones"`
	// VpcCidr is the IPv4 range of a created VPC.
	VpcCidr string `json:"vpcCidr"`
	// SubnetsRouteToKinesis says that the existing subnets already reach the Kinesis endpoints
	// (through a NAT gateway, or a Kinesis interface endpoint of the VPC), so the stack adds no
	// endpoint of its own; only with VpcID.
	SubnetsRouteToKinesis bool `json:"subnetsRouteToKinesis"`
}

// Alarms configures where alarms go and the levels of the ingestion and cost alarms.
type Alarms struct {
	// Email subscribes this address to the alarm topic; empty subscribes nobody.
	Email string `json:"email"`
	// IngestionLagSeconds is the stream's iterator age (how far Redshift's reads trail the
	// newest record) that, held for 15 minutes, raises the ingestion alarm; in scheduled mode more
	// than the load interval, since a refresh reads an interval's records at once.
	IngestionLagSeconds int `json:"ingestionLagSeconds"`
	// ComputeRpuHoursPerHour is the Redshift Serverless compute, in RPU-hours used in one hour,
	// above which the compute alarm fires; from warehouse.baseCapacity to warehouse.maxCapacity.
	ComputeRpuHoursPerHour int `json:"computeRpuHoursPerHour"`
}

// Realtime's loader runs every minute, the shortest rate EventBridge Scheduler takes; a scheduled
// loader runs at least MinScheduledMinutes apart, so that the workgroup idles between loads.
const (
	RealtimeIntervalMinutes = 1
	MinScheduledMinutes     = 5
)

// Load configures the loader: how the streaming view is refreshed and how often its rows move
// into the events table.
type Load struct {
	// Mode is realtime (AUTO REFRESH YES on the streaming view, the loader every minute) or
	// scheduled (AUTO REFRESH NO; the loader refreshes the view, then loads, every
	// IntervalMinutes). The DDL custom resource and the loader get it as it is.
	Mode chatsql.Mode `json:"mode"`
	// IntervalMinutes is how often the loader runs: RealtimeIntervalMinutes in realtime mode, at
	// least MinScheduledMinutes and at most a quarter of the stream's retention in scheduled mode,
	// so that a few failed loads in a row still find every record in the stream.
	IntervalMinutes int `json:"intervalMinutes"`
	// MaxRetryAttempts is how often Scheduler retries an invocation Lambda refused (throttled,
	// for instance), 0 to 185. A load that fails is not retried: the next one completes it.
	MaxRetryAttempts int `json:"maxRetryAttempts"`
	// MaxEventAgeSeconds is how long Scheduler keeps retrying one, 60 to 86400; a tick older than
	// the next one is worth nothing.
	MaxEventAgeSeconds int `json:"maxEventAgeSeconds"`
}

// Interval is how often the loader runs.
func (l Load) Interval() time.Duration { return time.Duration(l.IntervalMinutes) * time.Minute }

// ScheduleExpression is the loader schedule's rate expression.
func (l Load) ScheduleExpression() string {
	if l.IntervalMinutes == 1 {
		return "rate(1 minute)"
	}
	return fmt.Sprintf("rate(%d minutes)", l.IntervalMinutes)
}

// Defaults returns the settings an environment gets for every key cdk.json leaves out.
func Defaults(name string) Environment {
	return Environment{
		Name:             name,
		RemovalPolicy:    RemovalRetain,
		LogRetentionDays: 30,
		Stream:           Stream{Name: "chat-events-" + name, RetentionHours: 24},
		Producer: Producer{
			EventsPerInvocation: 1000,
			Rate:                50,
			Users:               1000,
			MemoryMiB:           256,
			TimeoutSeconds:      59,
			AsyncRetryAttempts:  2,
			MaxEventAgeSeconds:  300,
			Rhythm:              "off",
		},
		Schedule: Schedule{
			Enabled:            true,
			Expression:         "rate(1 minute)",
			MaxRetryAttempts:   2,
			MaxEventAgeSeconds: 300,
		},
		Warehouse: Warehouse{
			NamespaceName: "chatstream-" + name,
			WorkgroupName: "chatstream-" + name,
			DatabaseName:  "chatstream",
			AdminUsername: "chatstream_admin",
			BaseCapacity:  8,
			MaxCapacity:   16,
			// Required by Security Hub control RedshiftServerless.1; the stack then adds the
			// Kinesis interface endpoint streaming ingestion reads through.
			EnhancedVpcRouting: true,
			Port:               5439,
			LogExports:         []string{LogUser, LogConnection, LogUserActivity},
			UsageLimit:         UsageLimit{RpuHours: 24, Period: "daily", BreachAction: BreachDeactivate},
		},
		Network: Network{VpcCidr: "10.42.0.0/16"},
		Alarms:  Alarms{IngestionLagSeconds: 1800, ComputeRpuHoursPerHour: 2},
		// The cheap mode unless an environment asks for realtime.
		Load: Load{Mode: chatsql.Scheduled, IntervalMinutes: 15, MaxRetryAttempts: 2, MaxEventAgeSeconds: 300},
	}
}

// StackName is the CloudFormation stack name of the environment.
func (e Environment) StackName() string { return StackName(e.Name) }

// StackName is the CloudFormation stack name of the environment called env.
func StackName(env string) string { return "chatstream-" + env }

// CheckName returns an error naming env unless it is a name the app accepts
// for an environment: 1 to 20 lower-case letters, digits or hyphens,
// starting with a letter. It is the one rule for environment names: tools
// that find a stack, a stream or a workgroup by environment check the name
// with it, so that they refuse exactly what the app refuses.
func CheckName(env string) error {
	if !ValidName(env) {
		return fmt.Errorf("environment %q: %s", env, envNameRule)
	}
	return nil
}

// ValidName reports whether env is a name CheckName accepts.
func ValidName(env string) bool { return envName.MatchString(env) }

// envNameRule is what CheckName and FromContext tell the user a name must be. The default names
// derived from it (stack, namespace and workgroup chatstream-<env>, stream chat-events-<env>) must
// pass their own rules too; twenty characters keeps them well inside those.
const envNameRule = "want 1 to 20 lower-case letters, digits or hyphens, starting with a letter, such as staging"

// Retain reports whether stateful resources outlive the stack.
func (e Environment) Retain() bool { return e.RemovalPolicy == RemovalRetain }

// CreatesVpc reports whether the stack creates its own VPC, which it does unless VpcID names one.
func (n Network) CreatesVpc() bool { return n.VpcID == "" }

// NeedsKinesisEndpoint reports whether the stack adds a Kinesis interface endpoint to the
// workgroup's subnets. Redshift Serverless needs a route to the Kinesis endpoints, through a NAT
// or internet gateway or through an interface endpoint ("Getting started with streaming ingestion
// from Amazon Kinesis Data Streams", step 2); a created VPC has neither gateway, and existing
// subnets have one only when the settings say so.
func (n Network) NeedsKinesisEndpoint() bool { return n.CreatesVpc() || !n.SubnetsRouteToKinesis }

// ExportsLog reports whether the namespace exports the named log type.
func (w Warehouse) ExportsLog(logType string) bool {
	return slices.Contains(w.LogExports, logType)
}

// key names a setting the way errors print it: chatstream.staging.warehouse.baseCapacity.
func (e Environment) key(path string) string {
	return fmt.Sprintf("%s.%s.%s", ContextKey, e.Name, path)
}
