package ddl

import (
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/cfn"
	chatsql "github.com/chatstream/chatstream/sql"
	"github.com/google/go-cmp/cmp"
)

var teardownNames = append([]string{"create_schema", "drop_stream_view", "drop_stream_schema"}, teardownTail...)

// runPlan checks what onEvent plans for e, with the warnings it logs, and
// that isComplete then runs exactly those statements.
func runPlan(t *testing.T, e cfn.Event, wantStmts, wantWarnings []string) *fakeDataAPI {
	t.Helper()
	p, err := newPlan(e)
	if err != nil {
		t.Fatalf("plan = %v; want no error", err)
	}
	if len(p.warnings) != len(wantWarnings) {
		t.Errorf("warnings %q; want %d containing %q", p.warnings, len(wantWarnings), wantWarnings)
	}
	for _, want := range wantWarnings {
		if !strings.Contains(strings.Join(p.warnings, "\n"), want) {
			t.Errorf("warnings %q; want one containing %q", p.warnings, want)
		}
	}
	api := newFakeDataAPI(t)
	c := newClock()
	_, resp, err := provider{t, testHandler(t, api, c), c, 10}.run(e)
	if err != nil || !resp.IsComplete {
		t.Fatalf("IsComplete = %+v, %v; want complete", resp, err)
	}
	if diff := cmp.Diff(wantStmts, ran(t, api, e)); diff != "" {
		t.Errorf("statements run (-want +got):\n%s", diff)
	}
	return api
}

func TestUpdateReadsOldPropertiesLeniently(t *testing.T) {
	tests := []struct {
		name string
		// edit changes update.json, whose new properties change only the
		// tables' SQL.
		edit         func(e *cfn.Event)
		want         []string
		wantWarnings []string
	}{
		{
			name: "old properties with a property this version does not know",
			edit: func(e *cfn.Event) { e.OldResourceProperties["RefreshMode"] = "auto" },
			want: tablesNames,
		},
		{
			name: "old properties without the tables' hash apply the tables",
			edit: func(e *cfn.Event) {
				e.ResourceProperties["TableSqlHash"] = e.OldResourceProperties["TableSqlHash"]
				delete(e.OldResourceProperties, "TableSqlHash")
			},
			want:         tablesNames,
			wantWarnings: []string{"old property TableSqlHash is missing: counted as changed"},
		},
		{
			name: "old properties without the mode set AUTO REFRESH",
			edit: func(e *cfn.Event) {
				e.ResourceProperties["TableSqlHash"] = e.OldResourceProperties["TableSqlHash"]
				delete(e.OldResourceProperties, "Mode")
			},
			want:         []string{"set_auto_refresh"},
			wantWarnings: []string{"old property Mode is missing: setting AUTO REFRESH to be sure"},
		},
		{
			name: "an old mode this version does not know sets AUTO REFRESH",
			edit: func(e *cfn.Event) {
				e.ResourceProperties["TableSqlHash"] = e.OldResourceProperties["TableSqlHash"]
				e.OldResourceProperties["Mode"] = "hourly"
			},
			want:         []string{"set_auto_refresh"},
			wantWarnings: []string{`old property Mode: mode "hourly": want realtime or scheduled: setting AUTO REFRESH to be sure`},
		},
		{
			name: "old properties without the stream's hash rebuild everything",
			edit: func(e *cfn.Event) { delete(e.OldResourceProperties, "StreamSqlHash") },
			want: applyNames,
			wantWarnings: []string{
				"old property StreamSqlHash is missing: counted as changed",
			},
		},
		{
			name: "an old hash in another format counts as changed",
			edit: func(e *cfn.Event) { e.OldResourceProperties["StreamSqlHash"] = "sha256:1c2d" },
			want: applyNames,
			wantWarnings: []string{
				`old property StreamSqlHash: "sha256:1c2d" is not a SHA-256 hex digest: counted as changed`,
			},
		},
		{
			name: "old properties without the schema: rebuild, drop nothing under unknown names",
			edit: func(e *cfn.Event) { delete(e.OldResourceProperties, "Schema") },
			want: applyNames,
			wantWarnings: []string{
				"old property Schema is missing: counted as changed",
				"old property Schema is missing: objects under the old names, if any, are left in place",
			},
		},
		{
			name: "old properties without the database: build everything, drop nothing",
			edit: func(e *cfn.Event) { delete(e.OldResourceProperties, "Database") },
			want: applyNames,
			wantWarnings: []string{
				"old property Database is missing: building everything in chatstream-staging/dev",
			},
		},
		{
			name: "no old properties at all",
			edit: func(e *cfn.Event) { e.OldResourceProperties = map[string]any{} },
			want: applyNames,
			wantWarnings: []string{
				"old property WorkgroupName is missing: building everything",
			},
		},
		{
			name: "a rename from properties of another version drops under the known old names",
			edit: func(e *cfn.Event) {
				e.ResourceProperties["Schema"] = "analytics"
				delete(e.OldResourceProperties, "StreamSqlHash")
				delete(e.OldResourceProperties, "TableSqlHash")
				delete(e.OldResourceProperties, "TimeoutSeconds")
				e.OldResourceProperties["RefreshMode"] = "auto"
			},
			want: append([]string{"old_create_schema", "old_drop_stream_view", "old_drop_stream_schema"}, applyNames...),
			wantWarnings: []string{
				"old property StreamSqlHash is missing",
				"old property TableSqlHash is missing",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := loadEvent(t, "update.json")
			tt.edit(&e)
			runPlan(t, e, tt.want, tt.wantWarnings)
		})
	}
}

func TestUpdateStillRefusesBadNewProperties(t *testing.T) {
	// The new properties come from this version's CDK app: a property it
	// does not know is a mistake, not a newer version.
	e := loadEvent(t, "update.json")
	e.ResourceProperties["RefreshMode"] = "auto"
	if _, err := newPlan(e); err == nil || !strings.Contains(err.Error(), "unknown property RefreshMode") {
		t.Errorf("plan = %v; want an error naming RefreshMode", err)
	}
}

func TestDeleteNeedsOnlyWhatTeardownNeeds(t *testing.T) {
	// oldVersion are the properties an older release might have stored:
	// no hashes, no stream, no role, and one this version does not know.
	oldVersion := func() map[string]any {
		return map[string]any{
			"ServiceToken":   "arn:aws:lambda:eu-west-1:123456789012:function:chatstream-staging-framework-onEvent",
			"WorkgroupName":  "chatstream-staging",
			"Database":       "dev",
			"SecretArn":      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:chatstream-staging-admin-AbCdEf",
			"StreamSchema":   "kinesis",
			"Schema":         "analytics",
			"RetainOnDelete": "false",
			"SqlVersion":     "1",
		}
	}
	tests := []struct {
		name         string
		edit         func(m map[string]any)
		want         []string
		wantWarnings []string
		wantErr      string
	}{
		{
			name:         "properties of an older version drop the objects, cancelled after the shortest timeout",
			edit:         func(map[string]any) {},
			want:         teardownNames,
			wantWarnings: []string{"property TimeoutSeconds is missing: cancelling what still runs after 3m0s"},
		},
		{
			name: "a stream name and role ARN this version would refuse do not matter",
			edit: func(m map[string]any) {
				m["StreamName"] = "Chat-Events"
				m["RoleArn"] = "default"
				m["TimeoutSeconds"] = "1800"
			},
			want: teardownNames,
		},
		{
			name:         "without RetainOnDelete the objects are kept",
			edit:         func(m map[string]any) { delete(m, "RetainOnDelete") },
			want:         nil,
			wantWarnings: []string{`property RetainOnDelete is missing: keeping the objects, as with "true"`},
		},
		{
			name:         "a RetainOnDelete other than false keeps the objects",
			edit:         func(m map[string]any) { m["RetainOnDelete"] = "no" },
			want:         nil,
			wantWarnings: []string{`property RetainOnDelete: want "true" or "false", got no: keeping the objects`},
		},
		{
			name: "retained: nothing else is needed",
			edit: func(m map[string]any) {
				for k := range m {
					delete(m, k)
				}
				m["RetainOnDelete"] = "true"
			},
			want: nil,
		},
		{
			name:    "without the schema nothing can be dropped",
			edit:    func(m map[string]any) { delete(m, "Schema") },
			wantErr: "Delete IngestionDdl: property Schema is missing; without it the objects cannot be dropped (delete the stack with --retain-resources IngestionDdl to keep them)",
		},
		{
			name:    "without the secret nothing can run",
			edit:    func(m map[string]any) { m["SecretArn"] = "admin-password" },
			wantErr: `Delete IngestionDdl: property SecretArn: "admin-password" is not a Secrets Manager secret ARN`,
		},
		{
			name:    "schemas that collide are refused",
			edit:    func(m map[string]any) { m["StreamSchema"] = "ANALYTICS" },
			wantErr: "Delete IngestionDdl: properties StreamSchema and Schema: stream schema and schema are both",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := loadEvent(t, "delete.json")
			e.ResourceProperties = oldVersion()
			tt.edit(e.ResourceProperties)
			if tt.wantErr != "" {
				api := newFakeDataAPI(t)
				c := newClock()
				_, _, err := provider{t, testHandler(t, api, c), c, 3}.run(e)
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Delete = %v; want an error containing %q", err, tt.wantErr)
				}
				if api.submitCalls != 0 {
					t.Errorf("made %d BatchExecuteStatement calls; want none", api.submitCalls)
				}
				return
			}
			api := runPlan(t, e, tt.want, tt.wantWarnings)
			for _, b := range api.batches {
				for _, sql := range b.sqls[1:] {
					if !strings.Contains(sql, `"analytics"`) && !strings.Contains(sql, `"kinesis"`) {
						t.Errorf("statement names neither schema of the properties:\n%s", sql)
					}
				}
			}
		})
	}
}

func TestDropNamesOnlyTheSchemas(t *testing.T) {
	// Drops are rendered with a stand-in for the stream, which
	// the properties of another version may lack: the statements must be
	// the same as with the real values.
	real := chatsql.DefaultParams("chat-events-staging")
	for name, render := range map[string]func(chatsql.Params) ([]chatsql.Statement, error){
		"Drop": chatsql.Drop, "Teardown": chatsql.Teardown,
	} {
		want, err := render(real)
		if err != nil {
			t.Fatal(err)
		}
		got, err := render(dropParams(real.StreamSchema, real.Schema))
		if err != nil {
			t.Fatalf("%s(dropParams) = %v", name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s with stand-ins (-real +stand-ins):\n%s", name, diff)
		}
	}
}
