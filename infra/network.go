package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesis"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/chatstream/chatstream/infra/config"
)

// NetworkProps configures NewNetwork.
type NetworkProps struct {
	// Settings chooses between a created VPC and existing subnets.
	Settings config.Network
	// EnhancedVpcRouting adds the Kinesis interface endpoint Redshift then needs to reach the stream.
	EnhancedVpcRouting bool
	// Stream is the only stream the Kinesis endpoint lets traffic read.
	Stream awskinesis.IStream
	// LogRetentionDays is the retention of the created VPC's flow log group.
	LogRetentionDays int
	// Retain keeps the flow log group when the stack is deleted.
	Retain bool
}

// Network is where the workgroup lives: private subnets and security groups without public ingress.
type Network struct {
	constructs.Construct
	// Vpc is the created VPC, or a reference to the existing one.
	Vpc awsec2.IVpc
	// SubnetIDs are the workgroup's subnets.
	SubnetIDs []*string
	// SecurityGroupIDs are the workgroup's security groups.
	SecurityGroupIDs []*string
	// SecurityGroup is the workgroup security group the stack created; nil when the settings name existing ones.
	SecurityGroup awsec2.SecurityGroup
	// KinesisEndpoint is the Kinesis interface endpoint; nil without enhanced VPC routing.
	KinesisEndpoint awsec2.CfnVPCEndpoint
}

// NewNetwork creates a VPC with isolated subnets only (no internet gateway, no NAT) or adopts the
// configured VPC and subnets. Without enhanced VPC routing Redshift reaches Kinesis on its own
// network, so the VPC needs no route out; with it, a Kinesis interface endpoint provides the route.
func NewNetwork(scope constructs.Construct, id string, props *NetworkProps) *Network {
	c := constructs.NewConstruct(scope, jsii.String(id))
	s := props.Settings
	n := &Network{Construct: c}

	if s.CreatesVpc() {
		n.Vpc = newIsolatedVpc(c, props)
		for _, subnet := range *n.Vpc.IsolatedSubnets() {
			n.SubnetIDs = append(n.SubnetIDs, subnet.SubnetId())
		}
	} else {
		n.Vpc = awsec2.Vpc_FromVpcAttributes(c, jsii.String("Vpc"), &awsec2.VpcAttributes{
			VpcId:             jsii.String(s.VpcID),
			AvailabilityZones: awscdk.Stack_Of(c).AvailabilityZones(),
		})
		n.SubnetIDs = *jsii.Strings(s.SubnetIDs...)
	}

	var peers []awsec2.IPeer
	if len(s.SecurityGroupIDs) == 0 {
		n.SecurityGroup = awsec2.NewSecurityGroup(c, jsii.String("WorkgroupSecurityGroup"), &awsec2.SecurityGroupProps{
			Vpc:              n.Vpc,
			Description:      jsii.String("chatstream Redshift Serverless workgroup: no ingress; egress only to the Kinesis endpoint"),
			AllowAllOutbound: jsii.Bool(false),
		})
		n.SecurityGroupIDs = []*string{n.SecurityGroup.SecurityGroupId()}
		peers = append(peers, n.SecurityGroup)
	} else {
		n.SecurityGroupIDs = *jsii.Strings(s.SecurityGroupIDs...)
		for _, sg := range s.SecurityGroupIDs {
			peers = append(peers, awsec2.Peer_SecurityGroupId(jsii.String(sg), nil))
		}
	}

	if props.EnhancedVpcRouting {
		n.KinesisEndpoint = newKinesisEndpoint(c, n, peers, props.Stream)
	}
	return n
}

// newIsolatedVpc defines a VPC with one isolated subnet in each of three (or the configured)
// Availability Zones: no route to the internet, flow logs on.
func newIsolatedVpc(c constructs.Construct, props *NetworkProps) awsec2.Vpc {
	s := props.Settings
	flowLogs := awslogs.NewLogGroup(c, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
		Retention:     retentionDays(props.LogRetentionDays),
		RemovalPolicy: removalPolicy(props.Retain),
	})
	vpcProps := &awsec2.VpcProps{
		IpAddresses: awsec2.IpAddresses_Cidr(jsii.String(s.VpcCidr)),
		NatGateways: jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{{
			Name:       jsii.String("warehouse"),
			SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED,
			CidrMask:   jsii.Number(24),
		}},
		FlowLogs: &map[string]*awsec2.FlowLogOptions{
			"All": {
				TrafficType: awsec2.FlowLogTrafficType_ALL,
				Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(flowLogs, nil),
			},
		},
	}
	if len(s.AvailabilityZones) > 0 {
		vpcProps.AvailabilityZones = jsii.Strings(s.AvailabilityZones...)
	} else {
		vpcProps.AvailabilityZones = deployTimeZones(config.WorkgroupZones)
	}
	return awsec2.NewVpc(c, jsii.String("Vpc"), vpcProps)
}

// deployTimeZones returns the first n Availability Zones of the Region the stack deploys to, as
// CloudFormation expressions. Redshift Serverless wants a workgroup's subnets in at least three
// zones ("Considerations when using Amazon Redshift Serverless", see config.WorkgroupZones), but an
// environment-agnostic stack's Stack.AvailabilityZones holds only two, so MaxAzs cannot reach three.
func deployTimeZones(n int) *[]*string {
	zones := make([]*string, n)
	for i := range zones {
		zones[i] = awscdk.Fn_Select(jsii.Number(i), awscdk.Fn_GetAzs(jsii.String("")))
	}
	return &zones
}

// newKinesisEndpoint defines the interface endpoint through which an enhanced-VPC-routing
// workgroup reads the stream. Its policy allows only the streaming-ingestion reads of this stream.
func newKinesisEndpoint(c constructs.Construct, n *Network, clients []awsec2.IPeer, stream awskinesis.IStream) awsec2.CfnVPCEndpoint {
	sg := awsec2.NewSecurityGroup(c, jsii.String("KinesisEndpointSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              n.Vpc,
		Description:      jsii.String("chatstream Kinesis interface endpoint: HTTPS from the workgroup only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	for i, peer := range clients {
		sg.AddIngressRule(peer, awsec2.Port_Tcp(jsii.Number(443)), jsii.String(fmt.Sprintf("HTTPS from workgroup security group %d", i+1)), nil)
	}
	if n.SecurityGroup != nil {
		n.SecurityGroup.AddEgressRule(sg, awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS to the Kinesis endpoint"), nil)
	}
	policy := awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &[]awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings(streamingReadActions()...),
			Resources:  &[]*string{stream.StreamArn()},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings("kinesis:ListStreams"),
			Resources:  jsii.Strings("*"),
		}),
	}})
	subnets := make([]any, len(n.SubnetIDs))
	for i, id := range n.SubnetIDs {
		subnets[i] = id
	}
	return awsec2.NewCfnVPCEndpoint(c, jsii.String("KinesisEndpoint"), &awsec2.CfnVPCEndpointProps{
		VpcId:             n.Vpc.VpcId(),
		VpcEndpointType:   jsii.String("Interface"),
		ServiceName:       awsec2.InterfaceVpcEndpointAwsService_KINESIS_STREAMS().Name(),
		PrivateDnsEnabled: jsii.Bool(true),
		SubnetIds:         &subnets,
		SecurityGroupIds:  &[]any{sg.SecurityGroupId()},
		PolicyDocument:    policy,
	})
}
