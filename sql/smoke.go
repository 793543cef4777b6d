package sql

import "fmt"

// SmokeStatements are the statements `make smoke` runs, from sql/smoke. Values
// are bound as Data API parameters, named after a colon in the SQL.
type SmokeStatements struct {
	// Progress counts a run's events in the table, and its records waiting
	// for a load or rejected by one. Parameters: run_id, and since, a
	// timestamp no later than the run's first event.
	Progress Statement
	// Latency gives the percentiles of a run's latency from each event to
	// the load that made it queryable, in milliseconds. Parameters: run_id,
	// since.
	Latency Statement
	// ScanErrors lists the last hour's ingestion errors by reason.
	// Parameter: stream, the Kinesis stream name.
	ScanErrors Statement
	// ViewState is the materialized view's row in SVV_MV_INFO; none when it
	// does not exist. Parameter: schema, as Redshift stores it (lower case).
	ViewState Statement
	// LastRefresh is the materialized view's latest refresh. Parameter:
	// schema.
	LastRefresh Statement
	// NewestRow is when Redshift last ingested a row.
	NewestRow Statement
	// LastLoad is the latest load's row in load_runs; none before the first.
	LastLoad Statement
}

// Smoke renders the smoke-test statements against the tables in schema.
func Smoke(schema string) (SmokeStatements, error) {
	quoted, err := QuoteIdentifier(schema)
	if err != nil {
		return SmokeStatements{}, fmt.Errorf("schema: %w", err)
	}
	// Like the queries, these templates see only the schema.
	data := struct{ Schema string }{Schema: quoted}
	byName, err := renderNamed(nil, data, "smoke/run.sql", "smoke/diagnose.sql")
	if err != nil {
		return SmokeStatements{}, err
	}
	stmts, err := byName.pick("sql/smoke", "smoke_progress", "smoke_latency", "smoke_scan_errors",
		"smoke_view_state", "smoke_last_refresh", "smoke_newest_row", "smoke_last_load")
	if err != nil {
		return SmokeStatements{}, err
	}
	return SmokeStatements{
		Progress: stmts[0], Latency: stmts[1], ScanErrors: stmts[2],
		ViewState: stmts[3], LastRefresh: stmts[4], NewestRow: stmts[5], LastLoad: stmts[6],
	}, nil
}

// All returns the statements in a fixed order: the run's, then the
// diagnosis's.
func (s SmokeStatements) All() []Statement {
	return []Statement{s.Progress, s.Latency, s.ScanErrors, s.ViewState, s.LastRefresh, s.NewestRow, s.LastLoad}
}
