package main

import (
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"
)

func TestStreamIsOnDemandEncryptedWithTheManagedKey(t *testing.T) {
	eachEnv(t, func(t *testing.T, s *synthesis) {
		// GIVEN an environment from cdk.json
		// WHEN it is synthesized
		// THEN it has exactly one stream, on demand, named chat-events-<env>, under alias/aws/kinesis
		must(t, "one stream", func() { s.template.ResourceCountIs(jsii.String("AWS::Kinesis::Stream"), jsii.Number(1)) })
		got := props(s.resource(t, s.stack.Stream))
		want := map[string]any{
			"Name":                 "chat-events-" + s.env.Name,
			"RetentionPeriodHours": float64(s.env.Stream.RetentionHours),
			"StreamModeDetails":    map[string]any{"StreamMode": "ON_DEMAND"},
			"StreamEncryption":     map[string]any{"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("stream properties (-want +got):\n%s", diff)
		}
	})
}

func TestStreamRetentionComesFromConfig(t *testing.T) {
	// GIVEN cdk.json, where production keeps records for a week and staging for a day
	for env, hours := range map[string]int{"staging": 24, "production": 168} {
		// WHEN each is synthesized THEN the stream's retention follows its settings
		must(t, env, func() {
			synth(t, env).template.HasResourceProperties(jsii.String("AWS::Kinesis::Stream"), map[string]any{
				"RetentionPeriodHours": hours,
			})
		})
	}
}

func TestRemovalPolicies(t *testing.T) {
	tests := []struct {
		name                 string
		env                  string
		deletion, replace    string
		terminationProtected bool
	}{
		{name: "staging deletes its data with the stack", env: "staging", deletion: "Delete", replace: "Delete"},
		// RETAIN_ON_UPDATE_OR_DELETE: kept on delete and replacement, deleted when the creation
		// itself fails, so a failed first deploy leaves no fixed names behind.
		{name: "production retains its data, except after a failed creation", env: "production",
			deletion: "RetainExceptOnCreate", replace: "Retain", terminationProtected: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN the environment's synthesized template
			s := synth(t, tt.env)
			// THEN the stream, the namespace, every log group and both queues carry the environment's policy
			stateful := map[string]string{
				s.id(s.stack.Stream):                   "stream",
				s.id(s.stack.Warehouse.Namespace):      "namespace",
				s.id(s.stack.Producer.FailureQueue):    "failure queue",
				s.id(s.stack.Schedule.DeadLetterQueue): "dead-letter queue",
				s.id(s.stack.Operations.TopicKey):      "alarm topic key",
			}
			for id := range s.ofType("AWS::Logs::LogGroup") {
				stateful[id] = "log group " + id
			}
			if len(stateful) < 9 {
				t.Fatalf("found %d stateful resources, want the stream, the namespace, the queues, the key and the log groups", len(stateful))
			}
			for id, what := range stateful {
				r := s.resources[id]
				if r["DeletionPolicy"] != tt.deletion || r["UpdateReplacePolicy"] != tt.replace {
					t.Errorf("%s: DeletionPolicy = %v, UpdateReplacePolicy = %v, want %s and %s", what, r["DeletionPolicy"], r["UpdateReplacePolicy"], tt.deletion, tt.replace)
				}
			}
			// AND the workgroup, which holds no data, is always deleted
			if got := s.resource(t, s.stack.Warehouse.Workgroup)["DeletionPolicy"]; got != nil && got != "Delete" {
				t.Errorf("workgroup DeletionPolicy = %v, want Delete", got)
			}
			// AND only the retaining environment needs termination protection switched off to be deleted
			if s.terminationProtection != tt.terminationProtected {
				t.Errorf("termination protection = %t, want %t", s.terminationProtection, tt.terminationProtected)
			}
		})
	}
}

func TestEveryLogGroupHasTheConfiguredRetention(t *testing.T) {
	allEnvs(t, func(t *testing.T, s *synthesis) {
		groups := s.ofType("AWS::Logs::LogGroup")
		if len(groups) == 0 {
			t.Fatal("no log groups")
		}
		for id, r := range groups {
			if got := props(r)["RetentionInDays"]; got != float64(s.env.LogRetentionDays) {
				t.Errorf("%s: RetentionInDays = %v, want %d", id, got, s.env.LogRetentionDays)
			}
		}
	})
}
