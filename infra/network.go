package main

import (
	"fmt"
	"strconv"

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
	// Settings chooses between a created VPC and existing subnets, and says whether those
	// subnets already route to Kinesis.
	Settings config.Network
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
	// KinesisEndpoint is the Kinesis interface endpoint; nil when the existing subnets already
	// route to Kinesis.
	KinesisEndpoint awsec2.InterfaceVpcEndpoint
}

// NewNetwork creates a VPC with isolated subnets only (no internet gateway, no NAT) or adopts the
// configured VPC and subnets, and gives the workgroup its route to Kinesis. AWS's "Getting
// started with streaming ingestion from Amazon Kinesis Data Streams" (step 2) says the cluster or
// Redshift Serverless needs a route to the Kinesis endpoints, through a NAT or internet gateway
// or through a Kinesis interface VPC endpoint; isolated subnets have neither gateway, so the
// stack adds the endpoint unless the settings say existing subnets already route to Kinesis.
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

	switch {
	case s.NeedsKinesisEndpoint():
		n.KinesisEndpoint = newKinesisEndpoint(c, n, props.Settings, peers, props.Stream)
	case n.SecurityGroup != nil:
		// The subnets route to Kinesis's public endpoints (a NAT gateway); Kinesis takes HTTPS only.
		n.SecurityGroup.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)),
			jsii.String("HTTPS to Kinesis through the subnets' route"), nil)
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

// newKinesisEndpoint defines the interface endpoint through which the workgroup reads the stream,
// with private DNS in the workgroup's subnets, so that the Region's Kinesis host name resolves to
// it. Its security group admits HTTPS only from the workgroup's security groups, and its policy
// allows only the streaming-ingestion reads of this stream.
func newKinesisEndpoint(c constructs.Construct, n *Network, s config.Network, clients []awsec2.IPeer, stream awskinesis.IStream) awsec2.InterfaceVpcEndpoint {
	sg := awsec2.NewSecurityGroup(c, jsii.String("KinesisEndpointSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              n.Vpc,
		Description:      jsii.String("chatstream Kinesis interface endpoint: HTTPS from the workgroup only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	endpoint := awsec2.NewInterfaceVpcEndpoint(c, jsii.String("KinesisEndpoint"), &awsec2.InterfaceVpcEndpointProps{
		Vpc:               n.Vpc,
		Service:           awsec2.InterfaceVpcEndpointAwsService_KINESIS_STREAMS(),
		PrivateDnsEnabled: jsii.Bool(true),
		Subnets:           endpointSubnets(c, n, s),
		SecurityGroups:    &[]awsec2.ISecurityGroup{sg},
		// Not open to the whole VPC: only the workgroup's security groups, below.
		Open: jsii.Bool(false),
	})
	for i, peer := range clients {
		sg.AddIngressRule(peer, awsec2.Port_Tcp(jsii.Number(443)), jsii.String(fmt.Sprintf("HTTPS from workgroup security group %d", i+1)), nil)
	}
	if n.SecurityGroup != nil {
		n.SecurityGroup.AddEgressRule(sg, awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS to the Kinesis endpoint"), nil)
	}
	endpoint.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings(streamingReadActions()...),
		Resources:  &[]*string{stream.StreamArn()},
	}))
	endpoint.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kinesis:ListStreams"),
		Resources:  jsii.Strings("*"),
	}))
	return endpoint
}

// endpointSubnets selects the workgroup's subnets for the endpoint. The endpoint keeps one subnet
// per Availability Zone, so existing subnets, whose zones the settings do not give, are imported
// each as its own zone: Redshift Serverless already requires them to sit in distinct zones, and
// the zone name never reaches the template (the endpoint names subnets by id).
func endpointSubnets(c constructs.Construct, n *Network, s config.Network) *awsec2.SubnetSelection {
	if s.CreatesVpc() {
		return &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
	}
	subnets := make([]awsec2.ISubnet, len(s.SubnetIDs))
	for i, id := range s.SubnetIDs {
		subnet := awsec2.Subnet_FromSubnetAttributes(c, jsii.String("EndpointSubnet"+strconv.Itoa(i)), &awsec2.SubnetAttributes{
			SubnetId:         jsii.String(id),
			AvailabilityZone: jsii.String("zone-of-" + id),
		})
		// Only an endpoint is placed in the subnet; nothing reads its route table.
		awscdk.Annotations_Of(subnet).AcknowledgeWarning(jsii.String("@aws-cdk/aws-ec2:noSubnetRouteTableId"),
			jsii.String("the endpoint needs the subnet's id only"))
		subnets[i] = subnet
	}
	return &awsec2.SubnetSelection{Subnets: &subnets}
}
