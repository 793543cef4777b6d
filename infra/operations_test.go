package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAlarms(t *testing.T) {
	eachEnv(t, func(t *testing.T, s *synthesis) {
		// GIVEN the stack's alarms
		type alarm struct {
			Namespace, Metric, Statistic string
			Dimensions                   any
		}
		var got []alarm
		for _, r := range s.ofType("AWS::CloudWatch::Alarm") {
			p := props(r)
			// THEN each fires on the first bad datapoint and stays quiet without data
			if p["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" || p["Threshold"] != float64(1) || p["TreatMissingData"] != "notBreaching" {
				t.Errorf("alarm %v: want >= 1 with missing data not breaching", p)
			}
			got = append(got, alarm{Namespace: text(p["Namespace"]), Metric: text(p["MetricName"]), Statistic: text(p["Statistic"]), Dimensions: p["Dimensions"]})
		}
		// AND together they watch producer errors, both dead-letter queues and stream write throttling
		dims := func(name string, value any) any { return []any{map[string]any{"Name": name, "Value": value}} }
		want := []alarm{
			{"AWS/Lambda", "Errors", "Sum", dims("FunctionName", ref(s.id(s.stack.Producer.Function)))},
			{"AWS/Kinesis", "PutRecords.ThrottledRecords", "Sum", dims("StreamName", ref(s.id(s.stack.Stream)))},
			{"AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", dims("QueueName", getAtt(s.id(s.stack.Producer.FailureQueue), "QueueName"))},
			{"AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", dims("QueueName", getAtt(s.id(s.stack.Schedule.DeadLetterQueue), "QueueName"))},
		}
		key := func(a alarm) string { b, _ := json.Marshal(a); return string(b) }
		if diff := cmp.Diff(want, got, cmpSortBy(key)); diff != "" {
			t.Errorf("alarms (-want +got):\n%s", diff)
		}
	})
}

func TestDashboardShowsProducerStreamAndQueues(t *testing.T) {
	eachEnv(t, func(t *testing.T, s *synthesis) {
		// GIVEN the dashboard
		boards := s.ofType("AWS::CloudWatch::Dashboard")
		if len(boards) != 1 {
			t.Fatalf("%d dashboards, want 1", len(boards))
		}
		for _, r := range boards {
			p := props(r)
			if p["DashboardName"] != s.env.StackName() {
				t.Errorf("DashboardName = %v, want %s", p["DashboardName"], s.env.StackName())
			}
			body, _ := json.Marshal(p["DashboardBody"])
			// THEN its widgets chart the producer's embedded metrics by stream, Lambda, Kinesis and SQS metrics
			for _, fragment := range []string{
				`\"chatstream\",\"EventsSent\",\"Stream\",\"`,
				`\"chatstream\",\"EventsFailed\",\"Stream\",\"`,
				`\"chatstream\",\"Retries\",\"Stream\",\"`,
				`\"AWS/Lambda\",\"Invocations\"`, `\"AWS/Lambda\",\"Errors\"`, `\"AWS/Lambda\",\"Duration\"`,
				`\"AWS/Kinesis\",\"IncomingRecords\"`, `\"AWS/Kinesis\",\"PutRecords.ThrottledRecords\"`,
				`\"AWS/Kinesis\",\"WriteProvisionedThroughputExceeded\"`,
				`\"AWS/SQS\",\"ApproximateNumberOfMessagesVisible\"`,
				`\"type\":\"alarm\"`,
			} {
				if !strings.Contains(string(body), fragment) {
					t.Errorf("dashboard body lacks %s", fragment)
				}
			}
		}
	})
}
