package config

import (
	"encoding/json"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// context parses a cdk.json-style "chatstream" context value.
func context(t *testing.T, js string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Fatalf("test context %s: %v", js, err)
	}
	return v
}

func TestDefaultsAreValidOnceARetainingEnvironmentNamesItsZones(t *testing.T) {
	for _, name := range []string{"staging", "production", "dev"} {
		// GIVEN the defaults, which retain data
		e := Defaults(name)
		// THEN the only thing they lack is where the workgroup goes
		err := e.Validate()
		if err == nil || strings.Count(err.Error(), "\n") != 0 || !strings.Contains(err.Error(), "network.availabilityZones = []: an environment that retains its data") {
			t.Errorf("Defaults(%q).Validate() = %v, want exactly the error asking for zones", name, err)
		}
		// AND with zones of a named Region, or without retaining data, they are valid
		named := e
		named.Region, named.Network.AvailabilityZones = "eu-west-1", []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}
		disposable := e
		disposable.RemovalPolicy = RemovalDestroy
		for what, env := range map[string]Environment{"named zones": named, "destroy": disposable} {
			if err := env.Validate(); err != nil {
				t.Errorf("Defaults(%q) with %s: Validate() = %v, want nil", name, what, err)
			}
		}
	}
}

func TestFromContextOverlaysSettingsOnDefaults(t *testing.T) {
	// GIVEN an environment that sets a few keys, some nested
	ctx := context(t, `{"qa": {
		"removalPolicy": "destroy",
		"stream": {"retentionHours": 48},
		"producer": {"rate": 0, "tracing": true, "rhythm": "peak=18", "dirtyRatio": 0.01},
		"schedule": {"enabled": false},
		"warehouse": {"maxCapacity": 64, "logExports": ["connectionlog"]}
	}}`)
	// WHEN it is loaded
	got, err := FromContext(ctx, "qa")
	if err != nil {
		t.Fatal(err)
	}
	// THEN the keys it sets win and every other key keeps its default
	want := Defaults("qa")
	want.RemovalPolicy = RemovalDestroy
	want.Stream.RetentionHours = 48
	want.Producer.Rate = 0
	want.Producer.Tracing = true
	want.Producer.Rhythm = "peak=18"
	want.Producer.DirtyRatio = 0.01
	want.Schedule.Enabled = false
	want.Warehouse.MaxCapacity = 64
	want.Warehouse.LogExports = []string{LogConnection}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FromContext (-want +got):\n%s", diff)
	}
	if got.StackName() != "chatstream-qa" || got.Retain() || !got.Network.CreatesVpc() || got.Warehouse.ExportsLog(LogUser) {
		t.Errorf("derived values of %+v are wrong", got)
	}
}

func TestFromContextDefaultsToStaging(t *testing.T) {
	got, err := FromContext(context(t, `{"staging": {"removalPolicy": "destroy"}}`), "")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != DefaultEnv || got.Stream.Name != "chat-events-staging" {
		t.Errorf("FromContext(..., \"\") = %s with stream %s, want staging with chat-events-staging", got.Name, got.Stream.Name)
	}
}

func TestFromContextRejectsBadSettings(t *testing.T) {
	tests := []struct {
		name     string
		env      string
		settings string
		// want are fragments the error must contain: the key and the offending value.
		want []string
	}{
		{name: "unknown environment", env: "no-such-env", settings: `{}`, want: []string{`env = "no-such-env"`, "defined: bad"}},
		{name: "environment name with capitals", env: "Prod", settings: `{}`, want: []string{`env = "Prod"`}},
		{name: "misspelt key", settings: `{"warehouse": {"baseCapcity": 8}}`, want: []string{"chatstream.bad.warehouse.baseCapcity = 8", "unknown setting"}},
		{name: "unknown group", settings: `{"lambda": {}}`, want: []string{"chatstream.bad.lambda = {}", "unknown setting"}},
		{name: "wrong type", settings: `{"warehouse": {"baseCapacity": "eight"}}`, want: []string{`chatstream.bad.warehouse.baseCapacity = "eight"`, "int"}},
		{name: "settings not an object", settings: `"staging"`, want: []string{`chatstream.bad = "staging"`}},
		{name: "removal policy", settings: `{"removalPolicy": "snapshot"}`, want: []string{`chatstream.bad.removalPolicy = "snapshot"`}},
		{name: "log retention", settings: `{"logRetentionDays": 10}`, want: []string{"chatstream.bad.logRetentionDays = 10"}},
		{name: "region", settings: `{"region": "Europe"}`, want: []string{`chatstream.bad.region = "Europe"`}},
		{name: "upper-case stream name", settings: `{"stream": {"name": "Chat-Events"}}`, want: []string{`chatstream.bad.stream.name = "Chat-Events"`, "case"}},
		{name: "stream retention too short", settings: `{"stream": {"retentionHours": 12}}`, want: []string{"chatstream.bad.stream.retentionHours = 12", "24 to 8760"}},
		{name: "no events", settings: `{"producer": {"eventsPerInvocation": 0}}`, want: []string{"chatstream.bad.producer.eventsPerInvocation = 0"}},
		{name: "more users than the producer takes", settings: `{"producer": {"users": 20000000}}`, want: []string{"chatstream.bad.producer.users = 20000000", "want 1 to 10000000"}},
		{name: "negative rate", settings: `{"producer": {"rate": -1}}`, want: []string{"chatstream.bad.producer.rate = -1"}},
		{name: "memory", settings: `{"producer": {"memoryMiB": 64}}`, want: []string{"chatstream.bad.producer.memoryMiB = 64", "128 to 10240"}},
		{name: "async retries", settings: `{"producer": {"asyncRetryAttempts": 3}}`, want: []string{"chatstream.bad.producer.asyncRetryAttempts = 3"}},
		{name: "timeout not shorter than the period", settings: `{"producer": {"timeoutSeconds": 60}}`,
			want: []string{"chatstream.bad.producer.timeoutSeconds = 60", "timeout 1m0s is not shorter than the period 1m0s", `schedule.expression = "rate(1 minute)"`}},
		{name: "timeout shorter than the window", settings: `{"producer": {"timeoutSeconds": 50}}`,
			want: []string{"chatstream.bad.producer.timeoutSeconds = 50", "timeout 50s is shorter than 59s: the window of an invocation every 1m0s ends 58s after it is due"}},
		{name: "timeout for a five-minute schedule", settings: `{"producer": {"timeoutSeconds": 59}, "schedule": {"expression": "rate(5 minutes)"}}`,
			want: []string{"chatstream.bad.producer.timeoutSeconds = 59", "shorter than 4m59s"}},
		{name: "rate too slow for the timeout", settings: `{"producer": {"eventsPerInvocation": 5000, "rate": 50}}`,
			want: []string{"chatstream.bad.producer.eventsPerInvocation = 5000", "needs 100s", "timeoutSeconds = 59"}},
		{name: "rate one partition key cannot take", settings: `{"producer": {"rate": 50000, "eventsPerInvocation": 1}}`,
			want: []string{"chatstream.bad.producer.rate = 50000", "the busiest user would send 1285 events/s to one partition key"}},
		{name: "rhythm", settings: `{"producer": {"rhythm": "evenings"}}`, want: []string{`chatstream.bad.producer.rhythm = "evenings"`, "is not key=value"}},
		{name: "rhythm peak hour", settings: `{"producer": {"rhythm": "peak=25"}}`, want: []string{`chatstream.bad.producer.rhythm = "peak=25"`, "peak: 25 is out of range: want 0 to 23"}},
		{name: "dirty ratio", settings: `{"producer": {"dirtyRatio": 1.5}}`, want: []string{"chatstream.bad.producer.dirtyRatio = 1.5", "want a share from 0 to 1"}},
		{name: "cron expression", settings: `{"schedule": {"expression": "cron(* * * * ? *)"}}`, want: []string{`chatstream.bad.schedule.expression = "cron(* * * * ? *)"`, "rate expression"}},
		{name: "plural for one", settings: `{"schedule": {"expression": "rate(1 minutes)"}}`, want: []string{`chatstream.bad.schedule.expression = "rate(1 minutes)"`, "singular"}},
		{name: "zero rate", settings: `{"schedule": {"expression": "rate(0 minutes)"}}`, want: []string{`chatstream.bad.schedule.expression = "rate(0 minutes)"`}},
		{name: "scheduler retries", settings: `{"schedule": {"maxRetryAttempts": 200}}`, want: []string{"chatstream.bad.schedule.maxRetryAttempts = 200"}},
		{name: "scheduler event age", settings: `{"schedule": {"maxEventAgeSeconds": 30}}`, want: []string{"chatstream.bad.schedule.maxEventAgeSeconds = 30"}},
		{name: "namespace name", settings: `{"warehouse": {"namespaceName": "Chat_Stream"}}`, want: []string{`chatstream.bad.warehouse.namespaceName = "Chat_Stream"`}},
		{name: "namespace name of 65 characters", settings: `{"warehouse": {"namespaceName": "` + strings.Repeat("n", 65) + `"}}`,
			want: []string{`chatstream.bad.warehouse.namespaceName = "` + strings.Repeat("n", 65) + `"`, "3 to 64"}},
		{name: "workgroup name", settings: `{"warehouse": {"workgroupName": "wg"}}`, want: []string{`chatstream.bad.warehouse.workgroupName = "wg"`}},
		{name: "workgroup name of 64 characters", settings: `{"warehouse": {"workgroupName": "` + strings.Repeat("w", 64) + `"}}`,
			want: []string{`chatstream.bad.warehouse.workgroupName = "` + strings.Repeat("w", 64) + `"`, "3 to 63", "Data API"}},
		{name: "database name", settings: `{"warehouse": {"databaseName": "1db"}}`, want: []string{`chatstream.bad.warehouse.databaseName = "1db"`}},
		{name: "database name of 65 characters", settings: `{"warehouse": {"databaseName": "` + strings.Repeat("d", 65) + `"}}`,
			want: []string{`chatstream.bad.warehouse.databaseName = "` + strings.Repeat("d", 65) + `"`, "1 to 64"}},
		{name: "admin name", settings: `{"warehouse": {"adminUsername": "admin-user"}}`, want: []string{`chatstream.bad.warehouse.adminUsername = "admin-user"`}},
		{name: "base capacity off the steps", settings: `{"warehouse": {"baseCapacity": 12}}`, want: []string{"chatstream.bad.warehouse.baseCapacity = 12", "steps of 8"}},
		{name: "base capacity too large", settings: `{"warehouse": {"baseCapacity": 1024, "maxCapacity": 1024}}`, want: []string{"chatstream.bad.warehouse.baseCapacity = 1024"}},
		{name: "max capacity below base", settings: `{"warehouse": {"baseCapacity": 32, "maxCapacity": 16}}`, want: []string{"chatstream.bad.warehouse.maxCapacity = 16", "baseCapacity = 32"}},
		{name: "max capacity off the steps", settings: `{"warehouse": {"maxCapacity": 20}}`, want: []string{"chatstream.bad.warehouse.maxCapacity = 20"}},
		{name: "port", settings: `{"warehouse": {"port": 5430}}`, want: []string{"chatstream.bad.warehouse.port = 5430"}},
		{name: "unknown log", settings: `{"warehouse": {"logExports": ["querylog"]}}`, want: []string{`chatstream.bad.warehouse.logExports[0] = "querylog"`}},
		{name: "duplicate log", settings: `{"warehouse": {"logExports": ["userlog", "userlog"]}}`, want: []string{`chatstream.bad.warehouse.logExports[1] = "userlog"`, "twice"}},
		{name: "public without own VPC", settings: `{"warehouse": {"publiclyAccessible": true}}`, want: []string{"chatstream.bad.warehouse.publiclyAccessible = true", "network.vpcId"}},
		{name: "two named zones", settings: `{"network": {"availabilityZones": ["eu-west-1a", "eu-west-1b"]}}`,
			want: []string{`chatstream.bad.network.availabilityZones = ["eu-west-1a","eu-west-1b"]`, "at least 3 distinct"}},
		{name: "enhanced VPC routing with two named zones", settings: `{"warehouse": {"enhancedVpcRouting": true}, "network": {"availabilityZones": ["eu-west-1a", "eu-west-1b"]}}`,
			want: []string{`chatstream.bad.network.availabilityZones = ["eu-west-1a","eu-west-1b"]`, "at least 3 distinct"}},
		{name: "three named zones, two distinct", settings: `{"network": {"availabilityZones": ["eu-west-1a", "eu-west-1b", "eu-west-1a"]}}`,
			want: []string{`chatstream.bad.network.availabilityZones = ["eu-west-1a","eu-west-1b","eu-west-1a"]`, "at least 3 distinct",
				`chatstream.bad.network.availabilityZones[2] = "eu-west-1a": listed twice`}},
		{name: "created VPC in the two-zone Region", settings: `{"region": "us-west-1"}`,
			want: []string{`chatstream.bad.region = "us-west-1"`, "set network.vpcId and 3 network.subnetIds"}},
		{name: "zones of the two-zone Region", settings: `{"region": "us-west-1", "network": {"availabilityZones": ["us-west-1a", "us-west-1b", "us-west-1c"]}}`,
			want: []string{`chatstream.bad.region = "us-west-1"`, "us-west-1 offers two Availability Zones"}},
		{name: "zone name", settings: `{"network": {"availabilityZones": ["eu-west-1a", "west"]}}`, want: []string{`chatstream.bad.network.availabilityZones[1] = "west"`}},
		{name: "zones of two regions", settings: `{"network": {"availabilityZones": ["eu-west-1a", "us-east-1b"]}}`, want: []string{`chatstream.bad.network.availabilityZones[1] = "us-east-1b"`, "eu-west-1"}},
		{name: "zone outside the region", settings: `{"region": "us-east-1", "network": {"availabilityZones": ["eu-west-1a", "eu-west-1b"]}}`, want: []string{`chatstream.bad.network.availabilityZones[0] = "eu-west-1a"`, "us-east-1"}},
		{name: "public CIDR", settings: `{"network": {"vpcCidr": "8.8.0.0/16"}}`, want: []string{`chatstream.bad.network.vpcCidr = "8.8.0.0/16"`}},
		{name: "CIDR too small", settings: `{"network": {"vpcCidr": "10.0.0.0/24"}}`, want: []string{`chatstream.bad.network.vpcCidr = "10.0.0.0/24"`}},
		{name: "subnets without VPC", settings: `{"network": {"subnetIds": ["subnet-0123456789abcdef0"]}}`, want: []string{`chatstream.bad.network.subnetIds = ["subnet-0123456789abcdef0"]`, "network.vpcId"}},
		{name: "VPC id", settings: `{"network": {"vpcId": "vpc-xyz", "subnetIds": ["subnet-01234567", "subnet-89abcdef"]}}`, want: []string{`chatstream.bad.network.vpcId = "vpc-xyz"`}},
		{name: "subnet id", settings: `{"network": {"vpcId": "vpc-01234567", "subnetIds": ["subnet-01234567", "sn-1"]}}`, want: []string{`chatstream.bad.network.subnetIds[1] = "sn-1"`}},
		{name: "security group id", settings: `{"network": {"vpcId": "vpc-01234567", "subnetIds": ["subnet-01234567", "subnet-89abcdef"], "securityGroupIds": ["sg-1"]}}`,
			want: []string{`chatstream.bad.network.securityGroupIds[0] = "sg-1"`}},
		{name: "one subnet", settings: `{"network": {"vpcId": "vpc-01234567", "subnetIds": ["subnet-01234567"]}}`, want: []string{`chatstream.bad.network.subnetIds = ["subnet-01234567"]`, "at least 3"}},
		{name: "two subnets", settings: `{"network": {"vpcId": "vpc-01234567", "subnetIds": ["subnet-01234567", "subnet-89abcdef"]}}`,
			want: []string{`chatstream.bad.network.subnetIds = ["subnet-01234567","subnet-89abcdef"]`, "at least 3 subnets in 3 Availability Zones"}},
		{name: "two subnets in the two-zone Region", settings: `{"region": "us-west-1", "network": {"vpcId": "vpc-01234567", "subnetIds": ["subnet-01234567", "subnet-89abcdef"]}}`,
			want: []string{`chatstream.bad.network.subnetIds = ["subnet-01234567","subnet-89abcdef"]`, "at least 3"}},
		{name: "misspelt Region", settings: `{"region": "eu-westt-1"}`, want: []string{`chatstream.bad.region = "eu-westt-1"`, "not a Region the AWS CDK knows", `did you mean "eu-west-1"`}},
		{name: "Region without Redshift Serverless", settings: `{"region": "me-south-1"}`, want: []string{`chatstream.bad.region = "me-south-1"`, "Redshift Serverless is not offered there"}},
		{name: "Region the linter does not know", settings: `{"region": "me-west-1"}`, want: []string{`chatstream.bad.region = "me-west-1"`, "cfn-lint has no resource data"}},
		{name: "zones of a Region without Redshift Serverless", settings: `{"network": {"availabilityZones": ["ap-southeast-4a", "ap-southeast-4b", "ap-southeast-4c"]}}`,
			want: []string{`chatstream.bad.network.availabilityZones = ["ap-southeast-4a","ap-southeast-4b","ap-southeast-4c"]`, "ap-southeast-4: Redshift Serverless is not offered there"}},
		{name: "zones without their Region", settings: `{"network": {"availabilityZones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"]}}`,
			want: []string{`chatstream.bad.region = "": network.availabilityZones names zones of eu-west-1: set region to "eu-west-1"`}},
		{name: "retained data in the Region's first zones", settings: `{"removalPolicy": "retain"}`,
			want: []string{"chatstream.bad.network.availabilityZones = []: an environment that retains its data", "zone IDs"}},
		{name: "group null", settings: `{"warehouse": null}`, want: []string{"chatstream.bad.warehouse = null: want an object of settings"}},
		{name: "setting null", settings: `{"stream": {"retentionHours": null}}`, want: []string{"chatstream.bad.stream.retentionHours = null: want a whole number"}},
		{name: "list null", settings: `{"warehouse": {"logExports": null}}`, want: []string{"chatstream.bad.warehouse.logExports = null: want a list of strings"}},
		{name: "group a string", settings: `{"network": "default"}`, want: []string{`chatstream.bad.network = "default": want an object of settings`}},
		{name: "reserved concurrency", settings: `{"producer": {"reservedConcurrency": -1}}`, want: []string{"chatstream.bad.producer.reservedConcurrency = -1", "0 to 1000"}},
		{name: "event age beyond Lambda's six hours", settings: `{"producer": {"maxEventAgeSeconds": 21601}}`, want: []string{"chatstream.bad.producer.maxEventAgeSeconds = 21601", "60 to 21600"}},
		{name: "route to Kinesis of a created VPC", settings: `{"network": {"subnetsRouteToKinesis": true}}`, want: []string{"chatstream.bad.network.subnetsRouteToKinesis = true", "needs network.vpcId"}},
		{name: "alarm e-mail", settings: `{"alarms": {"email": "Ops <ops@example.com>"}}`, want: []string{`chatstream.bad.alarms.email = "Ops \u003cops@example.com\u003e"`, "one e-mail address"}},
		{name: "ingestion lag", settings: `{"alarms": {"ingestionLagSeconds": 30}, "load": {"mode": "realtime", "intervalMinutes": 1}}`, want: []string{"chatstream.bad.alarms.ingestionLagSeconds = 30", "60 to 86400"}},
		{name: "compute alarm below the base capacity in realtime mode", settings: `{"alarms": {"computeRpuHoursPerHour": 4}, "load": {"mode": "realtime", "intervalMinutes": 1}}`,
			want: []string{"chatstream.bad.alarms.computeRpuHoursPerHour = 4", "warehouse.baseCapacity = 8", "realtime", "warehouse.maxCapacity = 16"}},
		{name: "compute alarm at zero in scheduled mode", settings: `{"alarms": {"computeRpuHoursPerHour": 0}}`,
			want: []string{"chatstream.bad.alarms.computeRpuHoursPerHour = 0", "from one RPU-hour"}},
		{name: "lag alarm within the load interval", settings: `{"alarms": {"ingestionLagSeconds": 900}}`,
			want: []string{"chatstream.bad.alarms.ingestionLagSeconds = 900: scheduled mode reads the stream every load.intervalMinutes = 15", "more than 900"}},
		{name: "unknown mode", settings: `{"load": {"mode": "hourly"}}`, want: []string{`chatstream.bad.load.mode = "hourly": want "realtime" or "scheduled"`}},
		{name: "mode in capitals", settings: `{"load": {"mode": "Scheduled"}}`, want: []string{`chatstream.bad.load.mode = "Scheduled"`}},
		{name: "scheduled below five minutes", settings: `{"load": {"intervalMinutes": 4}}`,
			want: []string{"chatstream.bad.load.intervalMinutes = 4: scheduled mode wants 5 to 360 minutes"}},
		{name: "scheduled beyond a quarter of the retention", settings: `{"load": {"intervalMinutes": 361}}`,
			want: []string{"chatstream.bad.load.intervalMinutes = 361", "a quarter of stream.retentionHours = 24"}},
		{name: "realtime at an interval", settings: `{"load": {"mode": "realtime", "intervalMinutes": 15}, "alarms": {"computeRpuHoursPerHour": 8}}`,
			want: []string{"chatstream.bad.load.intervalMinutes = 15: realtime mode loads every minute", `mode "scheduled"`}},
		{name: "loader retries", settings: `{"load": {"maxRetryAttempts": 186}}`, want: []string{"chatstream.bad.load.maxRetryAttempts = 186", "0 to 185"}},
		{name: "usage limit period", settings: `{"warehouse": {"usageLimit": {"period": "hourly"}}}`,
			want: []string{`chatstream.bad.warehouse.usageLimit.period = "hourly": want daily, weekly or monthly`}},
		{name: "usage limit of nothing", settings: `{"warehouse": {"usageLimit": {"rpuHours": 0}}}`,
			want: []string{"chatstream.bad.warehouse.usageLimit.rpuHours = 0: want 1 to 384"}},
		{name: "usage limit the cap cannot reach", settings: `{"warehouse": {"usageLimit": {"rpuHours": 385}}}`,
			want: []string{"chatstream.bad.warehouse.usageLimit.rpuHours = 385: want 1 to 384"}},
		{name: "usage limit breach action", settings: `{"warehouse": {"usageLimit": {"breachAction": "disable"}}}`,
			want: []string{`chatstream.bad.warehouse.usageLimit.breachAction = "disable": want "log", "emit-metric" or "deactivate"`}},
		{name: "compute alarm above the cap", settings: `{"alarms": {"computeRpuHoursPerHour": 17}}`, want: []string{"chatstream.bad.alarms.computeRpuHoursPerHour = 17"}},
		{name: "zones with an existing VPC", settings: `{"network": {"vpcId": "vpc-01234567", "subnetIds": ["subnet-01234567", "subnet-89abcdef"], "availabilityZones": ["eu-west-1a", "eu-west-1b"]}}`,
			want: []string{"chatstream.bad.network.availabilityZones", "created VPC"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.env
			if env == "" {
				env = "bad"
			}
			// GIVEN an environment "bad" with one bad setting
			ctx := context(t, `{"bad": `+tt.settings+`}`)
			// WHEN it is loaded
			_, err := FromContext(ctx, env)
			// THEN loading fails, and the error names the key and the value
			if err == nil {
				t.Fatalf("FromContext(%s) = nil error, want one naming %q", tt.settings, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("FromContext(%s) error = %q, want it to contain %q", tt.settings, err, w)
				}
			}
		})
	}
}

func TestFromContextReportsEveryProblemAtOnce(t *testing.T) {
	// GIVEN an environment with an unknown key, values of the wrong type, a null group, a
	// misspelt Region and values out of range, at several depths
	ctx := context(t, `{"bad": {
		"removalPolicy": "keep",
		"regoin": "eu-west-1",
		"region": "eu-westt-1",
		"stream": {"retentionHours": "a day", "nmae": "x"},
		"producer": null,
		"warehouse": {"port": 1, "baseCapacity": 8.5},
		"network": {"availabilityZones": "eu-west-1a"}
	}}`)
	// WHEN it is loaded
	_, err := FromContext(ctx, "bad")
	// THEN one error names every one of them, one per line
	want := []string{
		`chatstream.bad.network.availabilityZones = "eu-west-1a": want a list of strings`,
		`chatstream.bad.producer = null: want an object of settings`,
		`chatstream.bad.regoin = "eu-west-1": unknown setting`,
		`chatstream.bad.stream.nmae = "x": unknown setting`,
		`chatstream.bad.stream.retentionHours = "a day": want a whole number`,
		`chatstream.bad.warehouse.baseCapacity = 8.5: want a whole number`,
		`chatstream.bad.removalPolicy = "keep"`,
		`chatstream.bad.region = "eu-westt-1": not a Region the AWS CDK knows`,
		`chatstream.bad.warehouse.port = 1`,
	}
	if err == nil {
		t.Fatalf("FromContext = nil error, want %d problems", len(want))
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not contain %q:\n%v", w, err)
		}
	}
	if got := strings.Count(err.Error(), "\n") + 1; got != len(want) {
		t.Errorf("error has %d lines, want %d:\n%v", got, len(want), err)
	}
}

func TestFromContextAcceptsSettingsAtTheLimits(t *testing.T) {
	tests := []struct {
		name     string
		settings string
	}{
		{name: "without enhanced VPC routing in the Region's first three zones", settings: `{"removalPolicy": "destroy", "warehouse": {"enhancedVpcRouting": false}}`},
		{name: "three named zones", settings: `{"region": "eu-west-1", "network": {"availabilityZones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"]}}`},
		{name: "existing subnets that route to Kinesis", settings: `{"network": {"vpcId": "vpc-01234567", "subnetIds": ["subnet-01234567", "subnet-89abcdef", "subnet-0a1b2c3d"], "subnetsRouteToKinesis": true}}`},
		{name: "reserved concurrency and the longest event age", settings: `{"removalPolicy": "destroy", "producer": {"reservedConcurrency": 1, "maxEventAgeSeconds": 21600}}`},
		{name: "alarms at the edges", settings: `{"removalPolicy": "destroy", "load": {"mode": "realtime", "intervalMinutes": 1}, "alarms": {"email": "ops@example.com", "ingestionLagSeconds": 60, "computeRpuHoursPerHour": 16}}`},
		{name: "scheduled at the edges", settings: `{"removalPolicy": "destroy", "stream": {"retentionHours": 24}, "load": {"intervalMinutes": 360}, "alarms": {"computeRpuHoursPerHour": 1, "ingestionLagSeconds": 21601}}`},
		{name: "scheduled every five minutes", settings: `{"removalPolicy": "destroy", "load": {"intervalMinutes": 5, "maxRetryAttempts": 0, "maxEventAgeSeconds": 60}}`},
		{name: "realtime every minute", settings: `{"removalPolicy": "destroy", "load": {"mode": "realtime", "intervalMinutes": 1}, "alarms": {"computeRpuHoursPerHour": 8}}`},
		{name: "usage limit at the edges", settings: `{"removalPolicy": "destroy", "warehouse": {"usageLimit": {"rpuHours": 11904, "period": "monthly", "breachAction": "log"}}}`},
		{name: "a Region with Redshift Serverless", settings: `{"region": "eu-north-1", "network": {"availabilityZones": ["eu-north-1a", "eu-north-1b", "eu-north-1c"]}}`},
		{name: "three existing subnets", settings: `{"network": {"vpcId": "vpc-01234567", "subnetIds": ["subnet-01234567", "subnet-89abcdef", "subnet-0a1b2c3d"]}}`},
		{name: "three existing subnets in the two-zone Region", settings: `{"region": "us-west-1", "network": {"vpcId": "vpc-01234567", "subnetIds": ["subnet-01234567", "subnet-89abcdef", "subnet-0a1b2c3d"]}}`},
		{name: "namespace name of 64 characters", settings: `{"removalPolicy": "destroy", "warehouse": {"namespaceName": "` + strings.Repeat("n", 64) + `"}}`},
		{name: "workgroup name of 63 characters", settings: `{"removalPolicy": "destroy", "warehouse": {"workgroupName": "` + strings.Repeat("w", 63) + `"}}`},
		{name: "database name of 64 characters", settings: `{"removalPolicy": "destroy", "warehouse": {"databaseName": "` + strings.Repeat("d", 64) + `"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN an environment whose settings sit at the edge of what AWS accepts
			// WHEN it is loaded THEN it is accepted
			if _, err := FromContext(context(t, `{"edge": `+tt.settings+`}`), "edge"); err != nil {
				t.Errorf("FromContext(%s) = %v, want nil", tt.settings, err)
			}
		})
	}
}

func TestFromContextWithoutSettings(t *testing.T) {
	if _, err := FromContext(nil, "staging"); err == nil || !strings.Contains(err.Error(), "context chatstream is missing") {
		t.Errorf("FromContext(nil) error = %v, want one saying the context is missing", err)
	}
	if _, err := FromContext("staging", "staging"); err == nil || !strings.Contains(err.Error(), `context chatstream = "staging"`) {
		t.Errorf(`FromContext("staging") error = %v, want one naming the value`, err)
	}
}

func TestSchedulePeriod(t *testing.T) {
	tests := []struct {
		expression string
		want       time.Duration
	}{
		{expression: "rate(1 minute)", want: time.Minute},
		{expression: "rate(5 minutes)", want: 5 * time.Minute},
		{expression: "rate(1 hour)", want: time.Hour},
		{expression: "rate(2 days)", want: 48 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.expression, func(t *testing.T) {
			got, err := Schedule{Expression: tt.expression}.Period()
			if err != nil || got != tt.want {
				t.Errorf("Period(%q) = %v, %v; want %v", tt.expression, got, err, tt.want)
			}
		})
	}
}

func TestLoadFileReadsTheRepositorySettings(t *testing.T) {
	path := filepath.Join("..", "..", "cdk.json")
	tests := []struct {
		env        string
		stream     string
		retain     bool
		maxCap     int
		workgroup  string
		database   string
		logRetDays int
	}{
		{env: "staging", stream: "chat-events-staging", retain: false, maxCap: 16, workgroup: "chatstream-staging", database: "chatstream", logRetDays: 14},
		{env: "production", stream: "chat-events-production", retain: true, maxCap: 32, workgroup: "chatstream-production", database: "chatstream", logRetDays: 90},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			// GIVEN the repository's cdk.json WHEN an environment is loaded the way other tools load it
			e, err := LoadFile(path, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			// THEN it carries the names those tools need
			got := []any{e.Stream.Name, e.Retain(), e.Warehouse.MaxCapacity, e.Warehouse.WorkgroupName, e.Warehouse.DatabaseName, e.LogRetentionDays, e.StackName()}
			want := []any{tt.stream, tt.retain, tt.maxCap, tt.workgroup, tt.database, tt.logRetDays, "chatstream-" + tt.env}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("LoadFile(%s) (-want +got):\n%s", tt.env, diff)
			}
		})
	}
	if _, err := LoadFile(path, "no-such-env"); err == nil || !strings.Contains(err.Error(), `env = "no-such-env"`) {
		t.Errorf("LoadFile(no-such-env) error = %v, want one naming the environment", err)
	}
	missing := filepath.Join(t.TempDir(), "cdk.json")
	if _, err := LoadFile(missing, "staging"); err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadFile(missing) error = %v, want a not-exist error", err)
	}
}
