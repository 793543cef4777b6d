package localingest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/chatstream/chatstream/internal/pgserver"
	"github.com/chatstream/chatstream/internal/pgserver/pgservertest"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestMain shares one PostgreSQL server and one kinesis-local among the
// package's tests; each test has its own stream and schemas. Both are set
// before any test runs and read-only afterwards.
var (
	pool    *pgxpool.Pool
	streams *kinesis.Client
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

// startedServer is the result of pgservertest.Start.
type startedServer struct {
	server *pgserver.Server
	stop   func() error
	err    error
}

func run(m *testing.M) (code int) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	fail := func(what string, err error) int {
		fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
		return 1
	}
	// PostgreSQL starts while kinesis-local, the slower one, does.
	pgStarted := make(chan startedServer, 1)
	go func() {
		s, stop, err := pgservertest.Start(ctx)
		pgStarted <- startedServer{s, stop, err}
	}()
	k, work, kerr := startKinesis(ctx)
	pg := <-pgStarted
	if pg.err == nil {
		defer func() {
			if err := pg.stop(); err != nil {
				code = fail("stop the test PostgreSQL", err)
			}
		}()
	}
	if kerr == nil {
		defer func() {
			if err := k.Stop(); err != nil {
				code = fail("stop kinesis-local", errors.Join(err, fmt.Errorf("log: %s", k.Log)))
				return
			}
			os.RemoveAll(work)
		}()
	}
	if err := errors.Join(pg.err, kerr); err != nil {
		return fail("start the test servers", err)
	}
	var err error
	if pool, err = pgxpool.New(ctx, pg.server.URL); err != nil {
		return fail("connect to the test PostgreSQL", err)
	}
	defer pool.Close()
	streams = k.Client
	return m.Run()
}

// startKinesis starts kinesis-local with its files in a new temporary
// folder, work, kept for a look when something fails.
func startKinesis(ctx context.Context) (k *localrun.Kinesis, work string, err error) {
	root, err := localrun.FindRoot(".")
	if err != nil {
		return nil, "", err
	}
	dir, err := localrun.KinesisLocalDir(root)
	if err != nil {
		return nil, "", err
	}
	if work, err = os.MkdirTemp("", "localingest-kinesis-"); err != nil {
		return nil, "", fmt.Errorf("create a folder for kinesis-local: %w", err)
	}
	if k, err = localrun.StartKinesis(ctx, localrun.KinesisConfig{Dir: dir, WorkDir: work}); err != nil {
		return nil, "", fmt.Errorf("start kinesis-local (files in %s): %w", work, err)
	}
	return k, work, nil
}
