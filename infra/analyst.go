package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	chatsql "github.com/chatstream/chatstream/sql"
)

// DbRolesTag is the principal tag whose value Redshift Serverless grants, as database roles, to
// the database user GetCredentials signs in ("Defining database roles to grant to federated
// users in Amazon Redshift Serverless": the tag RedshiftDbRoles, role names separated by colons).
const DbRolesTag = "RedshiftDbRoles"

// AnalystProps configures NewAnalyst.
type AnalystProps struct {
	// Warehouse is the workgroup analysts query.
	Warehouse *Warehouse
}

// Analyst is the IAM role analysts assume to query the warehouse read-only.
type Analyst struct {
	constructs.Construct
	// Role is the role; principals of this account whose own policies allow sts:AssumeRole on it
	// may assume it.
	Role awsiam.Role
}

// NewAnalyst defines the analysts' role. It signs in through IAM: the Data API with the
// workgroup and no secret, which calls redshift-serverless:GetCredentials and signs in as the
// database user IAMR:<role name>; its tag RedshiftDbRoles=chatstream_analyst makes Redshift grant
// that user the database role chatstream_analyst, which the deploy creates with USAGE on the
// schema and SELECT on its tables, nothing else. The role may run statements on this workgroup
// and read and cancel its own, and nothing else: no secret, so never the admin user.
func NewAnalyst(scope constructs.Construct, id string, props *AnalystProps) *Analyst {
	c := constructs.NewConstruct(scope, jsii.String(id))
	w := props.Warehouse
	// The account as principal delegates to IAM: a principal of this account may assume the role
	// when its own identity policy allows sts:AssumeRole on it ("IAM JSON policy elements:
	// Principal", AWS account principals).
	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:          awsiam.NewAccountPrincipal(awscdk.Aws_ACCOUNT_ID()),
		Description:        jsii.String("chatstream analysts: read-only queries on the warehouse through the Data API, as database role " + chatsql.AnalystRole),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
	})
	awscdk.Tags_Of(role).Add(jsii.String(DbRolesTag), jsii.String(chatsql.AnalystRole), nil)
	workgroup := &[]*string{w.Workgroup.AttrWorkgroupWorkgroupArn()}
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("redshift-serverless:GetCredentials", "redshift-data:ExecuteStatement"),
		Resources: workgroup,
	}))
	allowOwnStatements(role)
	return &Analyst{Construct: c, Role: role}
}
