package main

import (
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesis"
	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/chatstream/chatstream/infra/config"
	"github.com/chatstream/chatstream/lambda/ddl"
	chatsql "github.com/chatstream/chatstream/sql"
)

// child walks construct ids down from c, failing the test if one is missing.
func child(t *testing.T, c constructs.IConstruct, ids ...string) constructs.IConstruct {
	t.Helper()
	for _, id := range ids {
		next := c.Node().TryFindChild(jsii.String(id))
		if next == nil {
			t.Fatalf("%s has no child %q", *c.Node().Path(), id)
		}
		c = next
	}
	return c
}

func TestIngestionResourceProperties(t *testing.T) {
	tests := []struct {
		name   string
		env    string
		retain string
		mode   string
	}{
		{name: "staging drops the objects on delete and loads on a schedule", env: "staging", retain: "false", mode: "scheduled"},
		{name: "production retains them and loads in realtime", env: "production", retain: "true", mode: "realtime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN the environment's synthesized template
			s := synth(t, tt.env)
			w := s.stack.Warehouse
			// WHEN the DDL's hashes are computed, as the runner does, for the configured stream name
			hashes, err := chatsql.Hash(chatsql.DefaultParams(s.env.Stream.Name))
			if err != nil {
				t.Fatal(err)
			}
			// THEN the custom resource carries exactly the runner's properties: the literal stream
			// name, references to the warehouse and the secret Redshift manages, the environment's
			// retention, those hashes, the mode (which sets the streaming view's AUTO REFRESH) and
			// the Provider's total timeout; no role ARN, as the SQL names IAM_ROLE default
			r := s.resource(t, s.stack.Ingestion.Resource)
			if r["Type"] != IngestionResourceType {
				t.Errorf("Type = %v, want %s", r["Type"], IngestionResourceType)
			}
			want := map[string]any{
				"ServiceToken":   getAtt(s.id(child(t, s.stack.Ingestion.Provider, "framework-onEvent")), "Arn"),
				"WorkgroupName":  getAtt(s.id(w.Workgroup), "Workgroup.WorkgroupName"),
				"Database":       s.env.Warehouse.DatabaseName,
				"SecretArn":      adminSecretArn(s),
				"StreamName":     s.env.Stream.Name,
				"StreamSchema":   "kinesis",
				"Schema":         "chatstream",
				"RetainOnDelete": tt.retain,
				"StreamSqlHash":  hashes.Stream,
				"TableSqlHash":   hashes.Tables,
				"Mode":           tt.mode,
				"TimeoutSeconds": "1800",
			}
			if diff := cmp.Diff(want, props(r)); diff != "" {
				t.Errorf("custom resource properties (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIngestionPropertiesAreAcceptedByTheRunner(t *testing.T) {
	eachEnv(t, func(t *testing.T, s *synthesis) {
		// GIVEN the custom resource's properties, with each reference replaced by a value of the
		// shape CloudFormation resolves it to
		w := s.stack.Warehouse
		serviceToken := getAtt(s.id(child(t, s.stack.Ingestion.Provider, "framework-onEvent")), "Arn")
		resolved := map[string]any{
			text(getAtt(s.id(w.Workgroup), "Workgroup.WorkgroupName")): s.env.Warehouse.WorkgroupName,
			text(adminSecretArn(s)): "arn:aws:secretsmanager:eu-west-1:123456789012:secret:redshift!chatstream-staging-admin-AbCdEf",
			text(serviceToken):      "arn:aws:lambda:eu-west-1:123456789012:function:provider",
		}
		properties := map[string]any{}
		for k, v := range props(s.resource(t, s.stack.Ingestion.Resource)) {
			if _, isString := v.(string); !isString {
				r, ok := resolved[text(v)]
				if !ok {
					t.Fatalf("property %s = %s: no stand-in for this reference", k, text(v))
				}
				v = r
			}
			properties[k] = v
		}
		// WHEN the runner's onEvent handler receives them in a Create request
		// (an Update that changes nothing and a Delete of retained objects: both plan after the
		// same validation, and run nothing, so no Data API is needed)
		h := ddl.NewHandler(redshiftdata.New(redshiftdata.Options{Region: "eu-west-1"}), slog.New(slog.DiscardHandler))
		properties["RetainOnDelete"] = "true"
		physicalID := s.env.Warehouse.WorkgroupName + "/" + s.env.Warehouse.DatabaseName
		for _, request := range []cfn.RequestType{cfn.RequestUpdate, cfn.RequestDelete} {
			got, err := h.OnEvent(t.Context(), ddl.Request{Event: cfn.Event{
				RequestType: request, RequestID: "request", LogicalResourceID: s.id(s.stack.Ingestion.Resource),
				ResourceType: IngestionResourceType, ResourceProperties: properties, OldResourceProperties: properties,
				PhysicalResourceID: physicalID,
			}})
			// THEN it accepts every one of them (it refuses unknown and malformed properties)
			if err != nil {
				t.Fatalf("OnEvent(%s): %v", request, err)
			}
			if got.PhysicalResourceID != physicalID || got.StatementID != "" {
				t.Errorf("OnEvent(%s) = %+v, want physical ID %q and nothing submitted", request, got, physicalID)
			}
		}
	})
}

func TestIngestionWaitsForTheWarehouse(t *testing.T) {
	allEnvs(t, func(t *testing.T, s *synthesis) {
		// GIVEN the custom resource
		w := s.stack.Warehouse
		deps, _ := s.resource(t, s.stack.Ingestion.Resource)["DependsOn"].([]any)
		// THEN CloudFormation creates it only after the workgroup, and after the namespace with
		// the streaming role (and the role's policy) as default: CREATE EXTERNAL SCHEMA needs both
		want := []any{
			s.id(w.Namespace),
			s.id(w.Workgroup),
			s.id(w.StreamingRole),
			s.id(defaultPolicy(w.StreamingRole)),
		}
		if diff := cmp.Diff(want, deps, cmpSortBy(text)); diff != "" {
			t.Errorf("DependsOn (-want +got):\n%s", diff)
		}
	})
}

func TestIngestionFunctions(t *testing.T) {
	tests := []struct {
		name     string
		fn       func(*Ingestion) constructs.IConstruct
		logGroup string
		handler  string
		timeout  float64
		suffix   string
	}{
		{name: "onEvent", fn: func(i *Ingestion) constructs.IConstruct { return i.OnEvent }, logGroup: "OnEventLogGroup",
			handler: "onEvent", timeout: 120, suffix: "-ddl-on-event"},
		{name: "isComplete", fn: func(i *Ingestion) constructs.IConstruct { return i.IsComplete }, logGroup: "IsCompleteLogGroup",
			handler: "isComplete", timeout: 60, suffix: "-ddl-is-complete"},
	}
	eachEnv(t, func(t *testing.T, s *synthesis) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				// GIVEN one of the two sqlrunner functions
				fn := tt.fn(s.stack.Ingestion)
				got := props(s.resource(t, fn))
				name := s.env.StackName() + tt.suffix
				logGroup := child(t, s.stack.Ingestion, tt.logGroup)
				// THEN the Handler setting selects the ddl handler inside the one arm64 binary, and it
				// logs JSON to /aws/lambda/<its name>, the group the framework's failure reason names
				want := map[string]any{
					"FunctionName":  name,
					"Runtime":       "provided.al2023",
					"Architectures": []any{"arm64"},
					"Handler":       tt.handler,
					"Timeout":       tt.timeout,
					"MemorySize":    float64(128),
					"LoggingConfig": map[string]any{"LogFormat": "JSON", "LogGroup": ref(s.id(logGroup))},
				}
				for key, v := range want {
					if diff := cmp.Diff(v, got[key]); diff != "" {
						t.Errorf("%s (-want +got):\n%s", key, diff)
					}
				}
				if got := props(s.resource(t, logGroup))["LogGroupName"]; got != "/aws/lambda/"+name {
					t.Errorf("log group name = %v, want /aws/lambda/%s", got, name)
				}
				// AND it needs no environment: everything comes in the request's properties
				if got["Environment"] != nil {
					t.Errorf("Environment = %v, want none", got["Environment"])
				}
				// AND its log group is kept or deleted with the environment's data
				wantPolicy := map[bool]string{true: "RetainExceptOnCreate", false: "Delete"}[s.env.Retain()]
				if got := s.resource(t, logGroup)["DeletionPolicy"]; got != wantPolicy {
					t.Errorf("log group DeletionPolicy = %v, want %s", got, wantPolicy)
				}
			})
		}
		// AND both run the same asset, which is the sqlrunner built for linux/arm64
		onEvent, isComplete := props(s.resource(t, s.stack.Ingestion.OnEvent)), props(s.resource(t, s.stack.Ingestion.IsComplete))
		if diff := cmp.Diff(onEvent["Code"], isComplete["Code"]); diff != "" {
			t.Errorf("the handlers run different code (-onEvent +isComplete):\n%s", diff)
		}
		if cmp.Equal(onEvent["Code"], props(s.resource(t, s.stack.Producer.Function))["Code"]) {
			t.Error("the handlers run the producer's code")
		}
		// The cloud assembly stages an asset in asset.<hash>, the name of its S3 object without .zip.
		key, _ := onEvent["Code"].(map[string]any)["S3Key"].(string)
		bootstrap := filepath.Join(filepath.Dir(s.path), "asset."+strings.TrimSuffix(key, ".zip"), "bootstrap")
		info, err := buildinfo.ReadFile(bootstrap)
		if err != nil {
			t.Fatalf("read build info of the bundled bootstrap: %v", err)
		}
		if want := "github.com/chatstream/chatstream/lambda/sqlrunner"; info.Path != want {
			t.Errorf("bundled bootstrap is %s, want %s", info.Path, want)
		}
		bin, err := elf.Open(bootstrap)
		if err != nil {
			t.Fatal(err)
		}
		defer bin.Close()
		if bin.Machine != elf.EM_AARCH64 {
			t.Errorf("bundled bootstrap is for %s, want EM_AARCH64", bin.Machine)
		}
	})
}

func TestIngestionRolesMayOnlySubmitFollowAndCancelTheirStatements(t *testing.T) {
	allEnvs(t, func(t *testing.T, s *synthesis) {
		w := s.stack.Warehouse
		i := s.stack.Ingestion
		onEventRole, isCompleteRole := s.id(i.OnEvent.Role()), s.id(i.IsComplete.Role())
		// GIVEN the two sqlrunner functions' roles
		// THEN no managed policy is attached to either
		for _, role := range []string{onEventRole, isCompleteRole} {
			if got := props(s.resources[role])["ManagedPolicyArns"]; got != nil {
				t.Errorf("%s: ManagedPolicyArns = %v, want none", role, got)
			}
		}
		// AND onEvent may write its logs, submit a batch on this workgroup and read the admin secret
		want := []any{
			statement([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, getAtt(s.id(child(t, i, "OnEventLogGroup")), "Arn")),
			statement([]string{"redshift-data:BatchExecuteStatement"}, getAtt(s.id(w.Workgroup), "Workgroup.WorkgroupArn")),
			statement([]string{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"}, adminSecretArn(s)),
		}
		if diff := cmp.Diff(want, policyStatementsOf(t, s, onEventRole), cmpSortBy(text)); diff != "" {
			t.Errorf("onEvent policy statements (-want +got):\n%s", diff)
		}
		// AND isComplete may write its logs, and describe and cancel only statements onEvent's role submitted
		follow := statement([]string{"redshift-data:CancelStatement", "redshift-data:DescribeStatement"}, "*")
		follow["Condition"] = map[string]any{"StringLike": map[string]any{"redshift-data:statement-owner-iam-userid": map[string]any{
			"Fn::Join": []any{"", []any{getAtt(onEventRole, "RoleId"), ":*"}},
		}}}
		want = []any{
			statement([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, getAtt(s.id(child(t, i, "IsCompleteLogGroup")), "Arn")),
			follow,
		}
		if diff := cmp.Diff(want, policyStatementsOf(t, s, isCompleteRole), cmpSortBy(text)); diff != "" {
			t.Errorf("isComplete policy statements (-want +got):\n%s", diff)
		}
		// AND no other policy in the stack allows any Data API or Secrets Manager action but the
		// loader's and the analysts', which their own tests hold to their exact statements
		mine := []string{s.id(defaultPolicy(i.OnEvent.Role())), s.id(defaultPolicy(i.IsComplete.Role())),
			s.id(defaultPolicy(s.stack.Loader.Role)), s.id(defaultPolicy(s.stack.Analyst.Role))}
		for id, r := range s.ofType("AWS::IAM::Policy") {
			if slices.Contains(mine, id) {
				continue
			}
			for _, st := range props(r)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				action := text(st.(map[string]any)["Action"])
				if strings.Contains(action, "redshift-data:") || strings.Contains(action, "secretsmanager:") {
					t.Errorf("policy %s also allows %s", id, action)
				}
			}
		}
	})
}

func TestIngestionProviderPollsEveryTenSecondsForThirtyMinutes(t *testing.T) {
	eachEnv(t, func(t *testing.T, s *synthesis) {
		provider := s.stack.Ingestion.Provider
		frameworkIsComplete := s.id(child(t, provider, "framework-isComplete"))
		// GIVEN the waiter state machine that the framework's onEvent starts
		machine := props(s.resource(t, child(t, provider, "waiter-state-machine", "Resource")))
		definition := stateMachineDefinition(t, machine["DefinitionString"])
		// THEN it calls the framework's isComplete, retrying every 10 s without backoff, 180 times:
		// the 30-minute total timeout, after which onTimeout fails the resource
		type retry struct {
			ErrorEquals     []string
			IntervalSeconds float64
			MaxAttempts     float64
			BackoffRate     float64
		}
		var task struct {
			Resource string
			Retry    []retry
			Catch    []struct{ Next string }
		}
		if definition.StartAt != "framework-isComplete-task" {
			t.Errorf("StartAt = %q, want framework-isComplete-task", definition.StartAt)
		}
		if err := json.Unmarshal(definition.States["framework-isComplete-task"], &task); err != nil {
			t.Fatalf("isComplete task: %v", err)
		}
		if task.Resource != frameworkIsComplete {
			t.Errorf("task resource = %s, want the framework's isComplete %s", task.Resource, frameworkIsComplete)
		}
		want := []retry{{ErrorEquals: []string{"States.ALL"}, IntervalSeconds: 10, MaxAttempts: 180, BackoffRate: 1}}
		if diff := cmp.Diff(want, task.Retry); diff != "" {
			t.Errorf("retry policy (-want +got):\n%s", diff)
		}
		if len(task.Catch) != 1 || task.Catch[0].Next != "framework-onTimeout-task" {
			t.Errorf("catch = %+v, want framework-onTimeout-task", task.Catch)
		}
		// AND the framework functions call our two handlers and start this state machine
		handlers := map[string]any{
			"USER_ON_EVENT_FUNCTION_ARN":    getAtt(s.id(s.stack.Ingestion.OnEvent), "Arn"),
			"USER_IS_COMPLETE_FUNCTION_ARN": getAtt(s.id(s.stack.Ingestion.IsComplete), "Arn"),
		}
		onEventEnv := map[string]any{"WAITER_STATE_MACHINE_ARN": ref(s.id(child(t, provider, "waiter-state-machine", "Resource")))}
		for k, v := range handlers {
			onEventEnv[k] = v
		}
		for name, want := range map[string]map[string]any{"onEvent": onEventEnv, "isComplete": handlers, "onTimeout": handlers} {
			fn := props(s.resource(t, child(t, provider, "framework-"+name)))
			env, _ := fn["Environment"].(map[string]any)
			if diff := cmp.Diff(want, env["Variables"]); diff != "" {
				t.Errorf("framework %s environment (-want +got):\n%s", name, diff)
			}
		}
	})
}

// stateMachine is the part of an Amazon States Language definition the tests read.
type stateMachine struct {
	StartAt string
	States  map[string]json.RawMessage
}

// stateMachineDefinition parses a DefinitionString that CDK renders as an Fn::Join, putting each
// referenced resource's logical id where its ARN goes.
func stateMachineDefinition(t *testing.T, v any) stateMachine {
	t.Helper()
	join, ok := v.(map[string]any)["Fn::Join"].([]any)
	if !ok {
		t.Fatalf("DefinitionString = %s, want an Fn::Join", text(v))
	}
	var b strings.Builder
	for _, part := range join[1].([]any) {
		switch p := part.(type) {
		case string:
			b.WriteString(p)
		case map[string]any:
			b.WriteString(p["Fn::GetAtt"].([]any)[0].(string))
		}
	}
	var definition stateMachine
	if err := json.Unmarshal([]byte(b.String()), &definition); err != nil {
		t.Fatalf("parse state machine definition %s: %v", b.String(), err)
	}
	return definition
}

func TestIngestionProviderFrameworkLogsToItsOwnGroupWithoutManagedPolicies(t *testing.T) {
	eachEnv(t, func(t *testing.T, s *synthesis) {
		i := s.stack.Ingestion
		logGroup := s.id(child(t, i, "ProviderLogGroup"))
		for _, name := range []string{"onEvent", "isComplete", "onTimeout"} {
			// GIVEN each function of the Provider framework
			fn := props(s.resource(t, child(t, i.Provider, "framework-"+name)))
			// THEN it logs JSON to the framework's log group, which has the configured retention
			want := map[string]any{"LogFormat": "JSON", "LogGroup": ref(logGroup), "ApplicationLogLevel": "FATAL"}
			if diff := cmp.Diff(want, fn["LoggingConfig"]); diff != "" {
				t.Errorf("framework %s LoggingConfig (-want +got):\n%s", name, diff)
			}
			// AND its role is one of ours, without AWSLambdaBasicExecutionRole
			role, _ := fn["Role"].(map[string]any)["Fn::GetAtt"].([]any)
			if len(role) == 0 || props(s.resources[role[0].(string)])["ManagedPolicyArns"] != nil {
				t.Errorf("framework %s role %v has managed policies, want none", name, role)
			}
		}
	})
}

func TestNewIngestionRefusesAStreamNameTheDDLCannotQuote(t *testing.T) {
	// GIVEN a warehouse in a stack of its own
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("ingestion"), nil)
	stream := awskinesis.NewStream(stack, jsii.String("Stream"), nil)
	env := config.Defaults("ingestion")
	network := NewNetwork(stack, "Network", &NetworkProps{Settings: env.Network, Stream: stream, LogRetentionDays: 30})
	w := NewWarehouse(stack, "Warehouse", &WarehouseProps{Settings: env.Warehouse, Network: network, Stream: stream, LogRetentionDays: 30})
	// WHEN the ingestion is given a stream name that Redshift would fold to lower case
	_, err := NewIngestion(stack, "Ingestion", &IngestionProps{Warehouse: w, StreamName: "Chat-Events", LogRetentionDays: 30})
	// THEN it fails, naming the stream, before defining anything
	if err == nil || !strings.Contains(err.Error(), `"Chat-Events"`) {
		t.Errorf("NewIngestion error = %v, want one naming the stream \"Chat-Events\"", err)
	}
	if stack.Node().TryFindChild(jsii.String("Ingestion")) != nil {
		t.Error("the failed NewIngestion left an Ingestion construct in the stack")
	}
}
