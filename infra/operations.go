package main

import (
	"maps"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesis"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/chatstream/chatstream/lambda/produce"
)

// OperationsProps configures NewOperations.
type OperationsProps struct {
	// DashboardName names the dashboard.
	DashboardName string
	// Producer is the function whose invocations, errors and duration are shown and alarmed on.
	Producer awslambda.IFunction
	// Stream is the stream whose incoming records and write throttles are shown and alarmed on.
	Stream awskinesis.IStream
	// DeadLetterQueues maps a label to a queue whose depth is shown and alarmed on.
	DeadLetterQueues map[string]awssqs.IQueue
}

// Operations is the dashboard and the alarms that say the pipeline needs a person.
type Operations struct {
	constructs.Construct
	// Dashboard shows the producer, the stream and the dead-letter queues.
	Dashboard awscloudwatch.Dashboard
	// Alarms fire on producer errors, dead-lettered messages and stream write throttling.
	Alarms []awscloudwatch.Alarm
}

// NewOperations defines the CloudWatch dashboard and alarms.
func NewOperations(scope constructs.Construct, id string, props *OperationsProps) *Operations {
	c := constructs.NewConstruct(scope, jsii.String(id))
	fiveMinutes := awscdk.Duration_Minutes(jsii.Number(5))
	sum := &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: fiveMinutes}

	var alarms []awscloudwatch.Alarm
	alarm := func(id, description string, metric awscloudwatch.IMetric) {
		alarms = append(alarms, awscloudwatch.NewAlarm(c, jsii.String(id), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(description),
			Metric:             metric,
			Threshold:          jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			// No data means no invocations or no messages: nothing is wrong.
			TreatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
		}))
	}
	alarm("ProducerErrors", "The producer returned errors: events failed after retries or the function crashed.",
		props.Producer.MetricErrors(sum))
	alarm("StreamWriteThrottles", "Kinesis throttled producer writes; the producer retries them, but sustained throttling loses ticks.",
		props.Stream.MetricPutRecordsThrottledRecords(sum))
	var depth []awscloudwatch.IMetric
	for _, label := range slices.Sorted(maps.Keys(props.DeadLetterQueues)) {
		q := props.DeadLetterQueues[label]
		depth = append(depth, q.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
			Statistic: jsii.String("Maximum"), Period: awscdk.Duration_Minutes(jsii.Number(1)), Label: jsii.String(label),
		}))
		alarm(label+"Messages", "Messages are waiting in the "+label+" dead-letter queue: invocations failed for good.",
			q.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: fiveMinutes}))
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
				awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
					Title: jsii.String("Alarms"), Alarms: &alarmRefs, Width: jsii.Number(24), Height: jsii.Number(4),
				}),
			},
		},
	})
	return &Operations{Construct: c, Dashboard: dashboard, Alarms: alarms}
}
