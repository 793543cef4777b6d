package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/chatstream/chatstream/internal/dashboard"
	chatsql "github.com/chatstream/chatstream/sql"
)

const usage = `usage:
  dashboard serve  SOURCE [-addr 127.0.0.1:0] [-interval D] [-query-timeout D] [-schema S]
        serve the charts on 127.0.0.1 until Ctrl-C
  dashboard report SOURCE [-o .local/report.html] [-query-timeout D] [-schema S]
        write the current charts as one self-contained HTML file

SOURCE is exactly one of:
  -local      the local warehouse that make local runs (.local/postgres)
  -pg URL     a PostgreSQL database, such as the local warehouse's URL
  -env ENV    the deployed environment ENV, through the Redshift Data API,
              as its read-only analyst role (the stack's AnalystRoleArn,
              assumed with your credentials; never the admin secret)

AWS credentials and Region come from the usual AWS_* variables and profiles.
`

// envInterval is how often a page of a deployed environment runs its
// queries again: each run is a use of the Serverless workgroup, which bills
// at least 60 s of its capacity per use.
const envInterval = time.Minute

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, defaultDeps())
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dashboard:", err)
		os.Exit(1)
	}
}

// errUsage asks for the usage text.
var errUsage = errors.New("see usage above")

// options are the flags of both commands.
type options struct {
	local        bool
	pg, env      string
	schema       string
	queryTimeout time.Duration
	addr         string
	interval     time.Duration
	out          string
}

// run executes one command line: what it did goes to stdout, usage text to
// stderr. It returns when a report is written, or when ctx ends a served
// dashboard.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, d deps) error {
	if len(args) == 0 || (args[0] != "serve" && args[0] != "report") {
		fmt.Fprint(stderr, usage)
		switch {
		case len(args) == 0:
			return errUsage
		case args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help":
			return nil
		}
		return fmt.Errorf("unknown command %q: %w", args[0], errUsage)
	}
	var o options
	fs := flag.NewFlagSet("dashboard "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.local, "local", false, "read the local warehouse that make local runs")
	fs.StringVar(&o.pg, "pg", "", "read the PostgreSQL database at this URL")
	fs.StringVar(&o.env, "env", "", "read the deployed environment through the Data API: staging, production, …")
	fs.StringVar(&o.schema, "schema", chatsql.DefaultSchema, "schema that holds the events table")
	fs.DurationVar(&o.queryTimeout, "query-timeout", dashboard.DefaultQueryTimeout, "cancel a query that runs longer, and say so in its panel")
	if args[0] == "serve" {
		fs.StringVar(&o.addr, "addr", "127.0.0.1:0", "listen on 127.0.0.1 and this port (0: a free one)")
		fs.DurationVar(&o.interval, "interval", 0, fmt.Sprintf("how often an open page runs the queries again (default %s, %s with -env)", dashboard.DefaultInterval, envInterval))
	} else {
		fs.StringVar(&o.out, "o", filepath.Join(".local", "report.html"), "the report file to write")
	}
	if err := fs.Parse(args[1:]); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if n := count(o.local, o.pg != "", o.env != ""); n != 1 {
		return fmt.Errorf("give exactly one of -local, -pg URL and -env ENV, not %d", n)
	}
	if args[0] == "serve" {
		return serve(ctx, o, stdout, d)
	}
	return report(ctx, o, stdout, d)
}

func count(flags ...bool) int {
	n := 0
	for _, f := range flags {
		if f {
			n++
		}
	}
	return n
}

// serve listens first, so that a bad address fails before anything
// connects, then serves until ctx ends.
func serve(ctx context.Context, o options, stdout io.Writer, d deps) error {
	ln, err := dashboard.Listen(o.addr)
	if err != nil {
		return err
	}
	src, err := d.open(ctx, o)
	if err != nil {
		ln.Close()
		return err
	}
	defer src.close()
	interval := o.interval
	if interval == 0 && o.env != "" {
		interval = envInterval
	}
	dash, err := dashboard.New(dashboard.Config{Source: src.Source, Interval: interval, QueryTimeout: o.queryTimeout})
	if err != nil {
		ln.Close()
		return err
	}
	fmt.Fprintf(stdout, "dashboard: %s\n  %s\n  Ctrl-C stops it.\n", dashboard.URL(ln), src.Name)
	if err := dash.Serve(ctx, ln); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "dashboard: stopped")
	return nil
}

// report writes the report next to its final name and renames it into
// place, so that a failed run leaves no half-written file.
func report(ctx context.Context, o options, stdout io.Writer, d deps) (err error) {
	src, err := d.open(ctx, o)
	if err != nil {
		return err
	}
	defer src.close()
	dash, err := dashboard.New(dashboard.Config{Source: src.Source, QueryTimeout: o.queryTimeout})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
		return fmt.Errorf("report folder: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(o.out), "."+filepath.Base(o.out)+".*")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if err := dash.Report(ctx, tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("report: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp.Name(), o.out); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	info, err := os.Stat(o.out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "dashboard: wrote %s (%d bytes) from %s\n  %s\n", o.out, info.Size(), src.Name, dash.Summary())
	return nil
}
