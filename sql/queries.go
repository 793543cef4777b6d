package sql

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// QueryOptions say how to render an analytics query.
type QueryOptions struct {
	// Engine is the engine the query runs on.
	Engine Engine
	// Schema holds the events table.
	Schema string
	// AsOf, when set, is the time the query's windows end at instead of the
	// current time, so that a test's result does not depend on when it
	// runs.
	AsOf time.Time
}

// Queries returns the names of the analytics queries in sql/queries, sorted.
func Queries() ([]string, error) {
	entries, err := fs.ReadDir(files, "queries")
	if err != nil {
		return nil, fmt.Errorf("list queries: %w", err)
	}
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".sql"); ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}

// Query renders the analytics query called name.
func Query(name string, o QueryOptions) (Statement, error) {
	available, err := Queries()
	if err != nil {
		return Statement{}, err
	}
	if !slices.Contains(available, name) {
		return Statement{}, fmt.Errorf("no query named %q; have %s", name, strings.Join(available, ", "))
	}
	if err := o.Engine.valid(); err != nil {
		return Statement{}, err
	}
	quoted, err := o.Engine.quoteIdentifier(o.Schema)
	if err != nil {
		return Statement{}, fmt.Errorf("schema: %w", err)
	}
	// Queries see only the schema: a template naming anything else fails.
	data := struct{ Schema string }{Schema: quoted}
	stmts, err := renderWith(path.Join("queries", name+".sql"), engineFuncs(o.Engine, o.AsOf), data)
	if err != nil {
		return Statement{}, err
	}
	if len(stmts) != 1 || stmts[0].Name != name {
		return Statement{}, fmt.Errorf("queries/%s.sql must hold exactly one statement named %s", name, name)
	}
	return stmts[0], nil
}
