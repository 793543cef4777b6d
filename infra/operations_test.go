package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chatstream/chatstream/infra/cost"
)

func TestAlarms(t *testing.T) {
	allEnvs(t, func(t *testing.T, s *synthesis) {
		// GIVEN the stack's alarms
		type alarm struct {
			Namespace, Metric, Statistic, Comparison string
			Dimensions                               any
			Period, Threshold, Periods               float64
		}
		topic := ref(s.id(s.stack.Operations.Topic))
		var got []alarm
		for id, r := range s.ofType("AWS::CloudWatch::Alarm") {
			p := props(r)
			// THEN each tells the alarm topic when it fires and when it clears, and stays quiet without data
			if !cmp.Equal(p["AlarmActions"], []any{topic}) || !cmp.Equal(p["OKActions"], []any{topic}) || p["TreatMissingData"] != "notBreaching" {
				t.Errorf("alarm %s: actions %v / %v, missing data %v; want the topic for both, not breaching", id, p["AlarmActions"], p["OKActions"], p["TreatMissingData"])
			}
			got = append(got, alarm{Namespace: text(p["Namespace"]), Metric: text(p["MetricName"]), Statistic: text(p["Statistic"]),
				Comparison: text(p["ComparisonOperator"]), Dimensions: p["Dimensions"], Period: p["Period"].(float64),
				Threshold: p["Threshold"].(float64), Periods: p["EvaluationPeriods"].(float64)})
		}
		// AND together they watch producer and loader errors, the three dead-letter queues, stream write
		// throttling, ingestion lag (the age of what Redshift reads, 15 minutes above the
		// configured lag) and the workgroup's compute (an hour above the configured RPU-hours)
		dims := func(name string, value any) any { return []any{map[string]any{"Name": name, "Value": value}} }
		const atLeast = "GreaterThanOrEqualToThreshold"
		a := s.env.Alarms
		want := []alarm{
			{"AWS/Lambda", "Errors", "Sum", atLeast, dims("FunctionName", ref(s.id(s.stack.Producer.Function))), 300, 1, 1},
			// A failed load in two intervals (at least five minutes) in a row: the next load did not complete it.
			{"AWS/Lambda", "Errors", "Sum", atLeast, dims("FunctionName", ref(s.id(s.stack.Loader.Function))), float64(max(300, s.env.Load.IntervalMinutes*60)), 1, 2},
			{"AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", atLeast, dims("QueueName", getAtt(s.id(s.stack.Loader.Schedule.DeadLetterQueue), "QueueName")), 300, 1, 1},
			{"AWS/Kinesis", "PutRecords.ThrottledRecords", "Sum", atLeast, dims("StreamName", ref(s.id(s.stack.Stream))), 300, 1, 1},
			{"AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", atLeast, dims("QueueName", getAtt(s.id(s.stack.Producer.FailureQueue), "QueueName")), 300, 1, 1},
			{"AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", atLeast, dims("QueueName", getAtt(s.id(s.stack.Schedule.DeadLetterQueue), "QueueName")), 300, 1, 1},
			{"AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", "Maximum", "GreaterThanThreshold", dims("StreamName", ref(s.id(s.stack.Stream))),
				300, float64(a.IngestionLagSeconds) * 1000, 3},
			{"AWS/Redshift-Serverless", "ComputeSeconds", "Sum", "GreaterThanThreshold", dims("Workgroup", s.env.Warehouse.WorkgroupName),
				3600, float64(a.ComputeRpuHoursPerHour) * 3600, 1},
		}
		key := func(a alarm) string { b, _ := json.Marshal(a); return string(b) }
		if diff := cmp.Diff(want, got, cmpSortBy(key)); diff != "" {
			t.Errorf("alarms (-want +got):\n%s", diff)
		}
		// AND the cost estimate counts exactly these
		if len(got) != cost.AlarmCount {
			t.Errorf("%d alarms, but the cost estimate counts %d (infra/cost.AlarmCount)", len(got), cost.AlarmCount)
		}
	})
}

func TestAlarmTopicIsEncryptedForCloudWatchAndSubscribesTheConfiguredEmail(t *testing.T) {
	allEnvs(t, func(t *testing.T, s *synthesis) {
		o := s.stack.Operations
		// GIVEN the alarm topic
		topic := props(s.resource(t, o.Topic))
		// THEN it is encrypted with its own key, which rotates
		if !cmp.Equal(topic["KmsMasterKeyId"], getAtt(s.id(o.TopicKey), "Arn")) {
			t.Errorf("KmsMasterKeyId = %v, want the topic's key", topic["KmsMasterKeyId"])
		}
		key := props(s.resource(t, o.TopicKey))
		if key["EnableKeyRotation"] != true {
			t.Errorf("EnableKeyRotation = %v, want true", key["EnableKeyRotation"])
		}
		// AND the key lets CloudWatch encrypt notifications, for this account's alarms only
		wantCloudWatch := map[string]any{
			"Action":    []any{"kms:Decrypt", "kms:GenerateDataKey*"},
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
			"Resource":  "*",
			"Condition": map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": ref("AWS::AccountId")},
				"ArnLike":      map[string]any{"aws:SourceArn": s.arn("cloudwatch", "alarm:*")},
			},
		}
		statements := key["KeyPolicy"].(map[string]any)["Statement"].([]any)
		if !slices.ContainsFunc(statements, func(st any) bool { return cmp.Equal(st, any(wantCloudWatch)) }) {
			t.Errorf("key policy %v lacks %v", statements, wantCloudWatch)
		}
		// AND the topic refuses requests without TLS
		var tlsOnly bool
		for _, r := range s.ofType("AWS::SNS::TopicPolicy") {
			for _, st := range props(r)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				st := st.(map[string]any)
				tlsOnly = tlsOnly || (st["Effect"] == "Deny" && cmp.Equal(st["Condition"], map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}))
			}
		}
		if !tlsOnly {
			t.Error("no topic policy denies requests without TLS")
		}
		// AND the configured e-mail, and only it, is subscribed
		var subs []any
		for _, r := range s.ofType("AWS::SNS::Subscription") {
			subs = append(subs, map[string]any{"Protocol": props(r)["Protocol"], "Endpoint": props(r)["Endpoint"], "TopicArn": props(r)["TopicArn"]})
		}
		var want []any
		if e := s.env.Alarms.Email; e != "" {
			want = []any{map[string]any{"Protocol": "email", "Endpoint": e, "TopicArn": ref(s.id(o.Topic))}}
		}
		if diff := cmp.Diff(want, subs); diff != "" {
			t.Errorf("subscriptions (-want +got):\n%s", diff)
		}
	})
	if synth(t, "existing-vpc").env.Alarms.Email == "" {
		t.Error("no synthesized variant subscribes an e-mail, so that case is untested")
	}
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
				`\"AWS/Kinesis\",\"GetRecords.IteratorAgeMilliseconds\"`,
				`\"AWS/Redshift-Serverless\",\"ComputeSeconds\",\"Workgroup\",\"` + s.env.Warehouse.WorkgroupName + `\"`,
				`\"type\":\"alarm\"`,
			} {
				if !strings.Contains(string(body), fragment) {
					t.Errorf("dashboard body lacks %s", fragment)
				}
			}
		}
	})
}
