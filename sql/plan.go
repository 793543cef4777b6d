package sql

import (
	"fmt"
	"slices"
	"time"
)

// The DDL templates, by the part of the schema they build.
const (
	schemaFile = "ddl/schema.sql"
	// streamFile is Redshift's streaming ingestion: the external schema and
	// the streaming materialized view.
	streamFile = "ddl/stream.sql"
	// standInFile is PostgreSQL's stand-in for streamFile.
	standInFile = "ddl/standin.sql"
	tablesFile  = "ddl/tables.sql"
	accessFile  = "ddl/access.sql"
	// legacyFile moves a Redshift deployment of the first design, whose
	// materialized view was the record.
	legacyFile = "ddl/legacy.sql"
)

// ddlFiles lists the templates e has.
func ddlFiles(e Engine) []string {
	if e == Redshift {
		return []string{schemaFile, streamFile, tablesFile, accessFile, legacyFile}
	}
	return []string{schemaFile, standInFile, tablesFile, accessFile}
}

// renderDDL renders every DDL template of p's engine with p, keyed by file.
func renderDDL(p Params) (map[string][]Statement, error) {
	quoted, err := p.quote()
	if err != nil {
		return nil, err
	}
	funcs := engineFuncs(p.Engine, time.Time{})
	out := make(map[string][]Statement)
	for _, file := range ddlFiles(p.Engine) {
		if out[file], err = renderWith(file, funcs, quoted); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// statements renders the DDL and returns the statements called names, in
// that order.
func statements(p Params, names ...string) ([]Statement, error) {
	byFile, err := renderDDL(p)
	if err != nil {
		return nil, err
	}
	byName := named{}
	for file, stmts := range byFile {
		if err := byName.add(file, stmts); err != nil {
			return nil, err
		}
	}
	return byName.pick(fmt.Sprintf("the %s DDL", p.Engine), names...)
}

// Statement names shared by several plans.
var (
	createTables = []string{"create_landing_table", "create_events_table", "create_rejected_table", "create_load_runs_table"}
	dropTables   = []string{"drop_landing_table", "drop_events_table", "drop_rejected_table", "drop_load_runs_table"}
	// grantReads comes after every CREATE, so that GRANT ... ON ALL TABLES
	// covers the materialized view too.
	grantReads = []string{
		"define_create_analyst_role", "create_analyst_role", "drop_create_analyst_role",
		"grant_schema_usage", "grant_select_on_tables", "grant_select_on_future_tables",
	}
	dropStream    = []string{"drop_stream_view", "drop_stream_schema"}
	rebuildStream = slices.Concat(dropStream, []string{"create_stream_schema", "create_stream_view"})
	// dropTablesAndSchema ends a teardown: the tables, a role procedure an
	// interrupted Apply left, and the schema.
	dropTablesAndSchema = slices.Concat(dropTables, []string{"define_create_analyst_role", "drop_create_analyst_role", "drop_schema"})
)

// Apply returns the statements that build the warehouse from scratch, or
// rebuild streaming ingestion: the tables when they are missing (never
// touching one that exists), the external schema and the materialized
// view dropped and created again, the analyst role and its grants.
// Recreating the materialized view re-reads the stream from its oldest
// record; the loads' duplicate check absorbs what the table already has.
// For PostgreSQL it creates the stand-in for the materialized view instead.
func Apply(p Params) ([]Statement, error) {
	if p.Engine == PostgreSQL {
		return statements(p, slices.Concat([]string{"create_schema", "create_stream_table"}, createTables, grantReads)...)
	}
	return statements(p, slices.Concat([]string{"create_schema"}, createTables, rebuildStream, grantReads)...)
}

// ApplyFromViews is Apply for a Redshift deployment of the first design,
// where the materialized view was the record and chatstream.chat_events a
// view: the view is dropped before the table takes its name, and the
// materialized view's rows are copied to the landing table before the view
// is rebuilt, so that the next load keeps every one of them.
func ApplyFromViews(p Params) ([]Statement, error) {
	if p.Engine != Redshift {
		return nil, fmt.Errorf("the first design ran on Redshift only, not %s", p.Engine)
	}
	return statements(p, slices.Concat(
		[]string{"create_schema", "drop_legacy_events_view"}, createTables,
		[]string{"save_legacy_stream_rows"}, rebuildStream, grantReads)...)
}

// ApplyTables returns the statements that create the tables that are
// missing and grant the analyst role its reads, leaving streaming
// ingestion, and every table that exists, alone.
func ApplyTables(p Params) ([]Statement, error) {
	return statements(p, slices.Concat([]string{"create_schema"}, createTables, grantReads)...)
}

// SetAutoRefresh returns the statement that switches the materialized view
// to p.Mode's AUTO REFRESH in place.
func SetAutoRefresh(p Params) ([]Statement, error) {
	if p.Engine != Redshift {
		return nil, fmt.Errorf("%s has no materialized view to refresh", p.Engine)
	}
	return statements(p, "set_auto_refresh")
}

// Drop returns the statements that remove streaming ingestion, the
// materialized view and the external schema, so that nothing refreshes
// under old names. The schema and its tables stay: they hold history.
func Drop(p Params) ([]Statement, error) {
	if p.Engine != Redshift {
		return nil, fmt.Errorf("%s has no streaming ingestion to drop", p.Engine)
	}
	return statements(p, slices.Concat([]string{"create_schema"}, dropStream)...)
}

// DropFromViews is Drop for a deployment of the first design, whose typed
// view reads the materialized view and so goes first.
func DropFromViews(p Params) ([]Statement, error) {
	if p.Engine != Redshift {
		return nil, fmt.Errorf("the first design ran on Redshift only, not %s", p.Engine)
	}
	return statements(p, slices.Concat([]string{"create_schema", "drop_legacy_events_view"}, dropStream)...)
}

// Teardown returns the statements that remove everything Apply creates,
// the history in the tables included, then the schema. The analyst role
// stays: roles belong to the whole namespace. Redshift refuses to drop the
// schema while it holds objects that are not ours; creating the role's
// procedure before dropping it removes one an interrupted Apply left.
func Teardown(p Params) ([]Statement, error) {
	stream := dropStream
	if p.Engine == PostgreSQL {
		stream = []string{"drop_stream_table"}
	}
	return statements(p, slices.Concat([]string{"create_schema"}, stream, dropTablesAndSchema)...)
}

// TeardownFromViews is Teardown for a deployment of the first design.
func TeardownFromViews(p Params) ([]Statement, error) {
	if p.Engine != Redshift {
		return nil, fmt.Errorf("the first design ran on Redshift only, not %s", p.Engine)
	}
	return statements(p, slices.Concat([]string{"create_schema", "drop_legacy_events_view"}, dropStream, dropTablesAndSchema)...)
}

// sessionFile holds the settings of the session a plan runs in.
const sessionFile = "ddl/session.sql"

// maxStatementTimeout is the largest statement_timeout Redshift takes: it is
// a number of milliseconds in a 32-bit integer.
const maxStatementTimeout = 2147483647 * time.Millisecond

// StatementTimeout returns the statement that makes Redshift abort every
// later statement of the session that runs longer than d, to run first in a
// plan. d must be a whole number of milliseconds, at least one second.
func StatementTimeout(d time.Duration) (Statement, error) {
	if d < time.Second || d > maxStatementTimeout || d%time.Millisecond != 0 {
		return Statement{}, fmt.Errorf("statement timeout %s: want whole milliseconds from 1s to %s", d, maxStatementTimeout)
	}
	stmts, err := render(sessionFile, struct{ Milliseconds int64 }{d.Milliseconds()})
	if err != nil {
		return Statement{}, err
	}
	return stmts[0], nil
}
