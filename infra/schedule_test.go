package main

import (
	"slices"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"
)

// wantScheduleInput is the producer's contract, spelled out again on purpose: a change to
// ScheduleInput must be a deliberate change to this test too.
const wantScheduleInput = `{"source":"chatstream.scheduler","schedule_arn":"<aws.scheduler.schedule-arn>","scheduled_time":"<aws.scheduler.scheduled-time>","execution_id":"<aws.scheduler.execution-id>","attempt":"<aws.scheduler.attempt-number>"}`

func TestScheduleInvokesTheProducerWithRetriesAndADeadLetterQueue(t *testing.T) {
	eachEnv(t, func(t *testing.T, s *synthesis) {
		// GIVEN the environment's schedule settings
		cfg := s.env.Schedule
		state := "DISABLED"
		if cfg.Enabled {
			state = "ENABLED"
		}
		// WHEN the stack is synthesized
		r := s.resource(t, s.stack.Schedule.Schedule)
		// THEN the schedule sends exactly the producer's input to the producer, retries, and dead-letters
		want := map[string]any{
			"Description":                "Invokes the chatstream producer",
			"ScheduleExpression":         cfg.Expression,
			"ScheduleExpressionTimezone": "Etc/UTC",
			"State":                      state,
			"FlexibleTimeWindow":         map[string]any{"Mode": "OFF"},
			"Target": map[string]any{
				"Arn":     getAtt(s.id(s.stack.Producer.Function), "Arn"),
				"RoleArn": getAtt(s.id(s.stack.Schedule.Role), "Arn"),
				"Input":   wantScheduleInput,
				"RetryPolicy": map[string]any{
					"MaximumRetryAttempts":     float64(cfg.MaxRetryAttempts),
					"MaximumEventAgeInSeconds": float64(cfg.MaxEventAgeSeconds),
				},
				"DeadLetterConfig": map[string]any{"Arn": getAtt(s.id(s.stack.Schedule.DeadLetterQueue), "Arn")},
			},
		}
		if diff := cmp.Diff(want, props(r)); diff != "" {
			t.Errorf("schedule (-want +got):\n%s", diff)
		}
		// AND it waits for its role's policy, so the first tick is not refused
		policy := s.id(s.stack.Schedule.Role.Node().FindChild(jsii.String("DefaultPolicy")))
		if deps, _ := r["DependsOn"].([]any); !slices.Contains(deps, any(policy)) {
			t.Errorf("schedule DependsOn = %v, want it to include %s", deps, policy)
		}
		// AND the dead-letter queue is encrypted and TLS-only
		assertEncryptedTLSOnlyQueue(t, s, s.id(s.stack.Schedule.DeadLetterQueue))
	})
}

func TestScheduleRoleMayOnlyInvokeTheProducerAndDeadLetter(t *testing.T) {
	eachEnv(t, func(t *testing.T, s *synthesis) {
		role := s.id(s.stack.Schedule.Role)
		// GIVEN the schedule's role
		// THEN only Scheduler, acting for this account's default schedule group, can assume it
		group := s.arn("scheduler", "schedule-group/default")
		wantTrust := map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Action":    "sts:AssumeRole",
				"Effect":    "Allow",
				"Principal": map[string]any{"Service": "scheduler.amazonaws.com"},
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": ref("AWS::AccountId"), "aws:SourceArn": group}},
			}},
		}
		if diff := cmp.Diff(wantTrust, props(s.resources[role])["AssumeRolePolicyDocument"]); diff != "" {
			t.Errorf("trust policy (-want +got):\n%s", diff)
		}
		// AND it may invoke the producer (and its versions) and send to the dead-letter queue, nothing else
		fn := getAtt(s.id(s.stack.Producer.Function), "Arn")
		want := []any{
			statement([]string{"lambda:InvokeFunction"}, []any{fn, map[string]any{"Fn::Join": []any{"", []any{fn, ":*"}}}}),
			statement([]string{"sqs:SendMessage"}, getAtt(s.id(s.stack.Schedule.DeadLetterQueue), "Arn")),
		}
		if diff := cmp.Diff(want, policyStatementsOf(t, s, role)); diff != "" {
			t.Errorf("schedule role statements (-want +got):\n%s", diff)
		}
	})
}
