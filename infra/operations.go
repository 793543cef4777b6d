package main

import (
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesis"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/chatstream/chatstream/infra/config"
	"github.com/chatstream/chatstream/lambda/produce"
)

// OperationsProps configures NewOperations.
type OperationsProps struct {
	// DashboardName names the dashboard.
	DashboardName string
	// Alarms says who is told and when the ingestion and compute alarms fire.
	Alarms config.Alarms
	// Producer is the function whose invocations, errors and duration are shown and alarmed on.
	Producer awslambda.IFunction
	// Loader is the loader function, whose errors are shown and alarmed on.
	Loader awslambda.IFunction
	// LoadInterval is how often the loader runs.
	LoadInterval time.Duration
	// Stream is the stream whose incoming records, write throttles and read lag are shown and
	// alarmed on.
	Stream awskinesis.IStream
	// DeadLetterQueues maps a label to a queue whose depth is shown and alarmed on.
	DeadLetterQueues map[string]awssqs.IQueue
	// WorkgroupName is the Redshift Serverless workgroup whose compute is shown and alarmed on.
	WorkgroupName string
	// Retain keeps the alarm topic's key when the stack is deleted.
	Retain bool
}

// Operations is the dashboard, the alarms that say the pipeline needs a person, and the topic
// every alarm notifies.
type Operations struct {
	constructs.Construct
	// Dashboard shows the producer, the stream, the warehouse's compute and the dead-letter queues.
	Dashboard awscloudwatch.Dashboard
	// Alarms fire on producer errors, loader errors, dead-lettered messages, stream write
	// throttling, ingestion lag and compute usage.
	Alarms []awscloudwatch.Alarm
	// Topic receives every alarm's state changes; subscribe what pages you.
	Topic awssns.Topic
	// TopicKey encrypts the topic.
	TopicKey awskms.Key
}

// alarmSpec is one alarm: what it watches and when it fires.
type alarmSpec struct {
	id, description string
	metric          awscloudwatch.IMetric
	threshold       float64
	comparison      awscloudwatch.ComparisonOperator
	periods         float64
}

// NewOperations defines the CloudWatch dashboard, the alarms and their SNS topic.
func NewOperations(scope constructs.Construct, id string, props *OperationsProps) *Operations {
	c := constructs.NewConstruct(scope, jsii.String(id))
	fiveMinutes := awscdk.Duration_Minutes(jsii.Number(5))
	sum := &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: fiveMinutes}
	key, topic := newAlarmTopic(c, props)
	notify := awscloudwatchactions.NewSnsAction(topic)

	atLeastOne := func(id, description string, metric awscloudwatch.IMetric) alarmSpec {
		return alarmSpec{id, description, metric, 1, awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1}
	}
	specs := []alarmSpec{
		atLeastOne("ProducerErrors", "The producer returned errors: events failed after retries or the function crashed.",
			props.Producer.MetricErrors(sum)),
		{
			// One failed load is completed by the next, so only a failure in two intervals in a
			// row (at least five minutes each) says the loads are stuck.
			id:          "LoaderErrors",
			description: "Loads failed in two intervals in a row: rows wait in the streaming view and the landing table; the loader's log says where each stopped.",
			metric: props.Loader.MetricErrors(&awscloudwatch.MetricOptions{
				Statistic: jsii.String("Sum"), Period: awscdk.Duration_Minutes(jsii.Number(max(5, props.LoadInterval.Minutes()))),
			}),
			threshold:  1,
			comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			periods:    2,
		},
		atLeastOne("StreamWriteThrottles", "Kinesis throttled producer writes; the producer retries them, but sustained throttling loses ticks.",
			props.Stream.MetricPutRecordsThrottledRecords(sum)),
		{
			// Redshift is the stream's only reader, so the age of the records its reads return is
			// how far ingestion trails the producer. Held for three periods, so that one slow
			// refresh does not page.
			id:          "IngestionLag",
			description: "Redshift's reads of the stream trail the newest record by more than the configured lag: ingestion is falling behind or stuck.",
			metric: props.Stream.MetricGetRecordsIteratorAgeMilliseconds(&awscloudwatch.MetricOptions{
				Statistic: jsii.String("Maximum"), Period: fiveMinutes,
			}),
			threshold:  float64(props.Alarms.IngestionLagSeconds) * 1000,
			comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			periods:    3,
		},
		{
			// ComputeSeconds are the RPU-seconds the workgroup used; an hour's sum over 3600 is the
			// RPU-hours Redshift Serverless bills for it.
			id:          "WarehouseCompute",
			description: "Redshift Serverless used more RPU-hours in an hour than configured: the compute bill is above plan.",
			metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
				Namespace:     jsii.String("AWS/Redshift-Serverless"),
				MetricName:    jsii.String("ComputeSeconds"),
				DimensionsMap: &map[string]*string{"Workgroup": jsii.String(props.WorkgroupName)},
				Statistic:     jsii.String("Sum"),
				Period:        awscdk.Duration_Hours(jsii.Number(1)),
			}),
			threshold:  float64(props.Alarms.ComputeRpuHoursPerHour) * 3600,
			comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			periods:    1,
		},
	}
	var depth []awscloudwatch.IMetric
	for _, label := range slices.Sorted(maps.Keys(props.DeadLetterQueues)) {
		q := props.DeadLetterQueues[label]
		depth = append(depth, q.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
			Statistic: jsii.String("Maximum"), Period: awscdk.Duration_Minutes(jsii.Number(1)), Label: jsii.String(label),
		}))
		specs = append(specs, atLeastOne(label+"Messages", "Messages are waiting in the "+label+" dead-letter queue: invocations failed for good.",
			q.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: fiveMinutes})))
	}
	var alarms []awscloudwatch.Alarm
	for _, spec := range specs {
		a := awscloudwatch.NewAlarm(c, jsii.String(spec.id), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(spec.description),
			Metric:             spec.metric,
			Threshold:          jsii.Number(spec.threshold),
			ComparisonOperator: spec.comparison,
			EvaluationPeriods:  jsii.Number(spec.periods),
			// No data means no invocations, no messages, no reads or no compute: nothing to report.
			TreatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		a.AddAlarmAction(notify)
		a.AddOkAction(notify)
		alarms = append(alarms, a)
	}

	emf := func(name string) awscloudwatch.IMetric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:     jsii.String(produce.MetricNamespace),
			MetricName:    jsii.String(name),
			DimensionsMap: &map[string]*string{produce.MetricStreamDimension: props.Stream.StreamName()},
			Statistic:     jsii.String("Sum"),
			Period:        awscdk.Duration_Minutes(jsii.Number(1)),
		})
	}
	perMinute := &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: awscdk.Duration_Minutes(jsii.Number(1))}
	graph := func(title string, metrics ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Left: &metrics, Width: jsii.Number(8), Height: jsii.Number(6),
		})
	}
	alarmRefs := make([]interfacesawscloudwatch.IAlarmRef, len(alarms))
	for i, a := range alarms {
		alarmRefs[i] = a
	}
	dashboard := awscloudwatch.NewDashboard(c, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName: jsii.String(props.DashboardName),
		Widgets: &[]*[]awscloudwatch.IWidget{
			{
				graph("Producer invocations and errors", props.Producer.MetricInvocations(perMinute),
					props.Producer.MetricErrors(perMinute), props.Producer.MetricThrottles(perMinute)),
				graph("Producer duration (ms)",
					props.Producer.MetricDuration(&awscloudwatch.MetricOptions{Statistic: jsii.String("p50"), Period: awscdk.Duration_Minutes(jsii.Number(1))}),
					props.Producer.MetricDuration(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: awscdk.Duration_Minutes(jsii.Number(1))})),
				graph("Events sent and failed (producer metrics)", emf(produce.MetricEventsSent), emf(produce.MetricEventsFailed), emf(produce.MetricRetries)),
			},
			{
				graph("Stream incoming records", props.Stream.MetricIncomingRecords(perMinute)),
				graph("Stream write throttles", props.Stream.MetricPutRecordsThrottledRecords(perMinute),
					props.Stream.MetricWriteProvisionedThroughputExceeded(perMinute)),
				graph("Dead-letter queue depth", depth...),
			},
			{
				graph("Ingestion lag (ms): age of the records Redshift reads", props.Stream.MetricGetRecordsIteratorAgeMilliseconds(
					&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: awscdk.Duration_Minutes(jsii.Number(1))})),
				graph("Warehouse compute (RPU-seconds per minute)", awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
					Namespace: jsii.String("AWS/Redshift-Serverless"), MetricName: jsii.String("ComputeSeconds"),
					DimensionsMap: &map[string]*string{"Workgroup": jsii.String(props.WorkgroupName)},
					Statistic:     jsii.String("Sum"), Period: awscdk.Duration_Minutes(jsii.Number(1)),
				})),
				awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
					Title: jsii.String("Loads: invocations and errors (left), longest duration in ms (right)"),
					Left:  &[]awscloudwatch.IMetric{props.Loader.MetricInvocations(perMinute), props.Loader.MetricErrors(perMinute)},
					Right: &[]awscloudwatch.IMetric{props.Loader.MetricDuration(&awscloudwatch.MetricOptions{
						Statistic: jsii.String("Maximum"), Period: awscdk.Duration_Minutes(jsii.Number(1)),
					})},
					Width: jsii.Number(8), Height: jsii.Number(6),
				}),
			},
			{
				awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
					Title: jsii.String("Alarms"), Alarms: &alarmRefs, Width: jsii.Number(24), Height: jsii.Number(4),
				}),
			},
		},
	})
	return &Operations{Construct: c, Dashboard: dashboard, Alarms: alarms, Topic: topic, TopicKey: key}
}

// newAlarmTopic defines the SNS topic the alarms notify, TLS-only and encrypted with a key of its
// own: CloudWatch can publish to an encrypted topic only when the key's policy lets
// cloudwatch.amazonaws.com use it, which the AWS-managed aws/sns key's policy cannot ("Enable
// compatibility between event sources from AWS services and encrypted topics", Amazon SNS
// Developer Guide). The key admits CloudWatch only for this account's alarms in this Region.
func newAlarmTopic(c constructs.Construct, props *OperationsProps) (awskms.Key, awssns.Topic) {
	stack := awscdk.Stack_Of(c)
	key := awskms.NewKey(c, jsii.String("AlarmTopicKey"), &awskms.KeyProps{
		Description:       jsii.String("chatstream " + props.DashboardName + ": encrypts the alarm topic"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     removalPolicy(props.Retain),
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()},
			"ArnLike": map[string]any{"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("cloudwatch"), Resource: jsii.String("alarm"), ResourceName: jsii.String("*"),
				ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
			})},
		},
	}), jsii.Bool(false))
	topic := awssns.NewTopic(c, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("chatstream " + props.DashboardName + " alarms"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	if props.Alarms.Email != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(props.Alarms.Email), nil))
	}
	return key, topic
}
