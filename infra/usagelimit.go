package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/chatstream/chatstream/infra/config"
)

// UsageLimitResourceType is the CloudFormation type of the usage limit's custom resource.
const UsageLimitResourceType = "Custom::UsageLimit"

// usageLimitIDPath is where CreateUsageLimit's and UpdateUsageLimit's answers hold the limit's id
// ("CreateUsageLimit", Amazon Redshift Serverless API Reference: {"usageLimit": {"usageLimitId": …}}).
const usageLimitIDPath = "usageLimit.usageLimitId"

// UsageLimitProps configures NewUsageLimit.
type UsageLimitProps struct {
	// Settings are the amount, the period and the breach action.
	Settings config.UsageLimit
	// Warehouse is the workgroup the limit applies to; its SdkCallRole runs the calls.
	Warehouse *Warehouse
}

// NewUsageLimit caps the RPU-hours the workgroup uses per period. CloudFormation has no resource
// type for a Redshift Serverless usage limit, so a custom resource calls the API with the Lambda
// runtime's AWS SDK for JavaScript v3: CreateUsageLimit (usage type serverless-compute) on
// create, UpdateUsageLimit on update, DeleteUsageLimit on delete, the limit's id being the
// physical id. UpdateUsageLimit changes only the amount and the breach action ("You can't update
// the usage type or period of a usage limit", "UpdateUsageLimit"), so the period is part of the
// construct's id: a new period is a new resource, created before CloudFormation deletes the old.
func NewUsageLimit(scope constructs.Construct, props *UsageLimitProps) customresources.AwsCustomResource {
	s, w := props.Settings, props.Warehouse
	id := customresources.PhysicalResourceId_FromResponse(jsii.String(usageLimitIDPath))
	ref := customresources.NewPhysicalResourceIdReference()
	service := jsii.String("@aws-sdk/client-redshift-serverless")
	limit := customresources.NewAwsCustomResource(scope, jsii.String("UsageLimit-"+s.Period), &customresources.AwsCustomResourceProps{
		OnCreate: &customresources.AwsSdkCall{
			Service: service, Action: jsii.String("CreateUsageLimitCommand"),
			Parameters: map[string]any{
				"resourceArn":  w.Workgroup.AttrWorkgroupWorkgroupArn(),
				"usageType":    "serverless-compute",
				"amount":       s.RpuHours,
				"period":       s.Period,
				"breachAction": s.BreachAction,
			},
			PhysicalResourceId: id,
			OutputPaths:        jsii.Strings(usageLimitIDPath),
		},
		OnUpdate: &customresources.AwsSdkCall{
			Service: service, Action: jsii.String("UpdateUsageLimitCommand"),
			Parameters:         map[string]any{"usageLimitId": ref, "amount": s.RpuHours, "breachAction": s.BreachAction},
			PhysicalResourceId: id,
			OutputPaths:        jsii.Strings(usageLimitIDPath),
		},
		OnDelete: &customresources.AwsSdkCall{
			Service: service, Action: jsii.String("DeleteUsageLimitCommand"),
			Parameters: map[string]any{"usageLimitId": ref},
			// A limit someone deleted by hand must not stop the stack's delete.
			IgnoreErrorCodesMatching: jsii.String("ResourceNotFoundException"),
		},
		// The usage-limit actions support no resource type ("Actions, resources, and condition keys
		// for Amazon Redshift Serverless"), so they are allowed on *; the role runs only the calls
		// written here.
		Policy: customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("redshift-serverless:CreateUsageLimit", "redshift-serverless:UpdateUsageLimit",
					"redshift-serverless:DeleteUsageLimit"),
				Resources: jsii.Strings("*"),
			}),
		}),
		Role:                w.SdkCallRole,
		LogGroup:            w.SdkCallLogGroup,
		InstallLatestAwsSdk: jsii.Bool(false),
		ResourceType:        jsii.String(UsageLimitResourceType),
	})
	// CreateUsageLimit needs the workgroup.
	limit.Node().AddDependency(w.Workgroup)
	cdknag.NagSuppressions_AddResourceSuppressions(limit.Node().FindChild(jsii.String("CustomResourcePolicy")), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("redshift-serverless:CreateUsageLimit, UpdateUsageLimit and DeleteUsageLimit support no resource type " +
			"(Service Authorization Reference), so they need Resource *; the function runs only the calls this construct defines."),
		AppliesTo: &[]any{jsii.String("Resource::*")},
	}}, jsii.Bool(true))
	return limit
}
