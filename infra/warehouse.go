package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesis"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsredshiftserverless"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/chatstream/chatstream/infra/config"
)

// streamingReadActions are the only stream actions Redshift streaming ingestion performs on a stream.
func streamingReadActions() []string {
	return []string{
		"kinesis:DescribeStreamSummary",
		"kinesis:GetShardIterator",
		"kinesis:GetRecords",
		"kinesis:ListShards",
		"kinesis:DescribeStream",
	}
}

// WarehouseProps configures NewWarehouse.
type WarehouseProps struct {
	// Settings names and sizes the namespace and the workgroup.
	Settings config.Warehouse
	// Network holds the workgroup's subnets and security groups.
	Network *Network
	// Stream is the stream the streaming role may read.
	Stream awskinesis.IStream
	// LogRetentionDays is the retention of the audit log groups.
	LogRetentionDays int
	// Retain keeps the namespace (and the data in it, and the admin secret Redshift manages for
	// it) and the audit logs when the stack is deleted.
	Retain bool
}

// Warehouse is Redshift Serverless: a namespace, a workgroup in private subnets, the admin
// secret and the role streaming ingestion reads Kinesis with. Its fields are what the
// streaming-ingestion DDL needs.
type Warehouse struct {
	constructs.Construct
	// Namespace is the namespace; the streaming role is associated with it.
	Namespace awsredshiftserverless.CfnNamespace
	// Workgroup is the workgroup that serves queries and the Data API.
	Workgroup awsredshiftserverless.CfnWorkgroup
	// AdminSecret is the secret Redshift creates and rotates for the admin user
	// (ManageAdminPassword); the Data API accepts its ARN.
	AdminSecret awssecretsmanager.ISecret
	// AdminSecretArn is the admin secret's ARN, read with GetNamespace at deploy time.
	AdminSecretArn *string
	// AdminSecretLookup is the custom resource that reads the admin secret's ARN.
	AdminSecretLookup customresources.AwsCustomResource
	// SdkCallRole is the role of the function that runs every AwsCustomResource of the stack:
	// CDK defines that function once per stack (a singleton), so each such resource's policy is
	// attached to this one role. Pass it as the Role of any later AwsCustomResource.
	SdkCallRole awsiam.IRole
	// SdkCallLogGroup is that function's log group.
	SdkCallLogGroup awslogs.ILogGroup
	// StreamingRole is the namespace's default role, which CREATE EXTERNAL SCHEMA ... FROM KINESIS
	// IAM_ROLE default reads the stream with.
	StreamingRole awsiam.Role
	// WorkgroupName is the workgroup name the Data API takes.
	WorkgroupName *string
	// DatabaseName is the database the namespace creates.
	DatabaseName *string
	// Ready is complete once the workgroup is available and the namespace has the streaming role,
	// with its policy, associated: DDL that reads the stream depends on it.
	Ready constructs.DependencyGroup
}

// NewWarehouse defines the namespace and the workgroup. Redshift creates, stores and rotates the
// admin password in Secrets Manager (ManageAdminPassword), so it never passes through
// CloudFormation; the workgroup is not publicly accessible unless configured, requires TLS and has
// its capacity capped.
func NewWarehouse(scope constructs.Construct, id string, props *WarehouseProps) *Warehouse {
	c := constructs.NewConstruct(scope, jsii.String(id))
	s := props.Settings
	policy := removalPolicy(props.Retain)

	role := awsiam.NewRole(c, jsii.String("StreamingRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("redshift.amazonaws.com"), nil),
		Description: jsii.String("chatstream streaming ingestion: Redshift reads the chat events stream"),
	})
	// No kms:Decrypt: the stream uses the AWS-managed key, whose key policy already lets
	// principals allowed to read the stream decrypt through Kinesis.
	read := props.Stream.Grant(role, *jsii.Strings(streamingReadActions()...)...)
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("kinesis:ListStreams"),
		Resources: jsii.Strings("*"),
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("kinesis:ListStreams has no resource type; Redshift streaming ingestion calls it, and the documented policy grants it on *. Every other action is scoped to the stream ARN."),
		AppliesTo: &[]any{jsii.String("Resource::*")},
	}}, jsii.Bool(true))

	namespace := awsredshiftserverless.NewCfnNamespace(c, jsii.String("Namespace"), &awsredshiftserverless.CfnNamespaceProps{
		NamespaceName:       jsii.String(s.NamespaceName),
		DbName:              jsii.String(s.DatabaseName),
		AdminUsername:       jsii.String(s.AdminUsername),
		ManageAdminPassword: jsii.Bool(true),
		IamRoles:            &[]any{role.RoleArn()},
		// CREATE EXTERNAL SCHEMA ... IAM_ROLE default uses this role.
		DefaultIamRoleArn: role.RoleArn(),
		LogExports:        jsii.Strings(s.LogExports...),
	})
	namespace.ApplyRemovalPolicy(policy, nil)
	// The association is only useful once the role's policy lets it read the stream.
	read.ApplyBefore(namespace)

	// Redshift exports to /aws/redshift/<namespace>/<log type> and creates the group itself, without
	// retention, unless it exists; created here first, the groups get a retention and leave with the stack.
	for _, logType := range s.LogExports {
		group := awslogs.NewLogGroup(c, jsii.String("AuditLog-"+logType), &awslogs.LogGroupProps{
			LogGroupName:  jsii.String(fmt.Sprintf("/aws/redshift/%s/%s", s.NamespaceName, logType)),
			Retention:     retentionDays(props.LogRetentionDays),
			RemovalPolicy: policy,
		})
		namespace.Node().AddDependency(group)
	}

	params := []any{&awsredshiftserverless.CfnWorkgroup_ConfigParameterProperty{
		ParameterKey: jsii.String("require_ssl"), ParameterValue: jsii.String("true"),
	}}
	if s.ExportsLog(config.LogUserActivity) {
		// The user activity log stays empty unless the database records it.
		params = append(params, &awsredshiftserverless.CfnWorkgroup_ConfigParameterProperty{
			ParameterKey: jsii.String("enable_user_activity_logging"), ParameterValue: jsii.String("true"),
		})
	}
	workgroup := awsredshiftserverless.NewCfnWorkgroup(c, jsii.String("Workgroup"), &awsredshiftserverless.CfnWorkgroupProps{
		WorkgroupName:      jsii.String(s.WorkgroupName),
		NamespaceName:      jsii.String(s.NamespaceName),
		BaseCapacity:       jsii.Number(s.BaseCapacity),
		MaxCapacity:        jsii.Number(s.MaxCapacity),
		PubliclyAccessible: jsii.Bool(s.PubliclyAccessible),
		EnhancedVpcRouting: jsii.Bool(s.EnhancedVpcRouting),
		Port:               jsii.Number(s.Port),
		SubnetIds:          anys(props.Network.SubnetIDs),
		SecurityGroupIds:   anys(props.Network.SecurityGroupIDs),
		ConfigParameters:   &params,
	})
	workgroup.Node().AddDependency(namespace)
	if props.Network.KinesisEndpoint != nil {
		workgroup.Node().AddDependency(props.Network.KinesisEndpoint)
	}

	lookup, lookupRole, lookupLogs := newAdminSecretLookup(c, namespace, s.NamespaceName, props)
	secretArn := lookup.GetResponseField(jsii.String(adminSecretArnPath))
	return &Warehouse{
		Construct:         c,
		Namespace:         namespace,
		Workgroup:         workgroup,
		AdminSecret:       awssecretsmanager.Secret_FromSecretCompleteArn(c, jsii.String("AdminSecret"), secretArn),
		AdminSecretArn:    secretArn,
		AdminSecretLookup: lookup,
		SdkCallRole:       lookupRole,
		SdkCallLogGroup:   lookupLogs,
		StreamingRole:     role,
		WorkgroupName:     workgroup.AttrWorkgroupWorkgroupName(),
		DatabaseName:      jsii.String(s.DatabaseName),
		Ready:             constructs.NewDependencyGroup(namespace, workgroup, role),
	}
}

// adminSecretArnPath is where GetNamespace's response holds the ARN of the secret Redshift
// manages for the admin user ("GetNamespace", Amazon Redshift Serverless API Reference:
// {"namespace": {"adminPasswordSecretArn": …}}).
const adminSecretArnPath = "namespace.adminPasswordSecretArn"

// newAdminSecretLookup reads the admin secret's ARN at deploy time: AWS::RedshiftServerless::Namespace
// does not return it (aws-cdk issue #29930, "CfnNamespace missing adminPasswordSecretArn"), so a
// custom resource calls redshift-serverless:GetNamespace, with the Lambda runtime's AWS SDK for
// JavaScript v3 (@aws-sdk/client-redshift-serverless, GetNamespaceCommand), and keeps only that
// one field of the answer. Its function's role may call GetNamespace on this namespace and write
// its own log group; the function is the stack's one AwsCustomResource function, so later ones
// (the usage limit) add their own policies to the same role.
func newAdminSecretLookup(c constructs.Construct, namespace awsredshiftserverless.CfnNamespace, name string, props *WarehouseProps) (customresources.AwsCustomResource, awsiam.Role, awslogs.LogGroup) {
	logGroup := awslogs.NewLogGroup(c, jsii.String("AdminSecretLookupLogGroup"), &awslogs.LogGroupProps{
		Retention:     retentionDays(props.LogRetentionDays),
		RemovalPolicy: removalPolicy(props.Retain),
	})
	role := newLambdaRole(c, "AdminSecretLookupRole", "chatstream: the stack's AWS SDK calls during the deploy (the admin secret's ARN, the usage limit)", logGroup)
	call := &customresources.AwsSdkCall{
		Service:            jsii.String("@aws-sdk/client-redshift-serverless"),
		Action:             jsii.String("GetNamespaceCommand"),
		Parameters:         map[string]any{"namespaceName": name},
		PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String(name)),
		OutputPaths:        jsii.Strings(adminSecretArnPath),
	}
	lookup := customresources.NewAwsCustomResource(c, jsii.String("AdminSecretLookup"), &customresources.AwsCustomResourceProps{
		OnCreate: call,
		OnUpdate: call,
		Policy: customresources.AwsCustomResourcePolicy_FromSdkCalls(&customresources.SdkCallsPolicyOptions{
			Resources: &[]*string{namespace.AttrNamespaceNamespaceArn()},
		}),
		Role:                role,
		LogGroup:            logGroup,
		InstallLatestAwsSdk: jsii.Bool(false),
		ResourceType:        jsii.String("Custom::AdminSecretArn"),
	})
	// GetNamespace answers only once the namespace exists, with its secret.
	lookup.Node().AddDependency(namespace)
	return lookup, role, logGroup
}

// anys converts string pointers to the []any that L1 list properties take.
func anys(values []*string) *[]any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return &out
}
