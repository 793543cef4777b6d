package localwarehouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/chatstream/chatstream/internal/localingest"
	"github.com/chatstream/chatstream/internal/pgload"
	"github.com/chatstream/chatstream/internal/pgserver"
	"github.com/chatstream/chatstream/lambda/load"
	chatsql "github.com/chatstream/chatstream/sql"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Dir is the folder of the local warehouse in make local's work folder
// (localrun.WorkDir): postgres, with the data directory in it, kept across
// runs.
func Dir(work string) string {
	return filepath.Join(work, "postgres")
}

// Running returns the connection string of the local warehouse that
// another process runs now on the data directory in dir, such as a
// make local TICKS=0 in another terminal. Without one, the error says how
// to start one.
func Running(dir string) (string, error) {
	u, err := pgserver.Running(dir, pgserver.DefaultDatabase)
	if errors.Is(err, pgserver.ErrNotRunning) {
		return "", fmt.Errorf("%w\nnext: start one with make local TICKS=0 in another terminal; it keeps the warehouse up until Ctrl-C", err)
	}
	return u, err
}

// kinesisAPI is what the stand-in for streaming ingestion reads the stream
// with; kinesis-local's *kinesis.Client has it.
type kinesisAPI interface {
	DescribeStreamSummary(ctx context.Context, params *kinesis.DescribeStreamSummaryInput, optFns ...func(*kinesis.Options)) (*kinesis.DescribeStreamSummaryOutput, error)
	ListShards(ctx context.Context, params *kinesis.ListShardsInput, optFns ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error)
	GetShardIterator(ctx context.Context, params *kinesis.GetShardIteratorInput, optFns ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, params *kinesis.GetRecordsInput, optFns ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error)
}

// Config says where the warehouse runs and what it reads.
type Config struct {
	// Binaries is the folder of the PostgreSQL server binaries (see
	// pgserver.Binaries).
	Binaries string
	// Dir holds the server's files (see Dir); its data directory is made
	// once and kept across runs.
	Dir string
	// Port is the server's port on 127.0.0.1; 0 picks a free one.
	Port int
	// Kinesis reads the stream, Stream names it.
	Kinesis kinesisAPI
	Stream  string
	// Log receives the loader's log lines.
	Log *slog.Logger
	// Rand makes the loads' ids; it must not be shared.
	Rand *rand.Rand
}

// Warehouse is the running local warehouse of one make local: its
// schema holds exactly what this run loaded.
type Warehouse struct {
	// Server is the PostgreSQL server.
	Server *pgserver.Server
	// Pool connects to its database.
	Pool *pgxpool.Pool
	// Params are the warehouse's: chatsql.LocalParams.
	Params chatsql.Params

	view   *localingest.View
	loader *load.Loader
}

// Start starts the server, reusing its data directory (initdb runs only
// the first time), empties the warehouse's schema by dropping it and
// building it again with the PostgreSQL rendering of the DDL, and readies
// the stand-in for streaming ingestion and the loader. On error, what it
// started is stopped again.
func Start(ctx context.Context, cfg Config) (w *Warehouse, err error) {
	if cfg.Kinesis == nil || cfg.Stream == "" || cfg.Log == nil || cfg.Rand == nil {
		return nil, errors.New("localwarehouse: Config.Kinesis, Stream, Log and Rand are required")
	}
	s, err := pgserver.Start(ctx, pgserver.Config{Binaries: cfg.Binaries, Dir: cfg.Dir, Port: cfg.Port})
	if err != nil {
		return nil, fmt.Errorf("start the local warehouse: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, s.Close())
		}
	}()
	pool, err := pgxpool.New(ctx, s.URL)
	if err != nil {
		return nil, fmt.Errorf("connect to the local warehouse: %w", err)
	}
	defer func() {
		if err != nil {
			pool.Close()
		}
	}()
	w = &Warehouse{Server: s, Pool: pool, Params: chatsql.LocalParams()}
	if err := w.rebuild(ctx); err != nil {
		return nil, err
	}
	if w.view, err = localingest.New(localingest.Config{Kinesis: cfg.Kinesis, DB: pool, Stream: cfg.Stream, Schema: w.Params.Schema}); err != nil {
		return nil, err
	}
	if err := w.view.Create(ctx); err != nil {
		return nil, fmt.Errorf("create the stand-in for streaming ingestion: %w", err)
	}
	if w.loader, err = load.New(&pgload.Executor{Pool: pool}, w.Params, time.Now, cfg.Rand, cfg.Log); err != nil {
		return nil, err
	}
	return w, nil
}

// rebuild drops the warehouse's tables and schema with the PostgreSQL
// teardown and creates them again with the DDL: each run's check is exact
// only on what that run loaded.
func (w *Warehouse) rebuild(ctx context.Context) error {
	teardown, err := chatsql.Teardown(w.Params)
	if err != nil {
		return err
	}
	apply, err := chatsql.Apply(w.Params)
	if err != nil {
		return err
	}
	exec := &pgload.Executor{Pool: w.Pool}
	for _, s := range teardown {
		if _, err := exec.Exec(ctx, s); err != nil {
			return fmt.Errorf("empty the schema %s of the local warehouse: %w; it drops only what the DDL creates, so remove what else is in it, or the data directory %s",
				w.Params.Schema, err, w.Server.DataDir)
		}
	}
	for _, s := range apply {
		if _, err := exec.Exec(ctx, s); err != nil {
			return fmt.Errorf("apply the DDL to the local warehouse: %w", err)
		}
	}
	return nil
}

// Cycle is what one refresh and one load did.
type Cycle struct {
	// Refresh is what the stand-in for streaming ingestion read.
	Refresh localingest.Report
	// Load is what the loader moved.
	Load load.Result
	// Took is how long both took.
	Took time.Duration
}

// Cycle reads the stream into the stand-in for the streaming materialized
// view, from where the last refresh stopped, and runs one load: what the
// deployed loader does in scheduled mode, on the same SQL.
func (w *Warehouse) Cycle(ctx context.Context) (Cycle, error) {
	start := time.Now()
	var c Cycle
	var err error
	if c.Refresh, err = w.view.Refresh(ctx); err != nil {
		return c, err
	}
	if c.Load, err = w.loader.Run(ctx); err != nil {
		return c, err
	}
	c.Took = time.Since(start)
	return c, nil
}

// Address is the server's connection string without its password, for
// people.
func (w *Warehouse) Address() string {
	if u, err := url.Parse(w.Server.URL); err == nil {
		return u.Redacted()
	}
	return w.Server.URL
}

// Close closes the connections and stops the server; the data directory
// stays for the next run.
func (w *Warehouse) Close() error {
	w.Pool.Close()
	return w.Server.Close()
}
