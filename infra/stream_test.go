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
		name string
		env  string
		want string
	}{
		{name: "staging deletes its data with the stack", env: "staging", want: "Delete"},
		{name: "production retains its data", env: "production", want: "Retain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN the environment's synthesized template
			s := synth(t, tt.env)
			// THEN the stream, the namespace and the admin secret carry the environment's policy
			for what, c := range map[string]string{
				"stream":        s.id(s.stack.Stream),
				"namespace":     s.id(s.stack.Warehouse.Namespace),
				"admin secret":  s.id(s.stack.Warehouse.AdminSecret),
				"producer logs": s.id(s.stack.Producer.LogGroup),
			} {
				r := s.resources[c]
				if r["DeletionPolicy"] != tt.want || r["UpdateReplacePolicy"] != tt.want {
					t.Errorf("%s: DeletionPolicy = %v, UpdateReplacePolicy = %v, want %s", what, r["DeletionPolicy"], r["UpdateReplacePolicy"], tt.want)
				}
			}
			// AND the workgroup, which holds no data, is always deleted
			if got := s.resource(t, s.stack.Warehouse.Workgroup)["DeletionPolicy"]; got != nil && got != "Delete" {
				t.Errorf("workgroup DeletionPolicy = %v, want Delete", got)
			}
			// AND only the retaining environment needs termination protection switched off to be deleted
			if got, want := s.terminationProtection, tt.want == "Retain"; got != want {
				t.Errorf("termination protection = %t, want %t", got, want)
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
