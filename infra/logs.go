package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// newLambdaRole defines a role for Lambda functions that may write to logGroup and nothing else
// until the caller grants more. A role of our own keeps the AWS managed
// AWSLambdaBasicExecutionRole policy (logs:* on every log group) off.
func newLambdaRole(scope constructs.Construct, id, description string, logGroup awslogs.ILogGroup) awsiam.Role {
	role := awsiam.NewRole(scope, jsii.String(id), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String(description),
	})
	logGroup.GrantWrite(role)
	return role
}

// retentionDays maps a retention in days, already validated by the config package, to the
// CDK enum; jsii enums are names, not numbers.
func retentionDays(days int) awslogs.RetentionDays {
	switch days {
	case 1:
		return awslogs.RetentionDays_ONE_DAY
	case 3:
		return awslogs.RetentionDays_THREE_DAYS
	case 5:
		return awslogs.RetentionDays_FIVE_DAYS
	case 7:
		return awslogs.RetentionDays_ONE_WEEK
	case 14:
		return awslogs.RetentionDays_TWO_WEEKS
	case 30:
		return awslogs.RetentionDays_ONE_MONTH
	case 60:
		return awslogs.RetentionDays_TWO_MONTHS
	case 90:
		return awslogs.RetentionDays_THREE_MONTHS
	case 120:
		return awslogs.RetentionDays_FOUR_MONTHS
	case 150:
		return awslogs.RetentionDays_FIVE_MONTHS
	case 180:
		return awslogs.RetentionDays_SIX_MONTHS
	case 365:
		return awslogs.RetentionDays_ONE_YEAR
	case 400:
		return awslogs.RetentionDays_THIRTEEN_MONTHS
	case 545:
		return awslogs.RetentionDays_EIGHTEEN_MONTHS
	case 731:
		return awslogs.RetentionDays_TWO_YEARS
	case 1096:
		return awslogs.RetentionDays_THREE_YEARS
	case 1827:
		return awslogs.RetentionDays_FIVE_YEARS
	case 2192:
		return awslogs.RetentionDays_SIX_YEARS
	case 2557:
		return awslogs.RetentionDays_SEVEN_YEARS
	case 2922:
		return awslogs.RetentionDays_EIGHT_YEARS
	case 3288:
		return awslogs.RetentionDays_NINE_YEARS
	case 3653:
		return awslogs.RetentionDays_TEN_YEARS
	}
	// Unreachable after config validation; never keep logs forever by accident.
	return awslogs.RetentionDays_ONE_MONTH
}
