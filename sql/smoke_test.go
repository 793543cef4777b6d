package sql

import (
	"strings"
	"testing"

	"github.com/chatstream/chatstream/internal/golden"
)

func TestSmokeGolden(t *testing.T) {
	s, err := Smoke(DefaultSchema)
	if err != nil {
		t.Fatal(err)
	}
	wantNames := []string{"smoke_progress", "smoke_latency", "smoke_scan_errors", "smoke_view_state", "smoke_last_refresh", "smoke_newest_row", "smoke_last_load"}
	for i, stmt := range s.All() {
		if stmt.Name != wantNames[i] {
			t.Errorf("All()[%d] is %s, want %s", i, stmt.Name, wantNames[i])
		}
		assertOneStatement(t, stmt)
	}
	for _, stmt := range []Statement{s.Progress, s.Latency} {
		// The run's events come from the table, in a range of its sort key.
		if !strings.Contains(stmt.SQL, `FROM "chatstream".chat_events`+"\n") || !strings.Contains(stmt.SQL, "run_id = :run_id") ||
			!strings.Contains(stmt.SQL, "event_time >= CAST(:since AS TIMESTAMP)") {
			t.Errorf("%s does not read the run from the table from :since on:\n%s", stmt.Name, stmt.SQL)
		}
	}
	golden.Check(t, "testdata/smoke.golden.sql", Format(s.All()))
}

func TestSmokeQuotesSchema(t *testing.T) {
	s, err := Smoke(`x"; DROP TABLE t; --`)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range s.All() {
		assertOneStatement(t, stmt)
	}
	if !strings.Contains(s.Progress.SQL, `FROM "x""; DROP TABLE t; --".chat_events`) {
		t.Errorf("schema not quoted:\n%s", s.Progress.SQL)
	}
	if _, err := Smoke("a\nb"); err == nil || !strings.Contains(err.Error(), "schema: identifier") {
		t.Errorf(`Smoke("a\nb") = %v; want an error naming the schema`, err)
	}
}
