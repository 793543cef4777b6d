package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	chatsql "github.com/chatstream/chatstream/sql"
)

// exampleLoad stands in for a load's id and start time, which each run
// chooses.
var exampleLoad = chatsql.LoadRun{ID: "load-20260101T000000Z-example", Started: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}

// section is a part of the printed SQL and when it runs.
type section struct {
	when  string
	stmts []chatsql.Statement
}

// printSQL writes every statement the deploy and the loader run for p, in
// sections that say when each runs, or what deleting the resource runs.
func printSQL(w io.Writer, p chatsql.Params, where, note string, teardown bool) error {
	sections, err := sqlSections(p, teardown)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("%s, %s mode", p.Engine, p.Mode)
	if p.Engine == chatsql.Redshift {
		what = fmt.Sprintf("stream %s, %s", p.StreamName, what)
	}
	fmt.Fprintf(w, "-- chatstream warehouse SQL for %s: %s\n", where, what)
	if note != "" {
		fmt.Fprintf(w, "-- %s\n", note)
	}
	for _, s := range sections {
		if _, err := fmt.Fprintf(w, "\n-- ==== %s\n\n%s", s.when, chatsql.Format(s.stmts)); err != nil {
			return err
		}
	}
	return nil
}

func sqlSections(p chatsql.Params, teardown bool) ([]section, error) {
	if teardown {
		stmts, err := chatsql.Teardown(p)
		return []section{{"Delete (unless the environment retains its data): everything, history included", stmts}}, err
	}
	apply, err := chatsql.Apply(p)
	if err != nil {
		return nil, err
	}
	load, err := chatsql.Load(p, exampleLoad)
	if err != nil {
		return nil, err
	}
	if p.Engine == chatsql.PostgreSQL {
		return []section{
			{"The local warehouse's start: creates what is missing", apply},
			{"One load, after the local ingest has read the stream (load id and start time are examples)", load.All()},
		}, nil
	}
	interval := "every minute"
	if p.Mode.Refreshes() {
		interval = "on its schedule, every few minutes"
	}
	switchMode, err := chatsql.SetAutoRefresh(p)
	if err != nil {
		return nil, err
	}
	fromViews, err := chatsql.ApplyFromViews(p)
	if err != nil {
		return nil, err
	}
	var legacy []chatsql.Statement
	for _, s := range fromViews {
		if strings.Contains(s.Name, "legacy") {
			legacy = append(legacy, s)
		}
	}
	return []section{
		{"Deploy, Create or a rebuild of streaming ingestion: creates what is missing, rebuilds the materialized view", apply},
		{"Deploy, once, in an environment the first design deployed: the same, with these two in it (the old view " +
			"first; the old materialized view's rows, before its rebuild)", legacy},
		{"Deploy, when only the mode changed: the materialized view switches in place", switchMode},
		{fmt.Sprintf("One load, as the loader runs it %s (load id and start time are examples)", interval), load.All()},
	}, nil
}
