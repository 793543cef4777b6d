package dashboard

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/chatstream/chatstream/internal/dataapi"
	chatsql "github.com/chatstream/chatstream/sql"
)

// runner runs one SQL statement and returns its rows; *dataapi.Runner
// (Redshift through the Data API) and *pgquery.Runner (the local
// warehouse) have it.
type runner interface {
	Run(ctx context.Context, name, sql string, params map[string]string) (*dataapi.Result, error)
}

// Source is the warehouse a dashboard reads.
type Source struct {
	// Name says on the page what is shown, such as "local warehouse".
	Name string
	// Runner runs the queries.
	Runner runner
	// Render renders the query called name from sql/queries for the
	// engine Runner talks to.
	Render func(name string) (chatsql.Statement, error)
}

// Config says what a Dashboard shows and how often.
type Config struct {
	// Source is where the queries run.
	Source Source
	// Charts are the panels, in page order; nil means Charts().
	Charts []Chart
	// Interval is how often an open page asks for news, and how old a
	// panel's data may get before that question runs its query again.
	// 0 means 5 s.
	Interval time.Duration
	// QueryTimeout is each query's deadline; a query that outlasts it is
	// cancelled and its panel says so. 0 means 30 s.
	QueryTimeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Default settings.
const (
	DefaultInterval     = 5 * time.Second
	DefaultQueryTimeout = 30 * time.Second
)

// Dashboard runs each chart's query and keeps its latest outcome. Every
// chart runs on its own: a query that fails or hangs holds up no other
// panel, and a chart never has two runs at once.
type Dashboard struct {
	cfg Config

	mu     sync.Mutex
	panels []panel
	runs   sync.WaitGroup
}

// panel is one chart and what its runs found, guarded by Dashboard.mu.
type panel struct {
	chart Chart
	// running is the run in progress; nil when none is.
	running *run
	// last is the outcome of the latest run that ended; nil before one
	// did.
	last *outcome
}

// run is a run in progress.
type run struct {
	started time.Time
	done    chan struct{}
}

// State is what a panel's latest run found.
type State string

// The states of a panel.
const (
	// Pending: the chart's first run has not ended yet.
	Pending State = "pending"
	// OK: the query returned something to draw.
	OK State = "ok"
	// Empty: the query ran and returned nothing to draw.
	Empty State = "empty"
	// Failed: the query could not be rendered or run, or its result could
	// not be drawn.
	Failed State = "failed"
	// TimedOut: the query outlasted its deadline and was cancelled.
	TimedOut State = "timed_out"
)

// outcome is what one run found. It is never modified once stored.
type outcome struct {
	state             State
	err               error
	started, finished time.Time
	result            *dataapi.Result
	fig               figure
}

// New checks cfg and returns a dashboard whose panels are all pending.
func New(cfg Config) (*Dashboard, error) {
	if cfg.Source.Runner == nil || cfg.Source.Render == nil {
		return nil, errors.New("dashboard: Config.Source needs a Runner and a Render function")
	}
	if cfg.Charts == nil {
		cfg.Charts = Charts()
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.QueryTimeout == 0 {
		cfg.QueryTimeout = DefaultQueryTimeout
	}
	if cfg.Interval < 0 || cfg.QueryTimeout < 0 {
		return nil, fmt.Errorf("dashboard: interval %s and query timeout %s must not be negative", cfg.Interval, cfg.QueryTimeout)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	var problems []error
	seen := map[string]bool{}
	panels := make([]panel, len(cfg.Charts))
	for i, c := range cfg.Charts {
		if err := c.Check(); err != nil {
			problems = append(problems, err)
		}
		if seen[c.Query] {
			problems = append(problems, fmt.Errorf("chart %s: the query has two charts; one query, one panel", c.Query))
		}
		seen[c.Query] = true
		panels[i] = panel{chart: c}
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	return &Dashboard{cfg: cfg, panels: panels}, nil
}

// Refresh runs every chart's query now, except those still running, and
// waits until all of them, those included, have ended or ctx ends.
func (d *Dashboard) Refresh(ctx context.Context) error {
	d.mu.Lock()
	var waits []chan struct{}
	for i := range d.panels {
		p := &d.panels[i]
		if p.running == nil {
			d.start(ctx, p)
		}
		waits = append(waits, p.running.done)
	}
	d.mu.Unlock()
	for _, done := range waits {
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// refreshStale starts the query of every chart that is not running and
// whose data is older than the interval, and returns at once.
func (d *Dashboard) refreshStale(ctx context.Context) {
	now := d.cfg.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range d.panels {
		p := &d.panels[i]
		if p.running == nil && (p.last == nil || now.Sub(p.last.finished) >= d.cfg.Interval) {
			d.start(ctx, p)
		}
	}
}

// start runs p's query in the background. d.mu must be held.
func (d *Dashboard) start(ctx context.Context, p *panel) {
	r := &run{started: d.cfg.Now(), done: make(chan struct{})}
	p.running = r
	d.runs.Add(1)
	go func() {
		defer d.runs.Done()
		o := d.execute(ctx, p.chart, r.started)
		d.mu.Lock()
		// A run cut short because the dashboard is stopping found nothing
		// about the warehouse: the previous outcome stays.
		if ctx.Err() == nil {
			p.last = o
		}
		p.running = nil
		d.mu.Unlock()
		close(r.done)
	}()
}

// wait blocks until every run has ended.
func (d *Dashboard) wait() {
	d.runs.Wait()
}

// execute renders and runs c's query under the per-query deadline, and
// reads its result.
func (d *Dashboard) execute(ctx context.Context, c Chart, started time.Time) *outcome {
	o := &outcome{started: started}
	defer func() { o.finished = d.cfg.Now() }()
	stmt, err := d.cfg.Source.Render(c.Query)
	if err != nil {
		o.state, o.err = Failed, fmt.Errorf("render sql/queries/%s.sql: %w", c.Query, err)
		return o
	}
	qctx, cancel := context.WithTimeout(ctx, d.cfg.QueryTimeout)
	defer cancel()
	res, err := d.cfg.Source.Runner.Run(qctx, stmt.Name, stmt.SQL, nil)
	if err != nil {
		o.state, o.err = Failed, err
		// The query's own deadline, not the dashboard stopping: whatever
		// error the engine's client wrapped it in, the deadline is what
		// happened. A result that made it back is shown, however late.
		if errors.Is(qctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			o.state = TimedOut
		}
		return o
	}
	o.result = res
	if o.fig, err = read(c, res); err != nil {
		o.state, o.err = Failed, err
		return o
	}
	o.state = OK
	if o.fig.points() == 0 {
		o.state = Empty
	}
	return o
}
