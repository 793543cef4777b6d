package sql

import (
	"strings"
	"testing"

	"github.com/chatstream/chatstream/internal/golden"
)

func TestLocalIngestGolden(t *testing.T) {
	s, err := LocalIngest(DefaultSchema, DefaultLocalStateSchema)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range s.All() {
		assertOneStatement(t, stmt)
	}
	// The landing table stands in for the streaming materialized view: the
	// SQL that reads one must find the other under the same name.
	if !strings.Contains(s.Setup[1].SQL, `CREATE TABLE IF NOT EXISTS "chatstream".chat_events_stream (`) {
		t.Errorf("%s does not create the landing table under the view's name:\n%s", s.Setup[1].Name, s.Setup[1].SQL)
	}
	db, err := LocalCreateDatabase("chatstream")
	if err != nil {
		t.Fatal(err)
	}
	assertOneStatement(t, db)
	golden.Check(t, "testdata/local.golden.sql", Format(append(s.All(), db)))
}

func TestLocalCheckGolden(t *testing.T) {
	c, err := LocalCheck(DefaultSchema)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range c.All() {
		assertOneStatement(t, stmt)
	}
	golden.Check(t, "testdata/local_check.golden.sql", Format(c.All()))
	if _, err := LocalCheck(strings.Repeat("a", 64)); err == nil || !strings.Contains(err.Error(), "PostgreSQL allows at most 63") {
		t.Errorf("LocalCheck of a 64-byte schema = %v; want it refused", err)
	}
}

func TestLocalRefuses(t *testing.T) {
	long := strings.Repeat("a", 64)
	tests := []struct {
		name    string
		render  func() error
		wantErr string
	}{
		{name: "schema with newline", render: func() error { _, err := LocalIngest("a\nb", DefaultLocalStateSchema); return err }, wantErr: "schema: identifier"},
		{name: "state schema too long for PostgreSQL", render: func() error { _, err := LocalIngest(DefaultSchema, long); return err }, wantErr: `state schema: identifier "` + long + `" is 64 bytes; PostgreSQL allows at most 63`},
		{name: "empty database", render: func() error { _, err := LocalCreateDatabase(""); return err }, wantErr: "database: identifier is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.render(); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestLocalQuotesNames(t *testing.T) {
	s, err := LocalIngest(`x"; DROP TABLE t; --`, DefaultLocalStateSchema)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range s.All() {
		assertOneStatement(t, stmt)
	}
	if !strings.Contains(s.Insert.SQL, `INSERT INTO "x""; DROP TABLE t; --".chat_events_stream`) {
		t.Errorf("schema not quoted:\n%s", s.Insert.SQL)
	}
}

// TestLandingTableMatchesStreamView checks that the local landing table has
// the columns of Redshift's streaming materialized view, in the same order.
func TestLandingTableMatchesStreamView(t *testing.T) {
	apply, err := Apply(stagingParams(t))
	if err != nil {
		t.Fatal(err)
	}
	local, err := LocalIngest(DefaultSchema, DefaultLocalStateSchema)
	if err != nil {
		t.Fatal(err)
	}
	var view, landing string
	for _, s := range append(apply, local.Setup...) {
		switch s.Name {
		case "create_stream_view":
			view = s.SQL
		case "create_stream_table":
			landing = s.SQL
		}
	}
	// Each column as the view's select list and the table's definition name it.
	columns := []struct{ inView, inTable string }{
		{"approximate_arrival_timestamp,", "approximate_arrival_timestamp TIMESTAMP,"},
		{"partition_key,", "partition_key VARCHAR"},
		{"shard_id,", "shard_id VARCHAR"},
		{"sequence_number,", "sequence_number VARCHAR"},
		{"refresh_time,", "refresh_time TIMESTAMP"},
		{"AS payload", "payload JSONB"},
	}
	inOrder := func(sql string, pick func(i int) string) bool {
		at := 0
		for i := range columns {
			j := strings.Index(sql[at:], pick(i))
			if j < 0 {
				return false
			}
			at += j + len(pick(i))
		}
		return true
	}
	if !inOrder(view, func(i int) string { return columns[i].inView }) {
		t.Fatalf("create_stream_view does not select %v in this order; update the landing table with it:\n%s", columns, view)
	}
	if !inOrder(landing, func(i int) string { return columns[i].inTable }) {
		t.Errorf("create_stream_table does not define the view's columns in its order:\n%s", landing)
	}
}
