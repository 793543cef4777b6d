package sql

import (
	"fmt"
	"regexp"
	"time"
)

// LoadRun names one run of the loader.
type LoadRun struct {
	// ID identifies the run in load_runs and in every row it writes: 1 to
	// 64 of A-Z, a-z, 0-9, '.', '_', ':' and '-'.
	ID string
	// Started is when the run began, recorded as load_runs.started_at.
	Started time.Time
}

var loadIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// LoadPlan is one load's statements, in the order the loader runs them.
type LoadPlan struct {
	// Refresh reads the stream into the materialized view; nil when
	// Redshift refreshes it on its own (realtime mode) and in PostgreSQL,
	// where the local ingest stands in for it.
	Refresh *Statement
	// Count returns one row: streamed (rows in the materialized view) and
	// landed (rows a failed run left in the landing table).
	Count Statement
	// Move moves every row of the materialized view into the landing table,
	// committing on its own.
	Move Statement
	// Batch is one transaction that loads the landing table into the
	// events table and empties it. Its last statement returns one row:
	// moved, inserted, duplicates and rejected.
	Batch []Statement
}

// All returns every statement of the plan in order.
func (l LoadPlan) All() []Statement {
	var out []Statement
	if l.Refresh != nil {
		out = append(out, *l.Refresh)
	}
	out = append(out, l.Count, l.Move)
	return append(out, l.Batch...)
}

// moveFile holds a load's first steps: count_pending, which the local
// check runs too, and move_to_landing.
const moveFile = "load/move.sql"

// loadNames lists the batch's statements in the order they run.
var loadNames = []string{
	"lock_landing", "stage_batch", "insert_rejected", "insert_events",
	"record_run", "clear_landing", "drop_batch", "report_run",
}

// loadData is what the loader's templates insert, quoted.
type loadData struct {
	Schema    string
	LoadID    string
	Mode      string
	StartedAt string
}

// ValidateLoad reports the first parameter a load cannot be rendered with.
// A load reads the materialized view, never the stream: it names the
// schema, the mode and the engine only.
func (p Params) ValidateLoad() error {
	_, err := p.loadSchema()
	return err
}

func (p Params) loadSchema() (string, error) {
	if err := p.Engine.valid(); err != nil {
		return "", err
	}
	if err := p.Mode.OrRealtime().Validate(); err != nil {
		return "", err
	}
	quoted, err := p.Engine.quoteIdentifier(p.Schema)
	if err != nil {
		return "", fmt.Errorf("schema: %w", err)
	}
	return quoted, nil
}

// Load renders the statements of one load for p's engine and mode.
func Load(p Params, run LoadRun) (LoadPlan, error) {
	schema, err := p.loadSchema()
	if err != nil {
		return LoadPlan{}, err
	}
	if !loadIDPattern.MatchString(run.ID) {
		return LoadPlan{}, fmt.Errorf("load id %q: want 1 to 64 of A-Z, a-z, 0-9, '.', '_', ':' and '-'", run.ID)
	}
	if run.Started.IsZero() {
		return LoadPlan{}, fmt.Errorf("load %s has no start time", run.ID)
	}
	data := loadData{Schema: schema}
	// The pattern and the formats leave nothing to escape.
	data.LoadID, _ = QuoteLiteral(run.ID)
	data.Mode, _ = QuoteLiteral(string(p.Mode.OrRealtime()))
	data.StartedAt, _ = QuoteLiteral(run.Started.UTC().Format(timestampLayout))

	files := []string{moveFile, "load/batch.sql"}
	if p.Engine == Redshift {
		files = append(files, "load/refresh.sql")
	}
	byName, err := renderNamed(engineFuncs(p.Engine, time.Time{}), data, files...)
	if err != nil {
		return LoadPlan{}, err
	}
	source := fmt.Sprintf("sql/load for %s", p.Engine)
	var plan LoadPlan
	if p.Engine == Redshift && p.Mode.Refreshes() {
		refresh, err := byName.pick(source, "refresh_stream_view")
		if err != nil {
			return LoadPlan{}, err
		}
		plan.Refresh = &refresh[0]
	}
	steps, err := byName.pick(source, "count_pending", "move_to_landing")
	if err != nil {
		return LoadPlan{}, err
	}
	plan.Count, plan.Move = steps[0], steps[1]
	if plan.Batch, err = byName.pick(source, loadNames...); err != nil {
		return LoadPlan{}, err
	}
	return plan, nil
}
