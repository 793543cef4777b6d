package main

import (
	"maps"
	"slices"
	"sort"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/chatstream/chatstream/infra/config"
)

// workgroupSubnets is what the workgroup's SubnetIds must be: the created VPC's subnets, or the configured ones.
func (s *synthesis) workgroupSubnets(t *testing.T) []any {
	t.Helper()
	var out []any
	if !s.env.Network.CreatesVpc() {
		for _, id := range s.env.Network.SubnetIDs {
			out = append(out, id)
		}
		return out
	}
	ids := make([]string, 0)
	for id := range s.ofType("AWS::EC2::Subnet") {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		out = append(out, ref(id))
	}
	return out
}

// firstZones is what a template says for the first n Availability Zones of the Region it deploys to.
func firstZones(n int) []any {
	zones := make([]any, n)
	for i := range zones {
		zones[i] = map[string]any{"Fn::Select": []any{float64(i), map[string]any{"Fn::GetAZs": ""}}}
	}
	return zones
}

// workgroupSecurityGroups is what the workgroup's SecurityGroupIds must be.
func (s *synthesis) workgroupSecurityGroups(t *testing.T) []any {
	t.Helper()
	if len(s.env.Network.SecurityGroupIDs) > 0 {
		var out []any
		for _, id := range s.env.Network.SecurityGroupIDs {
			out = append(out, id)
		}
		return out
	}
	return []any{getAtt(s.id(s.stack.Network.SecurityGroup), "GroupId")}
}

func TestWorkgroupIsNotReachableFromTheInternet(t *testing.T) {
	allEnvs(t, func(t *testing.T, s *synthesis) {
		// GIVEN any environment's template
		// THEN there is no internet gateway, NAT, public IP or route to the internet
		for _, typ := range []string{"AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::EIP", "AWS::EC2::EgressOnlyInternetGateway"} {
			if got := len(s.ofType(typ)); got != 0 {
				t.Errorf("%d %s resources, want 0", got, typ)
			}
		}
		for id, r := range s.ofType("AWS::EC2::Route") {
			t.Errorf("route %s: %v, want no routes beyond the VPC's local one", id, props(r))
		}
		for id, r := range s.ofType("AWS::EC2::Subnet") {
			if got := props(r)["MapPublicIpOnLaunch"]; got != false {
				t.Errorf("subnet %s: MapPublicIpOnLaunch = %v, want false", id, got)
			}
		}
		// AND no security group admits traffic from an address range: ingress comes only from security groups
		for _, rule := range s.ingressRules() {
			if rule["CidrIp"] != nil || rule["CidrIpv6"] != nil || rule["SourcePrefixListId"] != nil || rule["SourceSecurityGroupId"] == nil {
				t.Errorf("ingress rule %v, want only a source security group", rule)
			}
		}
		// AND the workgroup is not publicly accessible
		if got := props(s.resource(t, s.stack.Warehouse.Workgroup))["PubliclyAccessible"]; got != false {
			t.Errorf("PubliclyAccessible = %v, want false", got)
		}
	})
}

func TestCreatedVpcHasIsolatedSubnetsInDistinctZonesAndFlowLogs(t *testing.T) {
	tests := []struct {
		env   string
		zones []any
	}{
		{env: "staging", zones: firstZones(3)},
		{env: "production", zones: []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"}},
		{env: "evr", zones: []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"}},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			s := synth(t, tt.env)
			// GIVEN a created VPC
			// THEN it has one isolated subnet in each of three distinct zones, as Redshift Serverless
			// requires: the Region's first three, picked at deploy time, or the configured ones
			var zones []any
			for _, r := range s.ofType("AWS::EC2::Subnet") {
				zones = append(zones, props(r)["AvailabilityZone"])
			}
			sortByJSON(zones)
			if diff := cmp.Diff(tt.zones, zones); diff != "" {
				t.Errorf("subnet zones (-want +got):\n%s", diff)
			}
			// AND the workgroup gets all three (warehouse_test checks they are these subnets)
			if subnets, _ := props(s.resource(t, s.stack.Warehouse.Workgroup))["SubnetIds"].([]any); len(subnets) != config.WorkgroupZones {
				t.Errorf("workgroup SubnetIds = %v, want %d subnets", subnets, config.WorkgroupZones)
			}
			// AND it logs all traffic
			logs := s.ofType("AWS::EC2::FlowLog")
			if len(logs) != 1 {
				t.Fatalf("%d flow logs, want 1", len(logs))
			}
			for _, r := range logs {
				if p := props(r); p["TrafficType"] != "ALL" || p["ResourceType"] != "VPC" {
					t.Errorf("flow log = %v, want all traffic of the VPC", p)
				}
			}
		})
	}
}

func TestExistingVpcIsUsedAsConfigured(t *testing.T) {
	s := synth(t, "existing-vpc")
	// GIVEN settings naming a VPC, subnets and a security group
	// THEN the stack creates no VPC, subnet or workgroup security group
	for _, typ := range []string{"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::FlowLog"} {
		if got := len(s.ofType(typ)); got != 0 {
			t.Errorf("%d %s resources, want 0", got, typ)
		}
	}
	if s.stack.Network.SecurityGroup != nil {
		t.Error("a workgroup security group was created, want the configured one")
	}
	// AND the workgroup uses exactly the configured ids
	p := props(s.resource(t, s.stack.Warehouse.Workgroup))
	if diff := cmp.Diff([]any{"subnet-0123456789abcdef0", "subnet-0123456789abcdef1", "subnet-0123456789abcdef2"}, p["SubnetIds"]); diff != "" {
		t.Errorf("SubnetIds (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{"sg-0123456789abcdef0"}, p["SecurityGroupIds"]); diff != "" {
		t.Errorf("SecurityGroupIds (-want +got):\n%s", diff)
	}
}

func TestKinesisEndpointGivesTheWorkgroupItsRouteToKinesis(t *testing.T) {
	allEnvs(t, func(t *testing.T, s *synthesis) {
		endpoints := s.ofType("AWS::EC2::VPCEndpoint")
		// GIVEN existing subnets that already route to Kinesis THEN the stack adds no endpoint
		if !s.env.Network.NeedsKinesisEndpoint() {
			if len(endpoints) != 0 || s.stack.Network.KinesisEndpoint != nil {
				t.Errorf("%d VPC endpoints, want none where the subnets route to Kinesis", len(endpoints))
			}
			return
		}
		// GIVEN any other network THEN one Kinesis interface endpoint with private DNS sits in the
		// workgroup's subnets, allowing only the streaming reads of this stream
		if len(endpoints) != 1 {
			t.Fatalf("%d VPC endpoints, want 1", len(endpoints))
		}
		id := s.id(s.stack.Network.KinesisEndpoint)
		p := props(endpoints[id])
		stream := getAtt(s.id(s.stack.Stream), "Arn")
		service := any(map[string]any{"Fn::Join": []any{"", []any{"com.amazonaws.", ref("AWS::Region"), ".kinesis-streams"}}})
		if s.env.Region != "" {
			service = "com.amazonaws." + s.env.Region + ".kinesis-streams"
		}
		want := map[string]any{
			"VpcEndpointType":   "Interface",
			"PrivateDnsEnabled": true,
			"ServiceName":       service,
			"SubnetIds":         s.workgroupSubnets(t),
			"PolicyDocument": map[string]any{
				"Version": "2012-10-17",
				"Statement": []any{
					map[string]any{"Action": []any{"kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords",
						"kinesis:GetShardIterator", "kinesis:ListShards"}, "Effect": "Allow", "Principal": map[string]any{"AWS": "*"}, "Resource": stream},
					map[string]any{"Action": "kinesis:ListStreams", "Effect": "Allow", "Principal": map[string]any{"AWS": "*"}, "Resource": "*"},
				},
			},
		}
		for key, w := range want {
			if diff := cmp.Diff(w, p[key], cmpSortBy(text)); diff != "" {
				t.Errorf("endpoint %s (-want +got):\n%s", key, diff)
			}
		}
		// AND the workgroup waits for it
		if deps, _ := s.resource(t, s.stack.Warehouse.Workgroup)["DependsOn"].([]any); !slices.Contains(deps, any(id)) {
			t.Errorf("workgroup DependsOn = %v, want the Kinesis endpoint %s", deps, id)
		}
		// AND the endpoint admits HTTPS only from the workgroup's security groups
		endpointSG := s.id(s.stack.Network.Node().FindChild(jsii.String("KinesisEndpointSecurityGroup")))
		if diff := cmp.Diff([]any{getAtt(endpointSG, "GroupId")}, p["SecurityGroupIds"]); diff != "" {
			t.Errorf("endpoint security groups (-want +got):\n%s", diff)
		}
		var sources []any
		for _, rule := range s.ingressRules() {
			if cmp.Equal(rule["GroupId"], getAtt(endpointSG, "GroupId")) {
				if rule["FromPort"] != float64(443) || rule["ToPort"] != float64(443) || rule["IpProtocol"] != "tcp" {
					t.Errorf("endpoint ingress = %v, want tcp/443", rule)
				}
				sources = append(sources, rule["SourceSecurityGroupId"])
			}
		}
		if diff := cmp.Diff(s.workgroupSecurityGroups(t), sources); diff != "" {
			t.Errorf("endpoint ingress sources (-want +got):\n%s", diff)
		}
	})
}

func TestEnhancedVpcRoutingIsOnByDefault(t *testing.T) {
	// Security Hub control RedshiftServerless.1 requires enhanced VPC routing.
	allEnvs(t, func(t *testing.T, s *synthesis) {
		if got := props(s.resource(t, s.stack.Warehouse.Workgroup))["EnhancedVpcRouting"]; got != true {
			t.Errorf("EnhancedVpcRouting = %v, want true", got)
		}
	})
}

func TestCreatedWorkgroupSecurityGroupOnlyTalksToKinesis(t *testing.T) {
	for _, env := range []string{"staging", "evr", "routed-vpc"} {
		t.Run(env, func(t *testing.T) {
			s := synth(t, env)
			sg := s.id(s.stack.Network.SecurityGroup)
			// GIVEN the workgroup security group the stack creates
			// THEN its only egress, inline or standalone, is HTTPS: to the endpoint's security
			// group, or, where the subnets route to Kinesis, to Kinesis's public endpoints
			egress := []any{}
			inline, _ := props(s.resources[sg])["SecurityGroupEgress"].([]any)
			for _, e := range inline {
				e := e.(map[string]any)
				egress = append(egress, map[string]any{"protocol": e["IpProtocol"], "port": e["FromPort"], "to": e["DestinationSecurityGroupId"], "cidr": e["CidrIp"]})
			}
			for _, r := range s.ofType("AWS::EC2::SecurityGroupEgress") {
				if p := props(r); cmp.Equal(p["GroupId"], getAtt(sg, "GroupId")) {
					egress = append(egress, map[string]any{"protocol": p["IpProtocol"], "port": p["FromPort"], "to": p["DestinationSecurityGroupId"], "cidr": p["CidrIp"]})
				}
			}
			want := []any{map[string]any{"protocol": "tcp", "port": float64(443), "to": nil, "cidr": "0.0.0.0/0"}}
			if s.env.Network.NeedsKinesisEndpoint() {
				endpointSG := s.id(s.stack.Network.Node().FindChild(jsii.String("KinesisEndpointSecurityGroup")))
				want = []any{map[string]any{"protocol": "tcp", "port": float64(443), "to": getAtt(endpointSG, "GroupId"), "cidr": nil}}
			}
			if diff := cmp.Diff(want, egress); diff != "" {
				t.Errorf("egress rules (-want +got):\n%s", diff)
			}
		})
	}
}

// ingressRules returns every ingress rule, inline or standalone, each with the GroupId it belongs to.
func (s *synthesis) ingressRules() []map[string]any {
	var rules []map[string]any
	for id, r := range s.ofType("AWS::EC2::SecurityGroup") {
		inline, _ := props(r)["SecurityGroupIngress"].([]any)
		for _, rule := range inline {
			rule, _ := rule.(map[string]any)
			withGroup := maps.Clone(rule)
			withGroup["GroupId"] = getAtt(id, "GroupId")
			rules = append(rules, withGroup)
		}
	}
	for _, r := range s.ofType("AWS::EC2::SecurityGroupIngress") {
		rules = append(rules, props(r))
	}
	return rules
}
