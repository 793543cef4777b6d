package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesis"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/chatstream/chatstream/infra/config"
)

// StreamProps configures NewStream.
type StreamProps struct {
	// Settings names the stream and sets its retention.
	Settings config.Stream
	// Retain keeps the stream and its records when the stack is deleted.
	Retain bool
}

// NewStream defines the on-demand Kinesis data stream the producer writes to and Redshift reads,
// encrypted with the AWS-managed key alias/aws/kinesis.
func NewStream(scope constructs.Construct, id string, props *StreamProps) awskinesis.Stream {
	return awskinesis.NewStream(scope, jsii.String(id), &awskinesis.StreamProps{
		StreamName: jsii.String(props.Settings.Name),
		StreamMode: awskinesis.StreamMode_ON_DEMAND,
		// The AWS-managed key needs no key policy and no kms:* grants for producers or for Redshift.
		Encryption:      awskinesis.StreamEncryption_MANAGED,
		RetentionPeriod: awscdk.Duration_Hours(jsii.Number(props.Settings.RetentionHours)),
		RemovalPolicy:   removalPolicy(props.Retain),
	})
}

// removalPolicy maps an environment's retain flag to the policy of its stateful resources.
// Retained resources use RETAIN_ON_UPDATE_OR_DELETE (CloudFormation's DeletionPolicy
// RetainExceptOnCreate): kept on delete and on replacement, but deleted when the stack's
// creation fails and rolls back, so a failed first deploy leaves no resources with fixed names
// (stream, namespace, log groups) that would block the next attempt ("DeletionPolicy attribute",
// AWS CloudFormation User Guide).
func removalPolicy(retain bool) awscdk.RemovalPolicy {
	if retain {
		return awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE
	}
	return awscdk.RemovalPolicy_DESTROY
}
