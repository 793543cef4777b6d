package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A refused environment must not be half applied: FromContext returns the
// zero Environment with an error naming the key and the value. These cases
// add what the table in config_test.go leaves out: numbers of the wrong
// kind, ids that look almost right, names that carry quotes, semicolons or
// non-ASCII letters.
func TestFromContextRefusesWholly(t *testing.T) {
	tests := []struct {
		name     string
		env      string // default "bad"
		settings string
		want     []string
	}{
		{name: "fractional capacity", settings: `{"warehouse": {"baseCapacity": 8.5}}`, want: []string{"chatstream.bad.warehouse.baseCapacity = 8.5", "int"}},
		{name: "negative capacity", settings: `{"warehouse": {"baseCapacity": -8, "maxCapacity": -8}}`, want: []string{"chatstream.bad.warehouse.baseCapacity = -8", "chatstream.bad.warehouse.maxCapacity = -8"}},
		{name: "zero capacity", settings: `{"warehouse": {"baseCapacity": 0}}`, want: []string{"chatstream.bad.warehouse.baseCapacity = 0", "steps of 8"}},
		{name: "capacity as a string", settings: `{"warehouse": {"maxCapacity": "16"}}`, want: []string{`chatstream.bad.warehouse.maxCapacity = "16"`, "int"}},
		{name: "capacity beyond int64", settings: `{"warehouse": {"maxCapacity": 1e30}}`, want: []string{"chatstream.bad.warehouse.maxCapacity = 1e+30"}},
		{name: "VPC id in upper case", settings: `{"network": {"vpcId": "vpc-0123ABCD", "subnetIds": ["subnet-01234567", "subnet-89abcdef"]}}`, want: []string{`chatstream.bad.network.vpcId = "vpc-0123ABCD"`, "hex digits"}},
		{name: "VPC id with a blank", settings: `{"network": {"vpcId": " vpc-01234567", "subnetIds": ["subnet-01234567", "subnet-89abcdef"]}}`, want: []string{`chatstream.bad.network.vpcId = " vpc-01234567"`}},
		{name: "VPC id of 16 hex digits", settings: `{"network": {"vpcId": "vpc-0123456789abcdef", "subnetIds": ["subnet-01234567", "subnet-89abcdef"]}}`, want: []string{`chatstream.bad.network.vpcId = "vpc-0123456789abcdef"`, "8 or 17 hex digits"}},
		{name: "subnet id of another resource", settings: `{"network": {"vpcId": "vpc-01234567", "subnetIds": ["subnet-01234567", "vpc-89abcdef"]}}`, want: []string{`chatstream.bad.network.subnetIds[1] = "vpc-89abcdef"`, "subnet-"}},
		{name: "subnet listed twice", settings: `{"network": {"vpcId": "vpc-01234567", "subnetIds": ["subnet-01234567", "subnet-01234567"]}}`, want: []string{`chatstream.bad.network.subnetIds[1] = "subnet-01234567"`, "listed twice"}},
		{name: "subnet ids not a list", settings: `{"network": {"vpcId": "vpc-01234567", "subnetIds": "subnet-01234567"}}`, want: []string{`chatstream.bad.network.subnetIds = "subnet-01234567"`}},
		{name: "subnet id with an injected quote", settings: `{"network": {"vpcId": "vpc-01234567", "subnetIds": ["subnet-01234567", "subnet-89abcdef\"}"]}}`, want: []string{`chatstream.bad.network.subnetIds[1] = "subnet-89abcdef\"}"`}},
		{name: "security group listed twice", settings: `{"network": {"vpcId": "vpc-01234567", "subnetIds": ["subnet-01234567", "subnet-89abcdef"], "securityGroupIds": ["sg-01234567", "sg-01234567"]}}`, want: []string{`chatstream.bad.network.securityGroupIds[1] = "sg-01234567"`, "listed twice"}},
		{name: "CIDR not a network address", settings: `{"network": {"vpcCidr": "10.42.1.0/16"}}`, want: []string{`chatstream.bad.network.vpcCidr = "10.42.1.0/16"`}},
		{name: "CIDR IPv6", settings: `{"network": {"vpcCidr": "fd00::/56"}}`, want: []string{`chatstream.bad.network.vpcCidr = "fd00::/56"`}},
		{name: "stream name with a quote", settings: `{"stream": {"name": "chat\"events"}}`, want: []string{`chatstream.bad.stream.name = "chat\"events"`}},
		{name: "stream name with a semicolon", settings: `{"stream": {"name": "chat;drop"}}`, want: []string{`chatstream.bad.stream.name = "chat;drop"`}},
		{name: "stream name non-ASCII", settings: `{"stream": {"name": "événements"}}`, want: []string{`chatstream.bad.stream.name = "événements"`}},
		{name: "stream name of 129 characters", settings: `{"stream": {"name": "` + strings.Repeat("s", 129) + `"}}`, want: []string{"chatstream.bad.stream.name", "is 129 bytes; Redshift allows at most 127"}},
		// Kinesis takes 128 characters, but the stream view names the stream, and Redshift identifiers end at 127 bytes.
		{name: "stream name of 128 characters", settings: `{"stream": {"name": "` + strings.Repeat("s", 128) + `"}}`, want: []string{"chatstream.bad.stream.name", "is 128 bytes; Redshift allows at most 127"}},
		{name: "stream name in upper case", settings: `{"stream": {"name": "Chat-Events"}}`, want: []string{`chatstream.bad.stream.name = "Chat-Events"`, "a-z"}},
		{name: "stream name empty", settings: `{"stream": {"name": ""}}`, want: []string{`chatstream.bad.stream.name = ""`}},
		{name: "database name with a comment marker", settings: `{"warehouse": {"databaseName": "chat--stream"}}`, want: []string{`chatstream.bad.warehouse.databaseName = "chat--stream"`}},
		{name: "admin name with a quote", settings: `{"warehouse": {"adminUsername": "admin'--"}}`, want: []string{`chatstream.bad.warehouse.adminUsername = "admin'--"`}},
		{name: "settings null", settings: `null`, want: []string{"chatstream.bad = null", "want an object of settings"}},
		{name: "settings a list", settings: `[]`, want: []string{"chatstream.bad = []"}},
		{name: "environment name with a semicolon", env: "prod;rm", settings: `{}`, want: []string{`env = "prod;rm"`}},
		{name: "environment name too long", env: strings.Repeat("e", 21), settings: `{}`, want: []string{`env = "` + strings.Repeat("e", 21) + `"`, "1 to 20"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.env
			if env == "" {
				env = "bad"
			}
			var ctx any
			if err := json.Unmarshal([]byte(`{"`+env+`": `+tt.settings+`}`), &ctx); err != nil {
				t.Fatalf("test settings %s: %v", tt.settings, err)
			}
			got, err := FromContext(ctx, env)
			if err == nil {
				t.Fatalf("FromContext(%s) = nil error, want one naming %q", tt.settings, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("FromContext(%s) error = %q, want it to contain %q", tt.settings, err, w)
				}
			}
			if diff := cmp.Diff(Environment{}, got); diff != "" {
				t.Errorf("FromContext(%s) returned a partial environment with its error (-want +got):\n%s", tt.settings, diff)
			}
		})
	}
}

func TestLoadFileRefusesBadFiles(t *testing.T) {
	tests := []struct {
		name    string
		content string
		env     string
		want    string
	}{
		{name: "not JSON", content: `{"context": `, env: "staging", want: "cdk.json: unexpected end of JSON input"},
		{name: "no chatstream context", content: `{"app": "go run ./infra", "context": {}}`, env: "staging", want: "context chatstream is missing"},
		{name: "context a list", content: `{"context": []}`, env: "staging", want: "parse"},
		{name: "unknown environment", content: `{"context": {"chatstream": {"staging": {}, "production": {}}}}`, env: "no-such-env", want: `env = "no-such-env": no such environment in context chatstream (defined: production, staging)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cdk.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := LoadFile(path, tt.env)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("LoadFile() error = %v, want one naming %s and containing %q", err, path, tt.want)
			}
			if diff := cmp.Diff(Environment{}, got); diff != "" {
				t.Errorf("LoadFile() returned a partial environment with its error (-want +got):\n%s", diff)
			}
		})
	}
}
