package main

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesis"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/chatstream/chatstream/infra/config"
)

func TestStreamingRoleIsLeastPrivilege(t *testing.T) {
	allEnvs(t, func(t *testing.T, s *synthesis) {
		role := s.id(s.stack.Warehouse.StreamingRole)
		// GIVEN the streaming-ingestion role
		// THEN only Redshift can assume it
		wantTrust := map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Action":    "sts:AssumeRole",
				"Effect":    "Allow",
				"Principal": map[string]any{"Service": "redshift.amazonaws.com"},
			}},
		}
		if diff := cmp.Diff(wantTrust, props(s.resources[role])["AssumeRolePolicyDocument"]); diff != "" {
			t.Errorf("trust policy (-want +got):\n%s", diff)
		}
		if got := props(s.resources[role])["ManagedPolicyArns"]; got != nil {
			t.Errorf("ManagedPolicyArns = %v, want none", got)
		}
		// AND it may run exactly the five read actions on this stream, plus ListStreams on *, and no kms:*
		want := []any{
			statement([]string{"kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords",
				"kinesis:GetShardIterator", "kinesis:ListShards"}, getAtt(s.id(s.stack.Stream), "Arn")),
			statement([]string{"kinesis:ListStreams"}, "*"),
		}
		if diff := cmp.Diff(want, policyStatementsOf(t, s, role)); diff != "" {
			t.Errorf("streaming role statements (-want +got):\n%s", diff)
		}
	})
}

// adminSecretArn is what the template says for the admin secret's ARN: the attribute the
// GetNamespace custom resource returns.
func adminSecretArn(s *synthesis) map[string]any {
	lookup := s.stack.Warehouse.AdminSecretLookup.Node().FindChild(jsii.String("Resource"))
	return getAtt(s.id(lookup), "namespace.adminPasswordSecretArn")
}

func TestNamespaceManagesItsPasswordAndHasTheStreamingRole(t *testing.T) {
	allEnvs(t, func(t *testing.T, s *synthesis) {
		w := s.env.Warehouse
		role := getAtt(s.id(s.stack.Warehouse.StreamingRole), "Arn")
		exports := make([]any, len(w.LogExports))
		for i, l := range w.LogExports {
			exports[i] = l
		}
		// GIVEN the namespace resource
		r := s.resource(t, s.stack.Warehouse.Namespace)
		// THEN it names the database and admin from config, lets Redshift manage the password,
		// associates the streaming role (also as default) and exports the audit logs
		want := map[string]any{
			"NamespaceName":       w.NamespaceName,
			"DbName":              w.DatabaseName,
			"AdminUsername":       w.AdminUsername,
			"ManageAdminPassword": true,
			"IamRoles":            []any{role},
			"DefaultIamRoleArn":   role,
			"LogExports":          exports,
		}
		if diff := cmp.Diff(want, props(r)); diff != "" {
			t.Errorf("namespace (-want +got):\n%s", diff)
		}
		// AND it is created after the role's policy (so the association can read the stream) and
		// after its audit log groups (so Redshift does not create them without retention)
		deps, _ := r["DependsOn"].([]any)
		wantDeps := []string{s.id(s.stack.Warehouse.StreamingRole.Node().FindChild(jsii.String("DefaultPolicy")))}
		for _, l := range w.LogExports {
			wantDeps = append(wantDeps, s.id(s.stack.Warehouse.Node().FindChild(jsii.String("AuditLog-"+l))))
		}
		for _, d := range wantDeps {
			if !slices.Contains(deps, any(d)) {
				t.Errorf("namespace DependsOn = %v, want it to include %s", deps, d)
			}
		}
	})
}

func TestAuditLogGroupsAreTheOnesRedshiftWritesTo(t *testing.T) {
	allEnvs(t, func(t *testing.T, s *synthesis) {
		// GIVEN the exported log types
		for _, l := range s.env.Warehouse.LogExports {
			// THEN a log group named as Redshift Serverless names it exists, with retention
			group := s.stack.Warehouse.Node().FindChild(jsii.String("AuditLog-" + l))
			want := "/aws/redshift/" + s.env.Warehouse.NamespaceName + "/" + l
			if got := props(s.resource(t, group))["LogGroupName"]; got != want {
				t.Errorf("audit log group name = %v, want %s", got, want)
			}
		}
	})
}

func TestNoPasswordPassesThroughTheTemplate(t *testing.T) {
	allEnvs(t, func(t *testing.T, s *synthesis) {
		// GIVEN everything the template deploys: every resource's properties and every output
		// (metadata is left out: suppression reasons may talk about passwords)
		var deployed []any
		for _, r := range s.resources {
			deployed = append(deployed, props(r))
		}
		raw, err := json.Marshal([]any{deployed, s.outputs})
		if err != nil {
			t.Fatal(err)
		}
		text := string(raw)
		// THEN no password property, dynamic reference or generated secret appears: Redshift
		// creates and rotates the password itself
		for _, forbidden := range []string{`"MasterUserPassword"`, `"AdminUserPassword"`, `"SecretString"`, `{{resolve:`, `"GenerateSecretString"`} {
			if strings.Contains(text, forbidden) {
				t.Errorf("template contains %s", forbidden)
			}
		}
		if got := len(s.ofType("AWS::SecretsManager::Secret")); got != 0 {
			t.Errorf("%d Secrets Manager secrets in the template, want none", got)
		}
		// AND "password" occurs only in ManageAdminPassword and in the lookup of the secret's ARN
		allowed := regexp.MustCompile(`"ManageAdminPassword"|adminPasswordSecretArn`)
		if rest := allowed.ReplaceAllString(text, ""); strings.Contains(strings.ToLower(rest), "password") {
			i := strings.Index(strings.ToLower(rest), "password")
			t.Errorf("template mentions a password: ...%s...", rest[max(0, i-80):min(len(rest), i+80)])
		}
	})
}

func TestAdminSecretArnIsReadWithGetNamespace(t *testing.T) {
	allEnvs(t, func(t *testing.T, s *synthesis) {
		w := s.stack.Warehouse
		lookup := w.AdminSecretLookup.Node().FindChild(jsii.String("Resource"))
		r := s.resource(t, lookup)
		// GIVEN the custom resource that reads the admin secret's ARN
		// THEN on create and on update it calls GetNamespace of the SDK for JavaScript v3 for this
		// namespace, and keeps only the secret's ARN from the answer
		call := map[string]any{
			"service":            "@aws-sdk/client-redshift-serverless",
			"action":             "GetNamespaceCommand",
			"parameters":         map[string]any{"namespaceName": s.env.Warehouse.NamespaceName},
			"physicalResourceId": map[string]any{"id": s.env.Warehouse.NamespaceName},
			"outputPaths":        []any{"namespace.adminPasswordSecretArn"},
		}
		for _, key := range []string{"Create", "Update"} {
			var got map[string]any
			if err := json.Unmarshal([]byte(text(props(r)[key])), &got); err != nil {
				t.Fatalf("%s = %v: %v", key, props(r)[key], err)
			}
			if diff := cmp.Diff(call, got); diff != "" {
				t.Errorf("%s call (-want +got):\n%s", key, diff)
			}
		}
		if r["Type"] != "Custom::AdminSecretArn" || props(r)["InstallLatestAwsSdk"] != false {
			t.Errorf("lookup = %s with InstallLatestAwsSdk %v, want Custom::AdminSecretArn using the runtime's SDK", r["Type"], props(r)["InstallLatestAwsSdk"])
		}
		// AND it runs once the namespace exists
		if deps, _ := r["DependsOn"].([]any); !slices.Contains(deps, any(s.id(w.Namespace))) {
			t.Errorf("lookup DependsOn = %v, want the namespace", deps)
		}
		// AND its function's role may call GetNamespace on this namespace, manage usage limits (the
		// stack's one AwsCustomResource function runs the usage limit too) and write its own logs,
		// nothing more
		role := s.id(w.Node().FindChild(jsii.String("AdminSecretLookupRole")))
		if got := props(s.resources[role])["ManagedPolicyArns"]; got != nil {
			t.Errorf("ManagedPolicyArns = %v, want none", got)
		}
		var got []any
		for _, p := range s.ofType("AWS::IAM::Policy") {
			if slices.ContainsFunc(props(p)["Roles"].([]any), func(x any) bool { return cmp.Equal(x, ref(role)) }) {
				got = append(got, props(p)["PolicyDocument"].(map[string]any)["Statement"].([]any)...)
			}
		}
		want := []any{
			statement([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, getAtt(s.id(w.Node().FindChild(jsii.String("AdminSecretLookupLogGroup"))), "Arn")),
			statement([]string{"redshift-serverless:GetNamespace"}, getAtt(s.id(w.Namespace), "Namespace.NamespaceArn")),
			statement([]string{"redshift-serverless:CreateUsageLimit", "redshift-serverless:DeleteUsageLimit", "redshift-serverless:UpdateUsageLimit"}, "*"),
		}
		if diff := cmp.Diff(want, got, cmpSortBy(text)); diff != "" {
			t.Errorf("lookup role statements (-want +got):\n%s", diff)
		}
	})
}

func TestWorkgroup(t *testing.T) {
	allEnvs(t, func(t *testing.T, s *synthesis) {
		w := s.env.Warehouse
		// GIVEN the workgroup
		r := s.resource(t, s.stack.Warehouse.Workgroup)
		params := []any{map[string]any{"ParameterKey": "require_ssl", "ParameterValue": "true"}}
		if s.env.Warehouse.ExportsLog(config.LogUserActivity) {
			params = append(params, map[string]any{"ParameterKey": "enable_user_activity_logging", "ParameterValue": "true"})
		}
		// THEN it is private, TLS-only, capacity-capped and placed in the network's subnets
		want := map[string]any{
			"WorkgroupName":      w.WorkgroupName,
			"NamespaceName":      w.NamespaceName,
			"BaseCapacity":       float64(w.BaseCapacity),
			"MaxCapacity":        float64(w.MaxCapacity),
			"PubliclyAccessible": false,
			"EnhancedVpcRouting": w.EnhancedVpcRouting,
			"Port":               float64(w.Port),
			"ConfigParameters":   params,
			"SubnetIds":          s.workgroupSubnets(t),
			"SecurityGroupIds":   s.workgroupSecurityGroups(t),
		}
		if diff := cmp.Diff(want, props(r)); diff != "" {
			t.Errorf("workgroup (-want +got):\n%s", diff)
		}
		// AND it is created after its namespace
		if deps, _ := r["DependsOn"].([]any); !slices.Contains(deps, any(s.id(s.stack.Warehouse.Namespace))) {
			t.Errorf("workgroup DependsOn = %v, want the namespace", deps)
		}
	})
}

func TestCapacityComesFromConfig(t *testing.T) {
	for env, want := range map[string][2]int{"staging": {8, 16}, "production": {8, 32}} {
		must(t, env, func() {
			synth(t, env).template.HasResourceProperties(jsii.String("AWS::RedshiftServerless::Workgroup"), map[string]any{
				"BaseCapacity": want[0], "MaxCapacity": want[1],
			})
		})
	}
}

func TestWarehouseReadyCoversTheAssociationAndTheWorkgroup(t *testing.T) {
	// GIVEN a warehouse in a stack of its own, and a resource that depends on Warehouse.Ready,
	// as the streaming-ingestion DDL will
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("ready"), nil)
	stream := awskinesis.NewStream(stack, jsii.String("Stream"), nil)
	env := config.Defaults("ready")
	network := NewNetwork(stack, "Network", &NetworkProps{Settings: env.Network, Stream: stream, LogRetentionDays: 30})
	w := NewWarehouse(stack, "Warehouse", &WarehouseProps{Settings: env.Warehouse, Network: network, Stream: stream, LogRetentionDays: 30})
	ddl := awscdk.NewCfnWaitConditionHandle(stack, jsii.String("Ddl"), nil)
	ddl.Node().AddDependency(w.Ready)
	// WHEN it is synthesized
	var deps []any
	must(t, "synthesize", func() {
		resources := *assertions.Template_FromStack(stack, nil).FindResources(jsii.String("AWS::CloudFormation::WaitConditionHandle"), nil)
		deps, _ = (*resources[*stack.GetLogicalId(ddl)])["DependsOn"].([]any)
	})
	// THEN the dependent waits for the namespace, the workgroup, the role and the role's policy
	want := []any{
		*stack.GetLogicalId(w.Namespace),
		*stack.GetLogicalId(w.StreamingRole.Node().FindChild(jsii.String("DefaultPolicy")).Node().DefaultChild().(awscdk.CfnElement)),
		*stack.GetLogicalId(w.StreamingRole.Node().DefaultChild().(awscdk.CfnElement)),
		*stack.GetLogicalId(w.Workgroup),
	}
	if diff := cmp.Diff(want, deps, cmpSortBy(text)); diff != "" {
		t.Errorf("DependsOn (-want +got):\n%s", diff)
	}
	// AND the fields the DDL needs are set
	if w.AdminSecret == nil || w.AdminSecretArn == nil || w.StreamingRole == nil || w.WorkgroupName == nil || w.DatabaseName == nil {
		t.Errorf("warehouse fields for the DDL are missing: %+v", w)
	}
}
