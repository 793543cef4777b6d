package main

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/chatstream/chatstream/lambda/produce"
	"github.com/google/go-cmp/cmp"
)

func TestProducerFunction(t *testing.T) {
	eachEnv(t, func(t *testing.T, s *synthesis) {
		// GIVEN the environment's producer settings
		p := s.env.Producer
		// WHEN the stack is synthesized
		got := props(s.resource(t, s.stack.Producer.Function))
		// THEN the function runs the bootstrap binary on arm64 provided.al2023, sized from config,
		// without reserved concurrency (new accounts cannot spare it), logging JSON to its own log
		// group, with the producer's environment
		checks := map[string]any{
			"Runtime":       "provided.al2023",
			"Architectures": []any{"arm64"},
			"Handler":       "bootstrap",
			"MemorySize":    float64(p.MemoryMiB),
			"Timeout":       float64(p.TimeoutSeconds),
			"LoggingConfig": map[string]any{
				"LogFormat": "JSON",
				"LogGroup":  ref(s.id(s.stack.Producer.LogGroup)),
			},
			"Environment": map[string]any{"Variables": map[string]any{
				"STREAM_NAME":           ref(s.id(s.stack.Stream)),
				"EVENTS_PER_INVOCATION": strconv.Itoa(p.EventsPerInvocation),
				"RATE":                  strconv.Itoa(p.Rate),
				"USERS":                 strconv.Itoa(p.Users),
				"WINDOW_SECONDS":        "60",
				"RHYTHM":                p.Rhythm,
				"DIRTY_RATIO":           strconv.FormatFloat(p.DirtyRatio, 'f', -1, 64),
			}},
		}
		for key, want := range checks {
			if diff := cmp.Diff(want, got[key]); diff != "" {
				t.Errorf("%s (-want +got):\n%s", key, diff)
			}
		}
		// AND X-Ray follows the tracing setting
		var tracing any
		if p.Tracing {
			tracing = map[string]any{"Mode": "Active"}
		}
		if diff := cmp.Diff(tracing, got["TracingConfig"]); diff != "" {
			t.Errorf("TracingConfig (-want +got):\n%s", diff)
		}
	})
}

func TestReservedConcurrencyOnlyWhenConfigured(t *testing.T) {
	allEnvs(t, func(t *testing.T, s *synthesis) {
		// GIVEN the environment's reservation: none in cdk.json, one in a test variant
		var want any
		if n := s.env.Producer.ReservedConcurrency; n > 0 {
			want = float64(n)
		}
		// THEN the function reserves exactly that, and nothing when none is configured: Lambda
		// refuses a reservation that leaves an account fewer than 100 unreserved executions
		if got := props(s.resource(t, s.stack.Producer.Function))["ReservedConcurrentExecutions"]; got != want {
			t.Errorf("ReservedConcurrentExecutions = %v, want %v", got, want)
		}
	})
	if synth(t, "existing-vpc").env.Producer.ReservedConcurrency == 0 {
		t.Error("no synthesized variant reserves concurrency, so the configured case is untested")
	}
}

// TestProducerTimeoutFitsTheSchedule: the synthesized timeout covers the
// world's window of one schedule period and ends before the next
// invocation, the rule produce.CheckTimeout states.
func TestProducerTimeoutFitsTheSchedule(t *testing.T) {
	eachEnv(t, func(t *testing.T, s *synthesis) {
		period, err := s.env.Schedule.Period()
		if err != nil {
			t.Fatal(err)
		}
		timeout := props(s.resource(t, s.stack.Producer.Function))["Timeout"].(float64)
		if err := produce.CheckTimeout(period, time.Duration(timeout)*time.Second); err != nil {
			t.Errorf("Timeout = %vs with a schedule period of %s: %v", timeout, period, err)
		}
	})
}

func TestProducerPermissionsComeOnlyFromGrants(t *testing.T) {
	eachEnv(t, func(t *testing.T, s *synthesis) {
		// GIVEN the producer's role
		role := s.id(s.stack.Producer.Function.Role())
		// THEN no managed policy is attached (AWSLambdaBasicExecutionRole would allow logs on every group)
		if got := props(s.resources[role])["ManagedPolicyArns"]; got != nil {
			t.Errorf("ManagedPolicyArns = %v, want none", got)
		}
		// AND its only policy allows exactly: its own logs, its failure queue, writing to the stream
		// (kinesis:ListShards, PutRecord, PutRecords from stream.GrantWrite) and X-Ray when tracing.
		want := []any{
			statement([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, getAtt(s.id(s.stack.Producer.LogGroup), "Arn")),
			statement([]string{"sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"}, getAtt(s.id(s.stack.Producer.FailureQueue), "Arn")),
			statement([]string{"kinesis:ListShards", "kinesis:PutRecord", "kinesis:PutRecords"}, getAtt(s.id(s.stack.Stream), "Arn")),
		}
		if s.env.Producer.Tracing {
			want = slices.Insert(want, 1, any(statement([]string{"xray:PutTelemetryRecords", "xray:PutTraceSegments"}, "*")))
		}
		if diff := cmp.Diff(want, policyStatementsOf(t, s, role)); diff != "" {
			t.Errorf("producer policy statements (-want +got):\n%s", diff)
		}
	})
}

func TestAsyncFailuresLandInAnEncryptedQueue(t *testing.T) {
	eachEnv(t, func(t *testing.T, s *synthesis) {
		// GIVEN the producer's asynchronous invocation config
		configs := map[string]map[string]any{}
		for id, r := range s.ofType("AWS::Lambda::EventInvokeConfig") {
			if cmp.Equal(props(r)["FunctionName"], ref(s.id(s.stack.Producer.Function))) {
				configs[id] = r
			}
		}
		if len(configs) != 1 {
			t.Fatalf("got %d EventInvokeConfig resources of the producer, want 1", len(configs))
		}
		for _, r := range configs {
			// THEN failures after the configured retries, and ticks older than the configured age,
			// go to the failure queue instead of running late
			want := map[string]any{
				"FunctionName":             ref(s.id(s.stack.Producer.Function)),
				"Qualifier":                "$LATEST",
				"MaximumRetryAttempts":     float64(s.env.Producer.AsyncRetryAttempts),
				"MaximumEventAgeInSeconds": float64(s.env.Producer.MaxEventAgeSeconds),
				"DestinationConfig": map[string]any{
					"OnFailure": map[string]any{"Destination": getAtt(s.id(s.stack.Producer.FailureQueue), "Arn")},
				},
			}
			if diff := cmp.Diff(want, props(r)); diff != "" {
				t.Errorf("EventInvokeConfig (-want +got):\n%s", diff)
			}
		}
		// AND that queue is encrypted and refuses plain HTTP
		assertEncryptedTLSOnlyQueue(t, s, s.id(s.stack.Producer.FailureQueue))
	})
}

// statement builds the policy statement JSON CDK synthesizes: one action is a string, several a list.
func statement(actions []string, resource any) map[string]any {
	var action any = actions[0]
	if len(actions) > 1 {
		list := make([]any, len(actions))
		for i, a := range actions {
			list[i] = a
		}
		action = list
	}
	return map[string]any{"Action": action, "Effect": "Allow", "Resource": resource}
}

// policyStatementsOf returns the statements of every AWS::IAM::Policy attached to the role,
// failing if there is not exactly one such policy.
func policyStatementsOf(t *testing.T, s *synthesis, role string) []any {
	t.Helper()
	var found []map[string]any
	for _, r := range s.ofType("AWS::IAM::Policy") {
		if slices.ContainsFunc(props(r)["Roles"].([]any), func(x any) bool { return cmp.Equal(x, ref(role)) }) {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("role %s has %d policies, want 1", role, len(found))
	}
	return props(found[0])["PolicyDocument"].(map[string]any)["Statement"].([]any)
}

func assertEncryptedTLSOnlyQueue(t *testing.T, s *synthesis, queue string) {
	t.Helper()
	if got := props(s.resources[queue])["SqsManagedSseEnabled"]; got != true {
		t.Errorf("queue %s: SqsManagedSseEnabled = %v, want true", queue, got)
	}
	for _, r := range s.ofType("AWS::SQS::QueuePolicy") {
		if !cmp.Equal(props(r)["Queues"], []any{ref(queue)}) {
			continue
		}
		for _, st := range props(r)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := st.(map[string]any)
			if st["Effect"] == "Deny" && cmp.Equal(st["Condition"], map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}) {
				return
			}
		}
	}
	t.Errorf("queue %s: no policy denies requests without TLS", queue)
}
