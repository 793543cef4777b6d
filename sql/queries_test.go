package sql

import (
	"strings"
	"testing"
	"time"

	"github.com/chatstream/chatstream/internal/golden"
	"github.com/google/go-cmp/cmp"
)

func TestQueries(t *testing.T) {
	names, err := Queries()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"active_users", "busiest_chats", "events_per_minute", "ingestion_lag", "malformed_records",
		"messages_by_platform", "newest_event_age", "users_online"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("Queries() (-want +got):\n%s", diff)
	}
	// What each query reads and the sort key column it bounds: the events
	// table's event_time, except for the rejected records, which are
	// sorted by arrival_time and may have no event_time at all.
	reads := func(name string) (table, sortKey, says string) {
		if name == "malformed_records" {
			return RejectedTable, "arrival_time", "-- Reads arrival_time of the rejected table from "
		}
		return EventsTable, "event_time", "-- Reads event_time from "
	}
	for _, engine := range []Engine{Redshift, PostgreSQL} {
		var all []Statement
		for _, name := range names {
			q, err := Query(name, QueryOptions{Engine: engine, Schema: DefaultSchema})
			if err != nil {
				t.Fatalf("Query(%s, %s) = %v", name, engine, err)
			}
			assertOneStatement(t, q)
			table, sortKey, says := reads(name)
			if !strings.Contains(q.SQL, `FROM "chatstream".`+table+"\n") {
				t.Errorf("Query(%s) does not read %s:\n%s", name, table, q.SQL)
			}
			// Each query reads a range of the sort key, and says which.
			if !strings.Contains(q.SQL, says) || !strings.Contains(uncommented(q.SQL), sortKey+" >= ") {
				t.Errorf("Query(%s) does not bound %s, or does not say so:\n%s", name, sortKey, q.SQL)
			}
			all = append(all, q)
		}
		golden.Check(t, "testdata/queries_"+strings.ToLower(engine.String())+".golden.sql", Format(all))
	}
}

func TestQueryAsOf(t *testing.T) {
	at := time.Date(2026, 11, 27, 10, 15, 0, 0, time.UTC)
	for engine, want := range map[Engine]string{
		Redshift:   "DATEADD(hour, -1, CAST('2026-11-27 10:15:00.000000' AS TIMESTAMP))",
		PostgreSQL: "(CAST('2026-11-27 10:15:00.000000' AS TIMESTAMP) + INTERVAL '-1 hour')",
	} {
		q, err := Query("busiest_chats", QueryOptions{Engine: engine, Schema: DefaultSchema, AsOf: at})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(q.SQL, "event_time >= "+want) {
			t.Errorf("%s busiest_chats as of %s does not read from %s:\n%s", engine, at, want, q.SQL)
		}
	}
}

func TestQueryRefuses(t *testing.T) {
	tests := []struct {
		name, query, schema, wantErr string
	}{
		{name: "unknown query", query: "drop_everything", schema: "chatstream", wantErr: `no query named "drop_everything"; have active_users, busiest_chats`},
		{name: "path traversal", query: "../ddl/schema", schema: "chatstream", wantErr: "no query named"},
		{name: "schema with newline", query: "active_users", schema: "a\nb", wantErr: "schema: identifier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Query(tt.query, QueryOptions{Schema: tt.schema}); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Query(%q, %q) = %v; want an error containing %q", tt.query, tt.schema, err, tt.wantErr)
			}
		})
	}
}

func TestQueryQuotesSchema(t *testing.T) {
	q, err := Query("busiest_chats", QueryOptions{Schema: `x"; DROP TABLE t; --`})
	if err != nil {
		t.Fatal(err)
	}
	assertOneStatement(t, q)
	if !strings.Contains(q.SQL, `FROM "x""; DROP TABLE t; --".chat_events`) {
		t.Errorf("schema not quoted:\n%s", q.SQL)
	}
}
