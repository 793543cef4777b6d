package sql

import (
	"bytes"
	"strings"
	"testing"
	"text/template"
	"time"
)

// renderWith executes a template text with e's functions.
func renderText(e Engine, text string) (string, error) {
	tmpl, err := template.New("t").Funcs(engineFuncs(e, time.Time{})).Parse(text)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	err = tmpl.Execute(&b, nil)
	return b.String(), err
}

func TestEngineFuncs(t *testing.T) {
	tests := []struct {
		text         string
		redshift, pg string
	}{
		{`{{text "event_id"}}`,
			`CASE WHEN IS_VARCHAR(payload.event_id) AND JSON_SIZE(payload.event_id) <= 65535 THEN payload.event_id::VARCHAR(65535) END`,
			`CASE WHEN jsonb_typeof(payload->'event_id') = 'string' THEN payload->>'event_id' END`},
		{`{{bigint "user_id"}}`,
			`CASE WHEN IS_BIGINT(payload.user_id) THEN payload.user_id::BIGINT END`,
			`CASE WHEN jsonb_typeof(payload->'user_id') = 'number' AND payload->>'user_id' ~ '^-?[0-9]{1,18}$' THEN (payload->>'user_id')::BIGINT END`},
		{`{{ago 5 "minute"}}`, `DATEADD(minute, -5, GETDATE())`, `((now() AT TIME ZONE 'UTC') + INTERVAL '-5 minute')`},
		{`{{shift "arrival_time" 15 "minute"}}`, `DATEADD(minute, 15, arrival_time)`, `(arrival_time + INTERVAL '15 minute')`},
		{`{{msBetween "a" "b"}}`, `DATEDIFF(millisecond, a, b)`,
			`((EXTRACT(EPOCH FROM DATE_TRUNC('milliseconds', b)) - EXTRACT(EPOCH FROM DATE_TRUNC('milliseconds', a))) * 1000)::BIGINT`},
		{`TO {{grantee}}`, `TO ROLE chatstream_analyst`, `TO chatstream_analyst`},
		{`{{if redshift}}SORTKEY (x){{end}}`, `SORTKEY (x)`, ``},
	}
	for _, tt := range tests {
		for e, want := range map[Engine]string{Redshift: tt.redshift, PostgreSQL: tt.pg} {
			got, err := renderText(e, tt.text)
			if err != nil {
				t.Fatalf("%s %s: %v", e, tt.text, err)
			}
			if got != want {
				t.Errorf("%s %s = %s\nwant %s", e, tt.text, got, want)
			}
		}
	}
}

func TestEngineFuncsRefuse(t *testing.T) {
	for text, wantErr := range map[string]string{
		`{{text "event_id') OR 1=1 --"}}`: `payload field "event_id') OR 1=1 --"`,
		`{{bigint "User"}}`:               `payload field "User"`,
		`{{ago 1 "week"}}`:                `interval unit "week"`,
		`{{shift "x" 1 "hour'"}}`:         `interval unit "hour'"`,
	} {
		for _, e := range []Engine{Redshift, PostgreSQL} {
			if got, err := renderText(e, text); err == nil || !strings.Contains(err.Error(), wantErr) {
				t.Errorf("%s %s = %q, %v; want an error containing %q", e, text, got, err, wantErr)
			}
		}
	}
}

func TestParseEngineAndMode(t *testing.T) {
	for in, want := range map[string]Engine{"redshift": Redshift, "postgres": PostgreSQL, "postgresql": PostgreSQL} {
		if got, err := ParseEngine(in); err != nil || got != want {
			t.Errorf("ParseEngine(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseEngine("duckdb"); err == nil || !strings.Contains(err.Error(), `engine "duckdb"`) {
		t.Errorf("ParseEngine(duckdb) = %v; want an error naming it", err)
	}
	for _, m := range []Mode{Realtime, Scheduled} {
		if got, err := ParseMode(string(m)); err != nil || got != m {
			t.Errorf("ParseMode(%q) = %v, %v", m, got, err)
		}
	}
	if _, err := ParseMode("Realtime"); err == nil || !strings.Contains(err.Error(), `mode "Realtime": want realtime or scheduled`) {
		t.Errorf("ParseMode(Realtime) = %v; want an error naming it", err)
	}
	if Realtime.Refreshes() || !Scheduled.Refreshes() {
		t.Error("only scheduled mode refreshes in the loader")
	}
}

// TestPostgreSQLRefusesASchemaItWouldTruncate checks that every rendering
// for PostgreSQL refuses a schema longer than the 63 bytes PostgreSQL
// keeps, which it would truncate silently, and that Redshift's 127 bytes
// still render.
func TestPostgreSQLRefusesASchemaItWouldTruncate(t *testing.T) {
	long := strings.Repeat("a", 64)
	for _, e := range []Engine{Redshift, PostgreSQL} {
		p := DefaultParams("chat-events-staging")
		p.Engine, p.Schema = e, long
		renders := map[string]func() error{
			"Apply": func() error { _, err := Apply(p); return err },
			"Load":  func() error { _, err := Load(p, exampleRun); return err },
			"Query": func() error {
				_, err := Query("active_users", QueryOptions{Engine: e, Schema: long})
				return err
			},
		}
		for name, render := range renders {
			err := render()
			if e == Redshift && err != nil {
				t.Errorf("%s for Redshift with a 64-byte schema = %v; want it rendered", name, err)
			}
			if e == PostgreSQL && (err == nil || !strings.Contains(err.Error(), "PostgreSQL allows at most 63")) {
				t.Errorf("%s for PostgreSQL with a 64-byte schema = %v; want it refused", name, err)
			}
		}
	}
}
