package sql

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chatstream/chatstream/internal/golden"
	"github.com/google/go-cmp/cmp"
)

func stagingParams(t *testing.T) Params {
	t.Helper()
	return DefaultParams("chat-events-staging")
}

func TestPlansGolden(t *testing.T) {
	staging := stagingParams(t)
	scheduled := staging
	scheduled.Mode = Scheduled
	local := LocalParams()
	rsCreate := []string{"create_schema", "create_landing_table", "create_events_table", "create_rejected_table", "create_load_runs_table"}
	grants := []string{"define_create_analyst_role", "create_analyst_role", "drop_create_analyst_role",
		"grant_schema_usage", "grant_select_on_tables", "grant_select_on_future_tables"}
	rebuild := []string{"drop_stream_view", "drop_stream_schema", "create_stream_schema", "create_stream_view"}
	drops := []string{"drop_landing_table", "drop_events_table", "drop_rejected_table", "drop_load_runs_table"}
	tests := []struct {
		name      string
		params    Params
		plan      func(Params) ([]Statement, error)
		wantNames []string
	}{
		{
			name: "staging_apply", params: staging, plan: Apply,
			wantNames: slices.Concat(rsCreate, rebuild, grants),
		},
		{
			name: "staging_scheduled_apply", params: scheduled, plan: Apply,
			wantNames: slices.Concat(rsCreate, rebuild, grants),
		},
		{
			name: "staging_apply_from_views", params: staging, plan: ApplyFromViews,
			wantNames: slices.Concat([]string{"create_schema", "drop_legacy_events_view"}, rsCreate[1:],
				[]string{"save_legacy_stream_rows"}, rebuild, grants),
		},
		{
			name: "staging_apply_tables", params: staging, plan: ApplyTables,
			wantNames: slices.Concat(rsCreate, grants),
		},
		{
			name: "staging_realtime_set_auto_refresh", params: staging, plan: SetAutoRefresh,
			wantNames: []string{"set_auto_refresh"},
		},
		{
			name: "staging_scheduled_set_auto_refresh", params: scheduled, plan: SetAutoRefresh,
			wantNames: []string{"set_auto_refresh"},
		},
		{
			name: "staging_drop", params: staging, plan: Drop,
			wantNames: []string{"create_schema", "drop_stream_view", "drop_stream_schema"},
		},
		{
			name: "staging_drop_from_views", params: staging, plan: DropFromViews,
			wantNames: []string{"create_schema", "drop_legacy_events_view", "drop_stream_view", "drop_stream_schema"},
		},
		{
			name: "staging_teardown", params: staging, plan: Teardown,
			wantNames: slices.Concat([]string{"create_schema", "drop_stream_view", "drop_stream_schema"}, drops,
				[]string{"define_create_analyst_role", "drop_create_analyst_role", "drop_schema"}),
		},
		{
			name: "staging_teardown_from_views", params: staging, plan: TeardownFromViews,
			wantNames: slices.Concat([]string{"create_schema", "drop_legacy_events_view", "drop_stream_view", "drop_stream_schema"}, drops,
				[]string{"define_create_analyst_role", "drop_create_analyst_role", "drop_schema"}),
		},
		{
			name: "postgres_apply", params: local, plan: Apply,
			wantNames: slices.Concat([]string{"create_schema", "create_stream_table"}, rsCreate[1:], grants),
		},
		{
			name: "postgres_teardown", params: local, plan: Teardown,
			wantNames: slices.Concat([]string{"create_schema", "drop_stream_table"}, drops,
				[]string{"define_create_analyst_role", "drop_create_analyst_role", "drop_schema"}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stmts, err := tt.plan(tt.params)
			if err != nil {
				t.Fatalf("%s = %v", tt.name, err)
			}
			var names []string
			for _, s := range stmts {
				names = append(names, s.Name)
				assertOneStatement(t, s)
			}
			if diff := cmp.Diff(tt.wantNames, names); diff != "" {
				t.Errorf("%s statement names (-want +got):\n%s", tt.name, diff)
			}
			golden.Check(t, "testdata/"+tt.name+".golden.sql", Format(stmts))
		})
	}
}

func TestRedshiftOnlyPlansRefusePostgreSQL(t *testing.T) {
	for name, plan := range map[string]func(Params) ([]Statement, error){
		"ApplyFromViews": ApplyFromViews, "SetAutoRefresh": SetAutoRefresh, "Drop": Drop,
		"DropFromViews": DropFromViews, "TeardownFromViews": TeardownFromViews,
	} {
		if got, err := plan(LocalParams()); err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
			t.Errorf("%s(local) = %d statements, %v; want an error naming PostgreSQL", name, len(got), err)
		}
	}
}

// assertOneStatement checks what the Data API needs: exactly one statement,
// with no semicolon outside quotes and comments.
func assertOneStatement(t *testing.T, s Statement) {
	t.Helper()
	toks, err := lex(s.SQL)
	if err != nil {
		t.Fatalf("statement %s does not lex: %v", s.Name, err)
	}
	for _, tok := range toks {
		if tok.kind == tokSemicolon {
			t.Fatalf("statement %s holds a semicolon outside quotes:\n%s", s.Name, s.SQL)
		}
	}
}

func TestStreamViewReadsDocumentedColumns(t *testing.T) {
	for mode, auto := range map[Mode]string{Realtime: "AUTO REFRESH YES", Scheduled: "AUTO REFRESH NO", "": "AUTO REFRESH YES"} {
		p := stagingParams(t)
		p.Mode = mode
		stmts, err := statements(p, "create_stream_view")
		if err != nil {
			t.Fatal(err)
		}
		mv := stmts[0].SQL
		for _, want := range []string{
			auto, "BACKUP NO", "DISTKEY (sequence_number)", "SORTKEY (approximate_arrival_timestamp)",
			"approximate_arrival_timestamp", "partition_key", "shard_id", "sequence_number", "refresh_time",
			"CASE WHEN CAN_JSON_PARSE(kinesis_data) THEN JSON_PARSE(kinesis_data) END AS payload",
			`FROM "kinesis"."chat-events-staging"`,
		} {
			if !strings.Contains(mv, want) {
				t.Errorf("mode %q: create_stream_view lacks %q:\n%s", mode, want, mv)
			}
		}
		if strings.Contains(uncommented(mv), "WHERE") {
			t.Errorf("create_stream_view filters records, which would drop malformed ones unseen:\n%s", mv)
		}
	}
}

// TestAppendKeysMatch checks what ALTER TABLE APPEND needs of the
// materialized view and the landing table besides their columns: the same
// distribution key and the same sort key, both named, not AUTO.
func TestAppendKeysMatch(t *testing.T) {
	stmts, err := statements(stagingParams(t), "create_stream_view", "create_landing_table")
	if err != nil {
		t.Fatal(err)
	}
	keys := regexp.MustCompile(`(?m)^(DISTKEY|SORTKEY|DISTSTYLE) .*$`)
	view, landing := keys.FindAllString(stmts[0].SQL, -1), keys.FindAllString(stmts[1].SQL, -1)
	if len(view) != 2 || !slices.Equal(view, landing) {
		t.Errorf("materialized view keys %q, landing table keys %q; want the same two", view, landing)
	}
}

func TestHostileNamesStayQuoted(t *testing.T) {
	hostile := []string{
		`x"; DROP TABLE users; --`,
		`a"b`,
		"/* comment */",
		"événements",
		"a'b",
		strings.Repeat("é", 63) + "a",
	}
	for _, name := range hostile {
		t.Run(name, func(t *testing.T) {
			p := stagingParams(t)
			p.Schema = name
			p.StreamSchema = name + "_kinesis"
			if len(p.StreamSchema) > maxIdentifierBytes {
				p.StreamSchema = "kinesis"
			}
			stmts, err := Apply(p)
			if err != nil {
				t.Fatalf("Apply with schema %q = %v", name, err)
			}
			quoted, err := QuoteIdentifier(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range stmts {
				assertOneStatement(t, s)
				toks, err := lex(s.SQL)
				if err != nil {
					t.Fatal(err)
				}
				// The hostile name must surface only as a whole quoted token.
				var found bool
				for _, tok := range toks {
					if tok.kind == tokIdent && tok.text == quoted {
						found = true
					}
					if tok.kind == tokOther && strings.Contains(tok.text, "DROP TABLE") {
						t.Fatalf("statement %s leaks the name outside quotes: %s", s.Name, tok.text)
					}
				}
				if s.Name != "drop_stream_schema" && s.Name != "create_stream_schema" && !found {
					t.Errorf("statement %s does not carry the schema as one quoted token %s:\n%s", s.Name, quoted, s.SQL)
				}
			}
		})
	}
}

func TestParamsRefused(t *testing.T) {
	valid := Params{StreamName: "chat-events-staging", StreamSchema: "kinesis", Schema: "chatstream"}
	tests := []struct {
		name    string
		edit    func(*Params)
		wantErr string
	}{
		{name: "stream name with capitals", edit: func(p *Params) { p.StreamName = "Chat-Events" }, wantErr: `stream name "Chat-Events"`},
		{name: "stream name token", edit: func(p *Params) { p.StreamName = "${Token[TOKEN.1]}" }, wantErr: `stream name "${Token[TOKEN.1]}"`},
		{name: "stream schema with NUL", edit: func(p *Params) { p.StreamSchema = "k\x00" }, wantErr: `stream schema: identifier "k\x00"`},
		{name: "schema overlong", edit: func(p *Params) { p.Schema = strings.Repeat("s", 128) }, wantErr: "schema: identifier"},
		{name: "schema empty", edit: func(p *Params) { p.Schema = "" }, wantErr: "schema: identifier is empty"},
		{name: "schemas equal after case folding", edit: func(p *Params) { p.StreamSchema = "ChatStream" }, wantErr: `stream schema and schema are both "chatstream"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid
			tt.edit(&p)
			for name, plan := range map[string]func(Params) ([]Statement, error){"Apply": Apply, "Drop": Drop, "Teardown": Teardown} {
				if _, err := plan(p); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("%s(%+v) = %v; want an error containing %q", name, p, err, tt.wantErr)
				}
			}
		})
	}
	if err := valid.Validate(); err != nil {
		t.Errorf("Validate(%+v) = %v; want nil", valid, err)
	}
}

func TestDefaultParams(t *testing.T) {
	got := DefaultParams("chat-events-production")
	want := Params{StreamName: "chat-events-production", StreamSchema: "kinesis", Schema: "chatstream", Mode: Realtime, Engine: Redshift}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DefaultParams(chat-events-production) (-want +got):\n%s", diff)
	}
}

func TestSplitFormatRoundTrip(t *testing.T) {
	stmts, err := Apply(stagingParams(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := split(Format(stmts))
	if err != nil {
		t.Fatalf("split(Format(Apply)) = %v", err)
	}
	if diff := cmp.Diff(stmts, got); diff != "" {
		t.Errorf("split(Format(x)) != x (-want +got):\n%s", diff)
	}
}

func TestSplitRefuses(t *testing.T) {
	tests := []struct {
		name    string
		script  string
		wantErr string
	}{
		{name: "no marker", script: "-- only a comment\n", wantErr: "no \"-- name:\" marker"},
		{name: "SQL before the first marker", script: "DROP TABLE x;\n-- name: a\nSELECT 1;", wantErr: "line 1: SQL before the first"},
		{name: "empty statement", script: "-- name: a\n;\n-- name: b\nSELECT 1;", wantErr: "statement a is empty"},
		{name: "too long", script: "-- name: a\nSELECT '" + strings.Repeat("x", maxStatementBytes) + "';", wantErr: "the Data API takes at most"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := split(tt.script); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("split = %+v, %v; want an error containing %q", got, err, tt.wantErr)
			}
		})
	}
}

func TestHash(t *testing.T) {
	base := stagingParams(t)
	h, err := Hash(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{h.Stream, h.Tables} {
		if len(s) != 64 {
			t.Fatalf("Hash = %+v; want two 64-digit hex SHA-256 sums", h)
		}
	}
	tests := []struct {
		name        string
		edit        func(*Params)
		wantStream  bool // whether Stream changes
		wantTables  bool // whether Tables changes
		wantErrText string
	}{
		{name: "same params", edit: func(*Params) {}},
		{name: "mode is left out: switching it alters the view in place", edit: func(p *Params) { p.Mode = Scheduled }},
		{name: "engine is left out: the hash is of what Redshift runs", edit: func(p *Params) { p.Engine = PostgreSQL }},
		{name: "stream name", edit: func(p *Params) { p.StreamName = "chat-events-production" }, wantStream: true},
		{name: "stream schema", edit: func(p *Params) { p.StreamSchema = "kds" }, wantStream: true},
		{name: "schema", edit: func(p *Params) { p.Schema = "analytics" }, wantStream: true, wantTables: true},
		{name: "invalid stream name", edit: func(p *Params) { p.StreamName = "${Token[TOKEN.9]}" }, wantErrText: "stream name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base
			tt.edit(&p)
			got, err := Hash(p)
			if tt.wantErrText != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrText) {
					t.Fatalf("Hash(%+v) = %v; want an error containing %q", p, err, tt.wantErrText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if changed := got.Stream != h.Stream; changed != tt.wantStream {
				t.Errorf("Stream hash changed = %v, want %v", changed, tt.wantStream)
			}
			if changed := got.Tables != h.Tables; changed != tt.wantTables {
				t.Errorf("Views hash changed = %v, want %v", changed, tt.wantTables)
			}
		})
	}
}
