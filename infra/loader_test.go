package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/chatstream/chatstream/lambda/load"
	chatsql "github.com/chatstream/chatstream/sql"
)

// ownStatements is the statement that lets a role follow, read and cancel only the Data API
// statements it submitted itself.
func ownStatements() map[string]any {
	st := statement([]string{"redshift-data:CancelStatement", "redshift-data:DescribeStatement", "redshift-data:GetStatementResult"}, "*")
	st["Condition"] = map[string]any{"StringEquals": map[string]any{"redshift-data:statement-owner-iam-userid": "${aws:userid}"}}
	return st
}

func TestLoaderFunctionRunsTheModesLoad(t *testing.T) {
	eachEnv(t, func(t *testing.T, s *synthesis) {
		// GIVEN the loader function
		fn := props(s.resource(t, s.stack.Loader.Function))
		w := s.stack.Warehouse
		// THEN it is a small arm64 function whose timeout fits the mode's load
		timeout := map[chatsql.Mode]float64{chatsql.Realtime: 120, chatsql.Scheduled: 300}[s.env.Load.Mode]
		if fn["Runtime"] != "provided.al2023" || !cmp.Equal(fn["Architectures"], []any{"arm64"}) || fn["MemorySize"] != 128.0 || fn["Timeout"] != timeout {
			t.Errorf("loader = %s %v, %v MB, %v s; want provided.al2023 arm64, 128 MB, %v s", fn["Runtime"], fn["Architectures"], fn["MemorySize"], fn["Timeout"], timeout)
		}
		// AND its environment names the workgroup, the database, the admin secret and the mode
		env := fn["Environment"].(map[string]any)["Variables"].(map[string]any)
		want := map[string]any{
			"WORKGROUP_NAME":   getAtt(s.id(w.Workgroup), "Workgroup.WorkgroupName"),
			"DATABASE_NAME":    s.env.Warehouse.DatabaseName,
			"ADMIN_SECRET_ARN": adminSecretArn(s),
			"SCHEMA_NAME":      "chatstream",
			"LOAD_MODE":        string(s.env.Load.Mode),
		}
		if diff := cmp.Diff(want, env); diff != "" {
			t.Fatalf("loader environment (-want +got):\n%s", diff)
		}
		// AND, its references resolved to values of the shape CloudFormation gives them, the
		// loader's own start-up check accepts it
		resolved := map[string]string{}
		for k, v := range env {
			resolved[k], _ = v.(string)
		}
		resolved["WORKGROUP_NAME"] = s.env.Warehouse.WorkgroupName
		resolved["ADMIN_SECRET_ARN"] = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:redshift!" + s.env.Warehouse.NamespaceName + "-admin-AbCdEf"
		cfg, err := load.LoadConfig(func(k string) (string, bool) { v, ok := resolved[k]; return v, ok })
		if err != nil || cfg.Params.Mode != s.env.Load.Mode {
			t.Errorf("load.LoadConfig(the stack's environment) = %+v, %v; want it accepted, mode %s", cfg, err, s.env.Load.Mode)
		}
	})
}

func TestLoaderRoleMayOnlyRunLoads(t *testing.T) {
	eachEnv(t, func(t *testing.T, s *synthesis) {
		role := s.id(s.stack.Loader.Role)
		// GIVEN the loader's role
		// THEN no managed policy is attached
		if got := props(s.resources[role])["ManagedPolicyArns"]; got != nil {
			t.Errorf("ManagedPolicyArns = %v, want none", got)
		}
		// AND it may write its logs, run statements and batches on this workgroup, follow, read and
		// cancel only its own statements, and read the admin secret's value: nothing else (no
		// GetCredentials, no DescribeSecret)
		want := []any{
			statement([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, getAtt(s.id(s.stack.Loader.LogGroup), "Arn")),
			statement([]string{"redshift-data:BatchExecuteStatement", "redshift-data:ExecuteStatement"}, getAtt(s.id(s.stack.Warehouse.Workgroup), "Workgroup.WorkgroupArn")),
			ownStatements(),
			statement([]string{"secretsmanager:GetSecretValue"}, adminSecretArn(s)),
		}
		if diff := cmp.Diff(want, policyStatementsOf(t, s, role), cmpSortBy(text)); diff != "" {
			t.Errorf("loader policy statements (-want +got):\n%s", diff)
		}
	})
}

func TestLoaderScheduleFollowsTheMode(t *testing.T) {
	eachEnv(t, func(t *testing.T, s *synthesis) {
		l := s.env.Load
		// GIVEN the loader's schedule
		r := s.resource(t, s.stack.Loader.Schedule.Schedule)
		// THEN it sends {} to the loader every minute in realtime mode, every interval in
		// scheduled mode, retries what Lambda refuses and dead-letters what still fails
		expression := map[string]string{"staging": "rate(15 minutes)", "production": "rate(1 minute)"}[s.env.Name]
		want := map[string]any{
			"Description":                "Invokes the chatstream loader",
			"ScheduleExpression":         expression,
			"ScheduleExpressionTimezone": "Etc/UTC",
			"State":                      "ENABLED",
			"FlexibleTimeWindow":         map[string]any{"Mode": "OFF"},
			"Target": map[string]any{
				"Arn":     getAtt(s.id(s.stack.Loader.Function), "Arn"),
				"RoleArn": getAtt(s.id(s.stack.Loader.Schedule.Role), "Arn"),
				"Input":   "{}",
				"RetryPolicy": map[string]any{
					"MaximumRetryAttempts":     float64(l.MaxRetryAttempts),
					"MaximumEventAgeInSeconds": float64(l.MaxEventAgeSeconds),
				},
				"DeadLetterConfig": map[string]any{"Arn": getAtt(s.id(s.stack.Loader.Schedule.DeadLetterQueue), "Arn")},
			},
		}
		if diff := cmp.Diff(want, props(r)); diff != "" {
			t.Errorf("loader schedule (-want +got):\n%s", diff)
		}
		// AND its first tick comes after the DDL created the tables
		if deps, _ := r["DependsOn"].([]any); !slices.Contains(deps, any(s.id(s.stack.Ingestion.Resource))) {
			t.Errorf("loader schedule DependsOn = %v, want the DDL resource", deps)
		}
		assertEncryptedTLSOnlyQueue(t, s, s.id(s.stack.Loader.Schedule.DeadLetterQueue))
		// AND Lambda does not retry a failed load: the next tick completes it
		for _, c := range s.ofType("AWS::Lambda::EventInvokeConfig") {
			if cmp.Equal(props(c)["FunctionName"], ref(s.id(s.stack.Loader.Function))) && props(c)["MaximumRetryAttempts"] != 0.0 {
				t.Errorf("loader MaximumRetryAttempts = %v, want 0", props(c)["MaximumRetryAttempts"])
			}
		}
	})
}

func TestModeSetsAutoRefreshThroughTheDDLResource(t *testing.T) {
	eachEnv(t, func(t *testing.T, s *synthesis) {
		// GIVEN the DDL resource's Mode property, as the runner reads it
		mode, err := chatsql.ParseMode(text(props(s.resource(t, s.stack.Ingestion.Resource))["Mode"]))
		if err != nil {
			t.Fatal(err)
		}
		// WHEN the runner renders the streaming view for it
		p := chatsql.DefaultParams(s.env.Stream.Name)
		p.Mode = mode
		stmts, err := chatsql.Apply(p)
		if err != nil {
			t.Fatal(err)
		}
		// THEN the view refreshes on its own in realtime mode, and only when the loader refreshes
		// it in scheduled mode
		want := map[string]string{"staging": "AUTO REFRESH NO", "production": "AUTO REFRESH YES"}[s.env.Name]
		i := slices.IndexFunc(stmts, func(st chatsql.Statement) bool { return st.Name == "create_stream_view" })
		if i < 0 || !strings.Contains(stmts[i].SQL, want) {
			t.Errorf("%s: create_stream_view does not say %s", s.env.Name, want)
		}
	})
}

func TestAnalystRoleSignsInReadOnlyWithoutTheSecret(t *testing.T) {
	allEnvs(t, func(t *testing.T, s *synthesis) {
		a := s.stack.Analyst
		role := s.resource(t, a.Role)
		// GIVEN the analysts' role
		// THEN principals of this account (those their own policies allow) may assume it
		account := []any{"arn:", ref("AWS::Partition"), ":iam::", ref("AWS::AccountId"), ":root"}
		if s.env.Region != "" {
			account = []any{"arn:aws:iam::", ref("AWS::AccountId"), ":root"}
		}
		wantTrust := map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Action":    "sts:AssumeRole",
				"Effect":    "Allow",
				"Principal": map[string]any{"AWS": map[string]any{"Fn::Join": []any{"", account}}},
			}},
		}
		if diff := cmp.Diff(wantTrust, props(role)["AssumeRolePolicyDocument"]); diff != "" {
			t.Errorf("trust policy (-want +got):\n%s", diff)
		}
		// AND its tag RedshiftDbRoles makes Redshift grant the database role chatstream_analyst
		tags, _ := props(role)["Tags"].([]any)
		if !slices.ContainsFunc(tags, func(tag any) bool {
			return cmp.Equal(tag, map[string]any{"Key": "RedshiftDbRoles", "Value": chatsql.AnalystRole})
		}) {
			t.Errorf("analyst role tags = %v, want RedshiftDbRoles = %s", tags, chatsql.AnalystRole)
		}
		// AND it may get credentials on this workgroup, run statements there, and follow, read and
		// cancel its own: nothing else, no managed policy
		want := []any{
			statement([]string{"redshift-data:ExecuteStatement", "redshift-serverless:GetCredentials"}, getAtt(s.id(s.stack.Warehouse.Workgroup), "Workgroup.WorkgroupArn")),
			ownStatements(),
		}
		if diff := cmp.Diff(want, policyStatementsOf(t, s, s.id(a.Role)), cmpSortBy(text)); diff != "" {
			t.Errorf("analyst policy statements (-want +got):\n%s", diff)
		}
		if got := props(role)["ManagedPolicyArns"]; got != nil {
			t.Errorf("ManagedPolicyArns = %v, want none", got)
		}
		// AND nothing the role is given reaches a secret: no secretsmanager action, and no policy
		// of the stack names the role next to the admin secret
		for id, p := range s.ofType("AWS::IAM::Policy") {
			roles, _ := json.Marshal(props(p)["Roles"])
			doc, _ := json.Marshal(props(p)["PolicyDocument"])
			if strings.Contains(string(roles), s.id(a.Role)) && strings.Contains(string(doc), "secretsmanager:") {
				t.Errorf("policy %s gives the analyst role %s", id, doc)
			}
		}
	})
}

func TestUsageLimitCapsRPUHours(t *testing.T) {
	allEnvs(t, func(t *testing.T, s *synthesis) {
		u := s.env.Warehouse.UsageLimit
		// GIVEN the usage limit's custom resource
		resource := s.stack.UsageLimit.Node().FindChild(jsii.String("Resource"))
		r := s.resource(t, resource)
		if r["Type"] != UsageLimitResourceType {
			t.Errorf("Type = %v, want %s", r["Type"], UsageLimitResourceType)
		}
		// THEN it creates a serverless-compute limit on the workgroup with the configured amount,
		// period and breach action, and keeps its id as the physical id
		id := map[string]any{"responsePath": "usageLimit.usageLimitId"}
		workgroupArn := "${Token[TOKEN.Workgroup]}"
		calls := map[string]map[string]any{
			"Create": {
				"service": "@aws-sdk/client-redshift-serverless", "action": "CreateUsageLimitCommand",
				"parameters": map[string]any{
					"resourceArn": workgroupArn, "usageType": "serverless-compute",
					"amount": float64(u.RpuHours), "period": u.Period, "breachAction": u.BreachAction,
				},
				"physicalResourceId": id, "outputPaths": []any{"usageLimit.usageLimitId"},
			},
			// AND an update changes only what UpdateUsageLimit can: the amount and the breach action
			"Update": {
				"service": "@aws-sdk/client-redshift-serverless", "action": "UpdateUsageLimitCommand",
				"parameters":         map[string]any{"usageLimitId": "PHYSICAL:RESOURCEID:", "amount": float64(u.RpuHours), "breachAction": u.BreachAction},
				"physicalResourceId": id, "outputPaths": []any{"usageLimit.usageLimitId"},
			},
			// AND a delete removes it, done already if someone deleted it by hand
			"Delete": {
				"service": "@aws-sdk/client-redshift-serverless", "action": "DeleteUsageLimitCommand",
				"parameters":               map[string]any{"usageLimitId": "PHYSICAL:RESOURCEID:"},
				"ignoreErrorCodesMatching": "ResourceNotFoundException",
			},
		}
		for key, want := range calls {
			got := decodeSdkCall(t, props(r)[key], workgroupArn, getAtt(s.id(s.stack.Warehouse.Workgroup), "Workgroup.WorkgroupArn"))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s call (-want +got):\n%s", key, diff)
			}
		}
		// AND a new period is a new resource, since UpdateUsageLimit cannot change it
		if !strings.HasPrefix(s.id(resource), "UsageLimit"+u.Period) {
			t.Errorf("usage limit logical id %s, want it to name the period %s", s.id(resource), u.Period)
		}
		// AND it waits for the workgroup
		if deps, _ := r["DependsOn"].([]any); !slices.Contains(deps, any(s.id(s.stack.Warehouse.Workgroup))) {
			t.Errorf("usage limit DependsOn = %v, want the workgroup", deps)
		}
	})
}

// decodeSdkCall reads an AwsCustomResource call property: a JSON string, or an Fn::Join that
// splices references into one. Each reference equal to ref reads as placeholder.
func decodeSdkCall(t *testing.T, v any, placeholder string, reference any) map[string]any {
	t.Helper()
	var b strings.Builder
	if m, isMap := v.(map[string]any); isMap {
		join := m["Fn::Join"]
		for _, part := range join.([]any)[1].([]any) {
			switch {
			case cmp.Equal(part, reference):
				b.WriteString(placeholder)
			default:
				s, ok := part.(string)
				if !ok {
					t.Fatalf("call part %v: want a string or %v", part, reference)
				}
				b.WriteString(s)
			}
		}
	} else {
		b.WriteString(text(v))
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(b.String()), &got); err != nil {
		t.Fatalf("call %s: %v", b.String(), err)
	}
	return got
}
