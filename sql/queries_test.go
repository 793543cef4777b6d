package sql

import (
	"strings"
	"testing"

	"github.com/chatstream/chatstream/internal/golden"
	"github.com/google/go-cmp/cmp"
)

func TestQueries(t *testing.T) {
	names, err := Queries()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"active_users", "busiest_chats", "events_per_minute", "ingestion_lag", "messages_by_platform"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("Queries() (-want +got):\n%s", diff)
	}
	var all []Statement
	for _, name := range names {
		q, err := Query(name, DefaultSchema)
		if err != nil {
			t.Fatalf("Query(%s) = %v", name, err)
		}
		assertOneStatement(t, q)
		if !strings.Contains(q.SQL, `FROM "chatstream".chat_events`) {
			t.Errorf("Query(%s) does not read the typed view:\n%s", name, q.SQL)
		}
		all = append(all, q)
	}
	golden.Check(t, "testdata/queries.golden.sql", Format(all))
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
			if _, err := Query(tt.query, tt.schema); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Query(%q, %q) = %v; want an error containing %q", tt.query, tt.schema, err, tt.wantErr)
			}
		})
	}
}

func TestQueryQuotesSchema(t *testing.T) {
	q, err := Query("busiest_chats", `x"; DROP TABLE t; --`)
	if err != nil {
		t.Fatal(err)
	}
	assertOneStatement(t, q)
	if !strings.Contains(q.SQL, `FROM "x""; DROP TABLE t; --".chat_events`) {
		t.Errorf("schema not quoted:\n%s", q.SQL)
	}
}
