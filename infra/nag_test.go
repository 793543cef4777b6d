package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"
)

func TestNoUnsuppressedFindings(t *testing.T) {
	allEnvs(t, func(t *testing.T, s *synthesis) {
		// GIVEN the AwsSolutions checks the stack applies to itself
		// THEN cdk-nag actually ran: its report lists rules it evaluated on this stack
		reports, err := filepath.Glob(filepath.Join(filepath.Dir(s.path), "AwsSolutions-*"+s.env.StackName()+"-NagReport.csv"))
		if err != nil || len(reports) != 1 {
			t.Fatalf("cdk-nag reports %v (%v), want one", reports, err)
		}
		report, err := os.ReadFile(reports[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, rule := range []string{`"AwsSolutions-KDS1"`, `"AwsSolutions-IAM5"`, `"AwsSolutions-SQS4"`, `"AwsSolutions-SNS3"`, `"AwsSolutions-KMS5"`, `"AwsSolutions-L1"`} {
			if !strings.Contains(string(report), rule) {
				t.Errorf("cdk-nag report does not mention %s: the checks did not run", rule)
			}
		}
		// AND synthesis produced no error and no warning, from cdk-nag or from CDK itself
		for _, m := range s.messages {
			if m.level == "error" || m.level == "warning" {
				t.Errorf("%s at %s: %s", m.level, m.path, m.text)
			}
		}
	})
}

func TestEverySuppressionIsSpecificAndExplained(t *testing.T) {
	allEnvs(t, func(t *testing.T, s *synthesis) {
		// GIVEN the template's cdk-nag suppressions
		var template map[string]any
		if err := json.Unmarshal([]byte(s.raw), &template); err != nil {
			t.Fatal(err)
		}
		// THEN none is stack-wide
		if meta, _ := template["Metadata"].(map[string]any); meta["cdk_nag"] != nil {
			t.Errorf("stack-level suppressions %v, want only resource-level ones", meta["cdk_nag"])
		}
		var got []string
		for id, r := range s.resources {
			meta, _ := r["Metadata"].(map[string]any)
			nag, _ := meta["cdk_nag"].(map[string]any)
			rules, _ := nag["rules_to_suppress"].([]any)
			for _, rule := range rules {
				rule := rule.(map[string]any)
				// AND each carries a reason a reviewer can check
				if reason, _ := rule["reason"].(string); len(reason) < 40 {
					t.Errorf("%s: suppression of %v has reason %q, want a real explanation", id, rule["id"], reason)
				}
				// AND IAM wildcard suppressions name the exact wildcard they accept
				if rule["id"] == "AwsSolutions-IAM5" && rule["applies_to"] == nil {
					t.Errorf("%s: AwsSolutions-IAM5 suppressed without applies_to", id)
				}
				got = append(got, rule["id"].(string)+" "+id)
			}
		}
		// AND the suppressions are exactly the reviewed ones
		policy := func(c constructs.IConstruct) string { return s.id(c.Node().FindChild(jsii.String("DefaultPolicy"))) }
		ingestion := s.stack.Ingestion
		waiter := ingestion.Provider.Node().FindChild(jsii.String("waiter-state-machine"))
		want := []string{
			"AwsSolutions-IAM5 " + s.id(s.stack.Schedule.Role),
			"AwsSolutions-IAM5 " + policy(s.stack.Schedule.Role),
			"AwsSolutions-IAM5 " + s.id(s.stack.Warehouse.StreamingRole),
			"AwsSolutions-IAM5 " + policy(s.stack.Warehouse.StreamingRole),
			"AwsSolutions-SQS3 " + s.id(s.stack.Producer.FailureQueue),
			"AwsSolutions-SQS3 " + s.id(s.stack.Schedule.DeadLetterQueue),
			"AwsSolutions-IAM5 " + policy(s.stack.Ingestion.IsComplete.Role()),
			"AwsSolutions-IAM5 " + policy(ingestion.Node().FindChild(jsii.String("ProviderOnEventRole"))),
			"AwsSolutions-IAM5 " + policy(ingestion.Node().FindChild(jsii.String("ProviderIsCompleteRole"))),
			"AwsSolutions-IAM5 " + policy(waiter.Node().FindChild(jsii.String("Role"))),
			"AwsSolutions-SF1 " + s.id(waiter.Node().FindChild(jsii.String("Resource"))),
			"AwsSolutions-SF2 " + s.id(waiter.Node().FindChild(jsii.String("Resource"))),
			// The loader's and the analysts' Resource * for the Data API's statement actions, which
			// have no resource type and are held to the caller's own statements by a condition.
			"AwsSolutions-IAM5 " + policy(s.stack.Loader.Role),
			"AwsSolutions-IAM5 " + policy(s.stack.Analyst.Role),
			// The loader schedule's role: grantInvoke's "<function ARN>:*"; its dead-letter queue.
			"AwsSolutions-IAM5 " + s.id(s.stack.Loader.Schedule.Role),
			"AwsSolutions-IAM5 " + policy(s.stack.Loader.Schedule.Role),
			"AwsSolutions-SQS3 " + s.id(s.stack.Loader.Schedule.DeadLetterQueue),
			// The usage-limit actions, which have no resource type.
			"AwsSolutions-IAM5 " + s.id(s.stack.UsageLimit.Node().FindChild(jsii.String("CustomResourcePolicy"))),
		}
		if s.env.Producer.Tracing {
			role := s.stack.Producer.Function.Role()
			want = append(want, "AwsSolutions-IAM5 "+s.id(role), "AwsSolutions-IAM5 "+policy(role))
		}
		slices.Sort(want)
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("suppressions (-want +got):\n%s", diff)
		}
	})
}
