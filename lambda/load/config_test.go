package load

import (
	"strings"
	"testing"

	chatsql "github.com/chatstream/chatstream/sql"
	"github.com/google/go-cmp/cmp"
)

func TestLoadConfig(t *testing.T) {
	valid := map[string]string{
		"WORKGROUP_NAME":   "chatstream-staging",
		"DATABASE_NAME":    "dev",
		"ADMIN_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:chatstream-staging-admin-AbCdEf",
		"LOAD_MODE":        "scheduled",
	}
	tests := []struct {
		name    string
		edit    func(env map[string]string)
		want    Config
		wantErr string
	}{
		{
			name: "the default schema",
			edit: func(map[string]string) {},
			want: Config{Target: testTarget, Params: chatsql.Params{Schema: "chatstream", Mode: chatsql.Scheduled, Engine: chatsql.Redshift}},
		},
		{
			name: "another schema, realtime",
			edit: func(env map[string]string) { env["SCHEMA_NAME"], env["LOAD_MODE"] = "analytics", "realtime" },
			want: Config{Target: testTarget, Params: chatsql.Params{Schema: "analytics", Mode: chatsql.Realtime, Engine: chatsql.Redshift}},
		},
		{
			name: "the admin secret Redshift manages",
			edit: func(env map[string]string) {
				env["ADMIN_SECRET_ARN"] = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:redshift!chatstream-staging-chatstream_admin-AbCdEf"
			},
			want: Config{
				Target: Target{Workgroup: testTarget.Workgroup, Database: testTarget.Database,
					SecretARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:redshift!chatstream-staging-chatstream_admin-AbCdEf"},
				Params: chatsql.Params{Schema: "chatstream", Mode: chatsql.Scheduled, Engine: chatsql.Redshift},
			},
		},
		{name: "a bang in the middle of the secret's name", edit: func(env map[string]string) {
			env["ADMIN_SECRET_ARN"] = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/admin!x-AbCdEf"
		}, wantErr: "ADMIN_SECRET_ARN="},
		{name: "no workgroup", edit: func(env map[string]string) { delete(env, "WORKGROUP_NAME") }, wantErr: `WORKGROUP_NAME="": want the workgroup's name`},
		{name: "workgroup ARN", edit: func(env map[string]string) { env["WORKGROUP_NAME"] = "arn:aws:redshift-serverless:x" }, wantErr: `WORKGROUP_NAME="arn:aws:redshift-serverless:x"`},
		{name: "no database", edit: func(env map[string]string) { delete(env, "DATABASE_NAME") }, wantErr: `DATABASE_NAME="": identifier is empty`},
		{name: "secret name, not ARN", edit: func(env map[string]string) { env["ADMIN_SECRET_ARN"] = "admin" }, wantErr: `ADMIN_SECRET_ARN="admin": want the ARN`},
		{name: "no mode", edit: func(env map[string]string) { delete(env, "LOAD_MODE") }, wantErr: `LOAD_MODE: mode "": want realtime or scheduled`},
		{name: "unknown mode", edit: func(env map[string]string) { env["LOAD_MODE"] = "hourly" }, wantErr: `LOAD_MODE: mode "hourly"`},
		{name: "empty schema", edit: func(env map[string]string) { env["SCHEMA_NAME"] = "" }, wantErr: `SCHEMA_NAME="": schema: identifier is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range valid {
				env[k] = v
			}
			tt.edit(env)
			got, err := LoadConfig(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("LoadConfig = %+v, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("LoadConfig (-want +got):\n%s", diff)
			}
		})
	}
}
