package pgquery

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/chatstream/chatstream/internal/dataapi"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// testContext is cancelled when the test ends or after limit.
func testContext(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), limit)
	t.Cleanup(cancel)
	return ctx
}

// ignoreFieldInternals compares Data API fields by value.
var ignoreFieldInternals = cmpopts.IgnoreUnexported(
	types.FieldMemberIsNull{}, types.FieldMemberLongValue{}, types.FieldMemberDoubleValue{},
	types.FieldMemberStringValue{}, types.FieldMemberBooleanValue{}, types.FieldMemberBlobValue{},
)

func TestRunReturnsTheDataAPIShape(t *testing.T) {
	// GIVEN a query with a value of each kind the analytics return
	r := &Runner{Pool: pool}
	const sql = `SELECT
		42::SMALLINT AS small, 7::INT AS int, 9007199254740993::BIGINT AS big,
		0.5::REAL AS real, 2.25::DOUBLE PRECISION AS double,
		1445.500::DECIMAL(10, 3) AS decimal, 'héllo'::VARCHAR AS text,
		'2026-11-27 10:00:03.123456'::TIMESTAMP AS ts,
		'2026-11-27 10:00:03.5+02'::TIMESTAMPTZ AS tstz,
		TRUE AS yes, '\x00ff'::BYTEA AS bytes, '{"a": [1, 2]}'::JSONB AS json,
		NULL::BIGINT AS missing`

	// WHEN it runs
	res, err := r.Run(testContext(t, 30*time.Second), "kinds", sql, nil)
	if err != nil {
		t.Fatal(err)
	}

	// THEN each value is the field the Data API sends for it
	wantColumns := []string{"small", "int", "big", "real", "double", "decimal", "text", "ts", "tstz", "yes", "bytes", "json", "missing"}
	if diff := cmp.Diff(wantColumns, res.Columns); diff != "" {
		t.Errorf("Columns (-want +got):\n%s", diff)
	}
	if len(res.Rows) != 1 {
		t.Fatalf("got %d rows, want 1", len(res.Rows))
	}
	want := []types.Field{
		&types.FieldMemberLongValue{Value: 42},
		&types.FieldMemberLongValue{Value: 7},
		&types.FieldMemberLongValue{Value: 9007199254740993},
		&types.FieldMemberDoubleValue{Value: 0.5},
		&types.FieldMemberDoubleValue{Value: 2.25},
		&types.FieldMemberStringValue{Value: "1445.500"},
		&types.FieldMemberStringValue{Value: "héllo"},
		&types.FieldMemberStringValue{Value: "2026-11-27 10:00:03.123456"},
		&types.FieldMemberStringValue{Value: "2026-11-27 08:00:03.5+00"},
		&types.FieldMemberBooleanValue{Value: true},
		&types.FieldMemberBlobValue{Value: []byte{0, 0xff}},
		&types.FieldMemberStringValue{Value: `{"a": [1, 2]}`},
		&types.FieldMemberIsNull{Value: true},
	}
	if diff := cmp.Diff(want, res.Rows[0].Fields(), ignoreFieldInternals); diff != "" {
		t.Errorf("Fields (-want +got):\n%s", diff)
	}
	// What reads Data API rows reads these the same way.
	if n, _, err := res.Rows[0].Int("decimal"); err == nil {
		t.Errorf(`Int("decimal") = %d; want the fraction refused`, n)
	}
	if n, null, err := res.Rows[0].Int("missing"); err != nil || !null {
		t.Errorf(`Int("missing") = %d, %v, %v; want NULL`, n, null, err)
	}
}

func TestRunBindsParametersAsTheDataAPIDoes(t *testing.T) {
	// GIVEN a table with typed columns, and parameters that are all strings
	r := &Runner{Pool: pool}
	ctx := testContext(t, 30*time.Second)
	for _, stmt := range []string{
		"CREATE TABLE IF NOT EXISTS bind_events (user_id BIGINT, run_id VARCHAR(128), at TIMESTAMP)",
		"TRUNCATE bind_events",
		"INSERT INTO bind_events VALUES (1, 'r1', '2026-11-27 10:00:00'), (2, 'r1', '2026-11-27 11:00:00'), (2, 'r2', '2026-11-27 12:00:00')",
	} {
		if _, err := pool.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}

	// WHEN a statement compares them with numbers, text and times
	res, err := r.Run(ctx, "count_run", `SELECT COUNT(*) AS events, :run_id AS run
		FROM bind_events
		WHERE run_id = :run_id AND user_id >= :min_user AND at < :before::TIMESTAMP`,
		map[string]string{"run_id": "r1", "min_user": "2", "before": "2026-11-27 12:00:00"})
	if err != nil {
		t.Fatal(err)
	}

	// THEN PostgreSQL inferred each parameter's type from its place
	events, _, err := res.Rows[0].Int("events")
	if err != nil || events != 1 {
		t.Errorf("events = %d, %v; want 1", events, err)
	}
	if run, _, err := res.Rows[0].Text("run"); err != nil || run != "r1" {
		t.Errorf("run = %q, %v; want r1", run, err)
	}
}

func TestRunWithoutResultSet(t *testing.T) {
	res, err := (&Runner{Pool: pool}).Run(testContext(t, 30*time.Second), "create", "CREATE TABLE IF NOT EXISTS nothing (n INT)", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Columns) != 0 || len(res.Rows) != 0 {
		t.Errorf("Run(CREATE TABLE) = %d columns, %d rows; want neither", len(res.Columns), len(res.Rows))
	}
}

func TestRunBoundsLargeResults(t *testing.T) {
	sql := "SELECT n FROM generate_series(1, 10001) AS n"
	ctx := testContext(t, 30*time.Second)

	res, err := (&Runner{Pool: pool, Truncate: true}).Run(ctx, "many", sql, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != dataapi.MaxRows || !res.Truncated {
		t.Errorf("truncated Run = %d rows, Truncated %v; want %d, true", len(res.Rows), res.Truncated, dataapi.MaxRows)
	}
	if last, _, _ := res.Rows[len(res.Rows)-1].Int("n"); last != dataapi.MaxRows {
		t.Errorf("last row = %d, want %d", last, dataapi.MaxRows)
	}

	if _, err := (&Runner{Pool: pool}).Run(ctx, "many", sql, nil); err == nil || err.Error() != "statement many: returned more than 10000 rows" {
		t.Errorf("Run without Truncate = %v; want the bound named", err)
	}
	// The connection went back to the pool in a usable state.
	if _, err := (&Runner{Pool: pool}).Run(ctx, "after", "SELECT 1 AS one", nil); err != nil {
		t.Errorf("Run after a bounded result = %v", err)
	}
}

func TestRunErrorsNameTheStatement(t *testing.T) {
	tests := []struct {
		name    string
		sql     string
		params  map[string]string
		wantErr []string
	}{
		{name: "missing table", sql: "SELECT * FROM no_such_table", wantErr: []string{"statement broken:", "no_such_table", "SQLSTATE 42P01"}},
		{name: "missing parameter", sql: "SELECT :run_id", wantErr: []string{"statement broken: no value for parameter :run_id"}},
		{name: "parameter of the wrong type", sql: "SELECT 1 WHERE 1 = :n", params: map[string]string{"n": "one"}, wantErr: []string{"statement broken:", `"one"`, "SQLSTATE 22P02"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := (&Runner{Pool: pool}).Run(testContext(t, 30*time.Second), "broken", tt.sql, tt.params)
			if err == nil {
				t.Fatal("Run = nil error")
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Run = %v; want an error containing %q", err, want)
				}
			}
		})
	}
}
