package main

import (
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	chatsql "github.com/chatstream/chatstream/sql"
)

// addOutputs publishes what people and tools need after a deploy: names for `make query` and the
// ingestion DDL, and commands that work when pasted into a shell with AWS credentials.
func (s *ChatstreamStack) addOutputs() {
	output := func(id, description string, value *string) {
		awscdk.NewCfnOutput(s.Stack, jsii.String(id), &awscdk.CfnOutputProps{Description: jsii.String(description), Value: value})
	}
	w := s.Warehouse
	output("StreamName", "Kinesis stream the producer writes to", s.Stream.StreamName())
	output("StreamArn", "ARN of the Kinesis stream", s.Stream.StreamArn())
	output("ProducerFunctionName", "Producer Lambda function", s.Producer.Function.FunctionName())
	output("ScheduleName", "EventBridge Scheduler schedule that invokes the producer", s.Schedule.Schedule.ScheduleName())
	output("NamespaceName", "Redshift Serverless namespace", w.Namespace.AttrNamespaceNamespaceName())
	output("WorkgroupName", "Redshift Serverless workgroup", w.WorkgroupName)
	output("WorkgroupEndpoint", "Workgroup endpoint address (reachable only from inside the VPC)", w.Workgroup.AttrWorkgroupEndpointAddress())
	output("DatabaseName", "Database that holds the events table", w.DatabaseName)
	output("AdminSecretArn", "Secrets Manager secret Redshift manages for the admin user", w.AdminSecretArn)
	output("StreamingRoleArn", "IAM role that Redshift streaming ingestion reads Kinesis with", w.StreamingRole.RoleArn())
	output("EventsTable", "Typed, deduplicated table of the chat events, created by the deploy", s.Ingestion.EventsTable)
	output("LoaderFunctionName", "Loader Lambda function; make load invokes it with {}, as its schedule does", s.Loader.Function.FunctionName())
	output("LoadMode", "How the warehouse loads: realtime or scheduled", jsii.String(string(s.Env.Load.Mode)))
	output("LoadIntervalMinutes", "Minutes between loads", jsii.String(strconv.Itoa(s.Env.Load.IntervalMinutes)))
	output("AnalystRoleArn", "Role analysts assume to query read-only, as database role "+chatsql.AnalystRole, s.Analyst.Role.RoleArn())
	output("AlarmTopicArn", "SNS topic every alarm notifies; subscribe what pages you", s.Operations.Topic.TopicArn())
	output("DashboardUrl", "CloudWatch dashboard", awscdk.Fn_Sub(jsii.String(
		"https://${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=${AWS::Region}#dashboards:name=${Name}"),
		&map[string]*string{"Name": s.Operations.Dashboard.DashboardName()}))
	output("InvokeProducerCommand", "Send 100 events now, outside the schedule", awscdk.Fn_Sub(jsii.String(
		"aws lambda invoke --region ${AWS::Region} --function-name ${Function} --cli-binary-format raw-in-base64-out "+
			`--payload '{"count":100,"rate":0}' /dev/stdout`),
		&map[string]*string{"Function": s.Producer.Function.FunctionName()}))
	output("QueryEditorUrl", "Query editor v2; connect to the workgroup with the admin secret", awscdk.Fn_Sub(jsii.String(
		"https://${AWS::Region}.console.aws.amazon.com/sqlworkbench/home?region=${AWS::Region}#/client"), nil))
	// As an analyst: the role's credentials in a subshell, the Data API with the workgroup and
	// no secret, so the statement runs as IAMR:<role> with the database role chatstream_analyst.
	output("DataApiQueryCommand", "Count the last hour's events per name as an analyst (assumes AnalystRoleArn), through the Data API", awscdk.Fn_Sub(jsii.String(
		`(eval "$(aws sts assume-role --role-arn ${Role} --role-session-name "analyst-$(id -un)" `+
			`--query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text `+
			`| awk '{print "export AWS_ACCESS_KEY_ID="$1" AWS_SECRET_ACCESS_KEY="$2" AWS_SESSION_TOKEN="$3}')" && `+
			"id=$(aws redshift-data execute-statement --region ${AWS::Region} --workgroup-name ${Workgroup} --database ${Database} "+
			"--sql 'SELECT event_name, COUNT(*) FROM ${Table} WHERE event_time >= DATEADD(hour, -1, GETDATE()) GROUP BY 1 ORDER BY 2 DESC' --query Id --output text) "+
			`&& sleep 5 && aws redshift-data get-statement-result --region ${AWS::Region} --id "$id")`),
		&map[string]*string{"Role": s.Analyst.Role.RoleArn(), "Workgroup": w.WorkgroupName, "Database": w.DatabaseName,
			"Table": s.Ingestion.EventsTable}))
}
