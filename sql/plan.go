package sql

import (
	"fmt"
	"time"
)

// The DDL templates, by the part of the schema they build.
const (
	schemaFile = "ddl/schema.sql"
	streamFile = "ddl/stream.sql"
	viewsFile  = "ddl/views.sql"
)

// renderDDL renders every DDL template with p, keyed by file.
func renderDDL(p Params) (map[string][]Statement, error) {
	quoted, err := p.quote()
	if err != nil {
		return nil, err
	}
	out := make(map[string][]Statement, 3)
	for _, file := range [...]string{schemaFile, streamFile, viewsFile} {
		if out[file], err = render(file, quoted); err != nil {
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
	byName := make(map[string]Statement)
	for file, stmts := range byFile {
		for _, s := range stmts {
			if _, dup := byName[s.Name]; dup {
				return nil, fmt.Errorf("statement %s is defined twice (again in %s)", s.Name, file)
			}
			byName[s.Name] = s
		}
	}
	out := make([]Statement, 0, len(names))
	for _, name := range names {
		s, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("no DDL statement named %s", name)
		}
		out = append(out, s)
	}
	return out, nil
}

// Apply returns the statements that build streaming ingestion from scratch or
// rebuild it: drop the typed views, the materialized view and the external
// schema if they exist, then create them again. Recreating the materialized
// view re-reads the stream from its oldest record.
func Apply(p Params) ([]Statement, error) {
	return statements(p,
		"create_schema",
		"drop_events_view",
		"drop_stream_view",
		"drop_stream_schema",
		"create_stream_schema",
		"create_stream_view",
		"create_events_view",
	)
}

// ApplyViews returns the statements that rebuild only the typed views,
// leaving the materialized view and the rows it holds alone.
func ApplyViews(p Params) ([]Statement, error) {
	return statements(p,
		"create_schema",
		"drop_events_view",
		"create_events_view",
	)
}

// Drop returns the statements that remove the typed views, the materialized
// view and the external schema, leaving the local schema for objects that
// are created in it again.
func Drop(p Params) ([]Statement, error) {
	return statements(p,
		"create_schema",
		"drop_events_view",
		"drop_stream_view",
		"drop_stream_schema",
	)
}

// Teardown returns the statements that remove everything Apply creates: what
// Drop removes, then the local schema. Redshift refuses to drop the schema
// while it holds objects that are not ours.
func Teardown(p Params) ([]Statement, error) {
	return statements(p,
		"create_schema",
		"drop_events_view",
		"drop_stream_view",
		"drop_stream_schema",
		"drop_schema",
	)
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
