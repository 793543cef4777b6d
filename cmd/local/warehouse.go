package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/chatstream/chatstream/internal/dashboard"
	"github.com/chatstream/chatstream/internal/dataapi"
	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/chatstream/chatstream/internal/localwarehouse"
	"github.com/chatstream/chatstream/internal/pgserver"
	"github.com/chatstream/chatstream/internal/table"
)

// warehouseOptions are the flags of the local warehouse and its
// dashboard, which "local run" starts.
type warehouseOptions struct {
	port          string
	dashboardAddr string
}

func (w *warehouseOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&w.port, "warehouse-port", "0", "the local warehouse's (PostgreSQL's) port on 127.0.0.1; 0 picks a free one")
	fs.StringVar(&w.dashboardAddr, "dashboard-addr", "127.0.0.1:0", "where the dashboard listens: 127.0.0.1 and a port, 0 for a free one")
}

// check checks the values and listens for the dashboard, before anything
// else starts: a port in use stops the run at once.
func (w *warehouseOptions) check() (pgPort int, dash net.Listener, err error) {
	if pgPort, err = port("warehouse-port", w.port); err != nil {
		return 0, nil, err
	}
	host, p, err := net.SplitHostPort(w.dashboardAddr)
	if err == nil {
		_, err = port("dashboard-addr", p)
	}
	if err != nil || host != "127.0.0.1" {
		return 0, nil, badValue("dashboard-addr", w.dashboardAddr, errors.New("want 127.0.0.1:PORT, 0 for a free port: the dashboard shows the warehouse to whoever reaches it, so it listens on this machine only"))
	}
	if dash, err = dashboard.Listen(w.dashboardAddr); err != nil {
		return 0, nil, err
	}
	return pgPort, dash, nil
}

// dashboardInterval is how often an open page of make local's dashboard
// asks for news, and how old a panel's data may get before that runs its
// query again: the local queries take milliseconds and cost nothing, so the
// page follows each tick's load closely.
const dashboardInterval = 2 * time.Second

// localWarehouse is the warehouse of one "local run" and the dashboard on
// it.
type localWarehouse struct {
	*localwarehouse.Warehouse
	log *os.File
	// dash is the dashboard, served until stopDashboard.
	dash *dashboard.Dashboard
	// refreshing counts the dashboard refreshes under way.
	refreshing sync.WaitGroup
	// stopDashboard stops serving and waits for the server to end.
	stopDashboard func() error
}

// startWarehouse starts the local warehouse for the stream of l, with an
// empty schema, and serves the dashboard on it on dash, printing where
// both are. The warehouse's files are in work's postgres folder.
func startWarehouse(ctx context.Context, stop <-chan struct{}, root, work string, port int, dash net.Listener, l *localrun.Local, explore bool, stdout io.Writer) (_ *localWarehouse, err error) {
	binaries, err := pgserver.Binaries(root)
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(work, "loader.log")
	log, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create the loader's log: %w", err)
	}
	defer func() {
		if err != nil {
			log.Close()
		}
	}()
	startCtx, cancel := untilStop(ctx, stop)
	defer cancel()
	w, err := localwarehouse.Start(startCtx, localwarehouse.Config{
		Binaries: binaries,
		Dir:      localwarehouse.Dir(work),
		Port:     port,
		Kinesis:  l.Kinesis.Client,
		Stream:   l.Stream,
		Log:      slog.New(slog.NewTextHandler(log, nil)),
		Rand:     rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0)),
	})
	var serving *pgserver.ServingError
	if errors.As(err, &serving) {
		return nil, fmt.Errorf("%w\nnext: another make local keeps the local warehouse up (TICKS=0?): stop it with Ctrl-C in its terminal first", err)
	}
	if err != nil {
		return nil, err
	}
	data := relative(root, w.Server.DataDir)
	fresh := "data directory " + data + " kept from an earlier run, so no initdb"
	if w.Server.Initialized {
		fresh = "data directory " + data + " made by initdb now, and kept for the next run"
	}
	fmt.Fprintf(stdout, "warehouse       PostgreSQL on 127.0.0.1:%d, database %s, schema %s emptied for this run (%s)\n",
		w.Server.Port, w.Server.Database, w.Params.Schema, fresh)
	fmt.Fprintf(stdout, "psql            %s\n", w.Server.PSQL())
	fmt.Fprintf(stdout, "warehouse logs  %s, %s\n", relative(root, w.Server.Log), relative(root, logPath))

	d, err := dashboard.New(dashboard.Config{
		Source:   dashboard.Local(w.Pool, w.Params.Schema, "local warehouse "+w.Address()+", schema "+w.Params.Schema),
		Interval: dashboardInterval,
	})
	if err != nil {
		return nil, errors.Join(err, w.Close())
	}
	serveCtx, stopServing := context.WithCancel(context.WithoutCancel(ctx))
	served := make(chan error, 1)
	go func() { served <- d.Serve(serveCtx, dash) }()
	fmt.Fprintf(stdout, "dashboard       %s\n", dashboard.URL(dash))
	if explore {
		fmt.Fprintln(stdout, "explore         while this runs: the dashboard, the psql line, or make query-local Q=<name> in another terminal; Ctrl-C ends the run")
	}
	return &localWarehouse{Warehouse: w, log: log, dash: d, stopDashboard: func() error {
		stopServing()
		return <-served
	}}, nil
}

// Cycle refreshes the stand-in for streaming ingestion and loads, as
// localwarehouse.Warehouse.Cycle does, then has the dashboard run its
// queries again, in ctx, without waiting for them: an open page shows the
// load at its next question rather than one interval later.
func (lw *localWarehouse) Cycle(ctx context.Context) (localwarehouse.Cycle, error) {
	c, err := lw.Warehouse.Cycle(ctx)
	if err == nil {
		lw.refreshing.Go(func() { lw.dash.Refresh(ctx) })
	}
	return c, err
}

// close stops the dashboard and the warehouse and says so.
func (lw *localWarehouse) close(root string, stdout io.Writer) error {
	err := lw.stopDashboard()
	lw.refreshing.Wait()
	err = errors.Join(err, lw.Close(), lw.log.Close())
	if err != nil {
		return fmt.Errorf("stop the local warehouse: %w", err)
	}
	fmt.Fprintf(stdout, "stopped the dashboard and the local warehouse (its data directory %s stays)\n", relative(root, lw.Server.DataDir))
	return nil
}

// cycleLine says what one tick's refresh and load did.
func cycleLine(prefix string, c localwarehouse.Cycle) string {
	return fmt.Sprintf("%sloaded: %d records refreshed, %d events inserted, %d duplicates, %d rejected, %d ms",
		prefix, c.Refresh.Records, c.Load.Inserted, c.Load.Duplicates, c.Load.Rejected, c.Took.Milliseconds())
}

// maxPrintedRows is the most rows make local prints of one query: a run
// until Ctrl-C can fill an hour of minutes.
const maxPrintedRows = 20

// printAnalytics prints every query of sql/queries as a table under its
// name, and returns the first query that failed, naming it.
func printAnalytics(ctx context.Context, w *localwarehouse.Warehouse, stdout io.Writer) error {
	answers, err := w.Analytics(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "analytics       every query in sql/queries, rendered for PostgreSQL, on the local warehouse\n")
	var failed []error
	for _, a := range answers {
		fmt.Fprintf(stdout, "\n== %s\n", a.Name)
		if a.Err != nil {
			fmt.Fprintf(stdout, "failed: %v\n", a.Err)
			failed = append(failed, fmt.Errorf("query %s: %w", a.Name, a.Err))
			continue
		}
		if err := table.Write(stdout, shorten(a.Result, maxPrintedRows)); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout)
	return errors.Join(failed...)
}

// shorten returns res with its first n rows only, marked truncated, when it
// has more.
func shorten(res *dataapi.Result, n int) *dataapi.Result {
	if len(res.Rows) <= n {
		return res
	}
	short := *res
	short.Rows = res.Rows[:n]
	short.Truncated = true
	return &short
}

// checkWarehouse checks that the warehouse holds exactly what the stream
// held, and what the producer reported: reported events sent, of them
// dirty malformed on purpose. It prints an OK line for the events and, with
// dirty records, one for the rejected table.
func checkWarehouse(ctx context.Context, w *localwarehouse.Warehouse, records []localrun.Record, reported, dirty int, stdout io.Writer) error {
	want := localwarehouse.ExpectedFrom(records)
	held, err := w.Check(ctx, want)
	var problems []error
	if err != nil {
		problems = append(problems, err)
	}
	if events := reported - dirty; held.Events != events {
		problems = append(problems, fmt.Errorf("the events table holds %d events, the producer reported %d well-formed events sent (%d sent, %d of them malformed on purpose)", held.Events, events, reported, dirty))
	}
	if err := errors.Join(problems...); err != nil {
		return fmt.Errorf("the warehouse differs from what the producer reported:\n%w", err)
	}
	fmt.Fprintf(stdout, "OK: the warehouse holds exactly the %d events the producer reported, each once\n", held.Events)
	switch {
	case dirty == 0:
	case held.Rejects == dirty:
		fmt.Fprintf(stdout, "OK: its rejected table holds exactly the %d records the producer malformed on purpose, each once\n", dirty)
	default:
		// A record stored twice is two records to Redshift: each copy is
		// rejected under its own sequence number.
		fmt.Fprintf(stdout, "OK: its rejected table holds exactly the %d records the producer malformed on purpose, as %d rows: one per copy the stream holds\n", dirty, held.Rejects)
	}
	return nil
}
