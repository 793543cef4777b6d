package main

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOutputs(t *testing.T) {
	eachEnv(t, func(t *testing.T, s *synthesis) {
		// GIVEN the stack outputs, which make query, the smoke test and people read
		outputs := s.outputs
		value := func(id string) any { return outputs[id].(map[string]any)["Value"] }
		w := s.stack.Warehouse
		// THEN the contract's outputs exist under their exact ids and point at the right resources
		want := map[string]any{
			"StreamName":           ref(s.id(s.stack.Stream)),
			"StreamArn":            getAtt(s.id(s.stack.Stream), "Arn"),
			"ProducerFunctionName": ref(s.id(s.stack.Producer.Function)),
			"ScheduleName":         ref(s.id(s.stack.Schedule.Schedule)),
			"NamespaceName":        getAtt(s.id(w.Namespace), "Namespace.NamespaceName"),
			"WorkgroupName":        getAtt(s.id(w.Workgroup), "Workgroup.WorkgroupName"),
			"WorkgroupEndpoint":    getAtt(s.id(w.Workgroup), "Workgroup.Endpoint.Address"),
			"DatabaseName":         s.env.Warehouse.DatabaseName,
			"AdminSecretArn":       adminSecretArn(s),
			"AlarmTopicArn":        ref(s.id(s.stack.Operations.Topic)),
			"StreamingRoleArn":     getAtt(s.id(w.StreamingRole), "Arn"),
			"EventsTable":          getAtt(s.id(s.stack.Ingestion.Resource), "EventsTable"),
			"LoaderFunctionName":   ref(s.id(s.stack.Loader.Function)),
			"LoadMode":             string(s.env.Load.Mode),
			"LoadIntervalMinutes":  strconv.Itoa(s.env.Load.IntervalMinutes),
			"AnalystRoleArn":       getAtt(s.id(s.stack.Analyst.Role), "Arn"),
		}
		for id, v := range want {
			if _, ok := outputs[id]; !ok {
				t.Errorf("output %s is missing", id)
				continue
			}
			if diff := cmp.Diff(v, value(id)); diff != "" {
				t.Errorf("output %s (-want +got):\n%s", id, diff)
			}
		}
		// AND the ready-to-paste commands name the deployed resources
		commands := map[string][]string{
			"InvokeProducerCommand": {"aws lambda invoke", "--function-name ${Function}", `--payload '{"count":100,"rate":0}'`},
			"QueryEditorUrl":        {"https://${AWS::Region}.console.aws.amazon.com/sqlworkbench/"},
			"DataApiQueryCommand": {"aws sts assume-role --role-arn ${Role}", "aws redshift-data execute-statement", "--workgroup-name ${Workgroup}",
				"--database ${Database}", "FROM ${Table} WHERE event_time >= DATEADD(hour, -1, GETDATE()) GROUP BY", "aws redshift-data get-statement-result"},
			"DashboardUrl": {"#dashboards:name=${Name}"},
		}
		for id, fragments := range commands {
			sub, ok := value(id).(map[string]any)["Fn::Sub"]
			if !ok {
				t.Errorf("output %s = %v, want an Fn::Sub", id, value(id))
				continue
			}
			text, _ := sub.(string)
			if list, ok := sub.([]any); ok {
				text = list[0].(string)
			}
			for _, f := range fragments {
				if !strings.Contains(text, f) {
					t.Errorf("output %s = %q, want it to contain %q", id, text, f)
				}
			}
			// AND none signs in with the admin secret: that is for the DDL runner and the loader
			if strings.Contains(text, "secret") {
				t.Errorf("output %s = %q names a secret", id, text)
			}
		}
		// AND nothing else is published, so every output stays deliberate
		var got []string
		for id := range outputs {
			got = append(got, id)
		}
		slices.Sort(got)
		wantIDs := []string{"AdminSecretArn", "AlarmTopicArn", "AnalystRoleArn", "DashboardUrl", "DataApiQueryCommand", "DatabaseName", "EventsTable",
			"InvokeProducerCommand", "LoadIntervalMinutes", "LoadMode", "LoaderFunctionName", "NamespaceName",
			"ProducerFunctionName", "QueryEditorUrl", "ScheduleName", "StreamArn", "StreamName", "StreamingRoleArn", "WorkgroupEndpoint", "WorkgroupName"}
		if diff := cmp.Diff(wantIDs, got); diff != "" {
			t.Errorf("output ids (-want +got):\n%s", diff)
		}
	})
}

func TestCommandOutputsSubstituteTheRightResources(t *testing.T) {
	s := synth(t, "staging")
	outputs := s.outputs
	vars := func(id string) any {
		return outputs[id].(map[string]any)["Value"].(map[string]any)["Fn::Sub"].([]any)[1]
	}
	w := s.stack.Warehouse
	if diff := cmp.Diff(map[string]any{"Function": ref(s.id(s.stack.Producer.Function))}, vars("InvokeProducerCommand")); diff != "" {
		t.Errorf("InvokeProducerCommand variables (-want +got):\n%s", diff)
	}
	want := map[string]any{
		"Role":      getAtt(s.id(s.stack.Analyst.Role), "Arn"),
		"Workgroup": getAtt(s.id(w.Workgroup), "Workgroup.WorkgroupName"),
		"Database":  s.env.Warehouse.DatabaseName,
		"Table":     getAtt(s.id(s.stack.Ingestion.Resource), "EventsTable"),
	}
	if diff := cmp.Diff(want, vars("DataApiQueryCommand")); diff != "" {
		t.Errorf("DataApiQueryCommand variables (-want +got):\n%s", diff)
	}
}
