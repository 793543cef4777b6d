package ddl

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	chatsql "github.com/chatstream/chatstream/sql"
	"github.com/google/go-cmp/cmp"
)

func TestResourcePropertiesRoundTrip(t *testing.T) {
	for _, mode := range []chatsql.Mode{chatsql.Realtime, chatsql.Scheduled} {
		t.Run(string(mode), func(t *testing.T) { roundTrip(t, mode) })
	}
}

func roundTrip(t *testing.T, mode chatsql.Mode) {
	params := chatsql.DefaultParams("chat-events-staging")
	params.Mode = mode
	m, err := ResourceProperties("chatstream-staging", "dev", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:admin-AbCdEf", params, true, 30*time.Minute)
	if err != nil {
		t.Fatalf("ResourceProperties = %v", err)
	}
	if m["Mode"] != string(mode) {
		t.Errorf("property Mode = %v; want %s", m["Mode"], mode)
	}
	// CloudFormation hands every value back as a string.
	for k, v := range m {
		if _, ok := v.(string); !ok {
			t.Errorf("property %s = %T; want a string", k, v)
		}
	}
	got, err := parseProperties(m)
	if err != nil {
		t.Fatalf("parseProperties(ResourceProperties(...)) = %v", err)
	}
	hashes, err := chatsql.Hash(params)
	if err != nil {
		t.Fatal(err)
	}
	want := Properties{
		WorkgroupName:  "chatstream-staging",
		Database:       "dev",
		SecretArn:      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:admin-AbCdEf",
		Params:         params,
		RetainOnDelete: true,
		Hashes:         hashes,
		Timeout:        30 * time.Minute,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestResourcePropertiesTakesUnresolvedARNs(t *testing.T) {
	// At synthesis time the workgroup and secret are CDK tokens.
	params := chatsql.DefaultParams("chat-events-staging")
	m, err := ResourceProperties("${Token[TOKEN.1]}", "dev", "${Token[TOKEN.2]}", params, false, 30*time.Minute)
	if err != nil {
		t.Fatalf("ResourceProperties with tokens = %v", err)
	}
	if m["SecretArn"] != "${Token[TOKEN.2]}" || m["RetainOnDelete"] != "false" || m["TimeoutSeconds"] != "1800" {
		t.Errorf("ResourceProperties = %v", m)
	}
	params.StreamName = "${Token[TOKEN.3]}"
	if _, err := ResourceProperties("wg", "dev", "s", params, false, 30*time.Minute); err == nil || !strings.Contains(err.Error(), "stream name") {
		t.Errorf("ResourceProperties with a token stream name = %v; want an error: the SQL hash needs the real name", err)
	}
	for _, d := range []time.Duration{4 * time.Minute, 3 * time.Hour, 30*time.Minute + time.Millisecond} {
		if _, err := ResourceProperties("wg", "dev", "s", chatsql.DefaultParams("chat-events-staging"), false, d); err == nil || !strings.Contains(err.Error(), "timeout "+d.String()) {
			t.Errorf("ResourceProperties with timeout %s = %v; want an error naming it", d, err)
		}
	}
	params = chatsql.DefaultParams("chat-events-staging")
	params.Mode = "${Token[TOKEN.4]}"
	if _, err := ResourceProperties("wg", "dev", "s", params, false, 30*time.Minute); err == nil || !strings.Contains(err.Error(), `mode "${Token[TOKEN.4]}"`) {
		t.Errorf("ResourceProperties with a token mode = %v; want an error naming it", err)
	}
}

func TestParsePropertiesRefuses(t *testing.T) {
	base := loadEvent(t, "create.json").ResourceProperties
	tests := []struct {
		name    string
		edit    func(map[string]any)
		wantErr string
	}{
		{name: "missing workgroup", edit: func(m map[string]any) { delete(m, "WorkgroupName") }, wantErr: "property WorkgroupName is missing"},
		{name: "number instead of string", edit: func(m map[string]any) { m["Database"] = 7.0 }, wantErr: "property Database: want a string, got float64 7"},
		{name: "bad workgroup", edit: func(m map[string]any) { m["WorkgroupName"] = "Chat_Stream" }, wantErr: `property WorkgroupName: "Chat_Stream" is not a workgroup name`},
		{name: "database with NUL", edit: func(m map[string]any) { m["Database"] = "dev\x00" }, wantErr: "property Database: identifier"},
		{name: "secret is not an ARN", edit: func(m map[string]any) { m["SecretArn"] = "admin-password" }, wantErr: `property SecretArn: "admin-password" is not a Secrets Manager secret ARN`},
		{name: "secret with a bang in the middle", edit: func(m map[string]any) {
			m["SecretArn"] = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/admin!x-AbCdEf"
		}, wantErr: "is not a Secrets Manager secret ARN"},
		{name: "stream with capitals", edit: func(m map[string]any) { m["StreamName"] = "Chat-Events" }, wantErr: `property StreamName: stream name "Chat-Events"`},
		{name: "a role ARN is no longer a property", edit: func(m map[string]any) { m["RoleArn"] = "arn:aws:iam::123456789012:role/r" }, wantErr: "unknown property RoleArn"},
		{name: "timeout not a number", edit: func(m map[string]any) { m["TimeoutSeconds"] = "30m" }, wantErr: `property TimeoutSeconds: "30m" is not a whole number of seconds`},
		{name: "timeout beyond the Provider's two hours", edit: func(m map[string]any) { m["TimeoutSeconds"] = "7201" }, wantErr: "property TimeoutSeconds: timeout 2h0m1s"},
		{name: "timeout missing", edit: func(m map[string]any) { delete(m, "TimeoutSeconds") }, wantErr: "property TimeoutSeconds is missing"},
		{name: "schema overlong", edit: func(m map[string]any) { m["Schema"] = strings.Repeat("s", 128) }, wantErr: "property Schema: identifier"},
		{name: "stream schema newline", edit: func(m map[string]any) { m["StreamSchema"] = "k\nx" }, wantErr: "property StreamSchema: identifier"},
		{name: "schemas collide", edit: func(m map[string]any) { m["StreamSchema"] = "CHATSTREAM" }, wantErr: "properties StreamSchema and Schema: stream schema and schema are both"},
		{name: "retain not a boolean", edit: func(m map[string]any) { m["RetainOnDelete"] = "yes" }, wantErr: `property RetainOnDelete: want "true" or "false", got yes`},
		{name: "retain missing", edit: func(m map[string]any) { delete(m, "RetainOnDelete") }, wantErr: "property RetainOnDelete is missing"},
		{name: "hash not hex", edit: func(m map[string]any) { m["TableSqlHash"] = "abc" }, wantErr: `property TableSqlHash: "abc" is not a SHA-256 hex digest`},
		{name: "mode unknown", edit: func(m map[string]any) { m["Mode"] = "Scheduled" }, wantErr: `property Mode: mode "Scheduled": want realtime or scheduled`},
		{name: "mode empty", edit: func(m map[string]any) { m["Mode"] = "" }, wantErr: `property Mode: mode "": want realtime or scheduled`},
		{name: "misspelt property", edit: func(m map[string]any) { m["RetainOndelete"] = "true" }, wantErr: "unknown property RetainOndelete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := maps.Clone(base)
			tt.edit(m)
			if _, err := parseProperties(m); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("parseProperties = %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
	if _, err := parseProperties(base); err != nil {
		t.Errorf("parseProperties(create.json) = %v; want nil", err)
	}
	// The admin secret Redshift manages is named redshift!<namespace>-<user>.
	managed := maps.Clone(base)
	managed["SecretArn"] = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:redshift!chatstream-staging-chatstream_admin-AbCdEf"
	if _, err := parseProperties(managed); err != nil {
		t.Errorf("parseProperties with a Redshift-managed secret = %v; want nil", err)
	}
}

func TestParsePropertiesDefaultsWhatTheFirstDesignLacked(t *testing.T) {
	// GIVEN the properties the first design wrote, as a rollback sends them.
	m := maps.Clone(loadEvent(t, "create.json").ResourceProperties)
	fromFirstDesign(m)

	// WHEN this version reads them as a request's.
	got, err := parseProperties(m)

	// THEN they are accepted, realtime, with no table hash to match.
	if err != nil {
		t.Fatalf("parseProperties(first design) = %v; want nil", err)
	}
	if got.Params.Mode != chatsql.Realtime || got.Hashes.Tables != "" {
		t.Errorf("Mode = %q, Hashes.Tables = %q; want realtime and none", got.Params.Mode, got.Hashes.Tables)
	}
}

func TestBadRequestsFailInOnEvent(t *testing.T) {
	api := newFakeDataAPI(t)
	h := testHandler(t, api, newClock())
	tests := []struct {
		name    string
		edit    func(*cfn.Event)
		wantErr string
	}{
		{
			name:    "unknown request type",
			edit:    func(e *cfn.Event) { e.RequestType = "Replace" },
			wantErr: `Replace IngestionDdl: request type "Replace": want Create, Update or Delete`,
		},
		{
			name:    "bad property",
			edit:    func(e *cfn.Event) { e.ResourceProperties["SecretArn"] = "" },
			wantErr: `Create IngestionDdl: property SecretArn: "" is not`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := loadEvent(t, "create.json")
			tt.edit(&e)
			if _, err := h.OnEvent(t.Context(), Request{Event: e}); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("OnEvent = %v; want an error containing %q", err, tt.wantErr)
			}
			if _, err := h.IsComplete(t.Context(), Request{Event: e, StatementID: "batch-1"}); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("IsComplete = %v; want an error containing %q", err, tt.wantErr)
			}
			if api.submitCalls+len(api.described) != 0 {
				t.Errorf("made %d Data API calls for a bad request, want 0", api.submitCalls+len(api.described))
			}
		})
	}
}
