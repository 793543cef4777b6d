package pgservertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/chatstream/chatstream/internal/pgserver"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Start starts a server with a new data directory in a temporary folder, on
// a free port, for TestMain to share among a package's tests. stop stops it
// and removes the folder; on a test binary that dies without calling it, the
// kernel stops the server (see pgserver).
func Start(ctx context.Context) (s *pgserver.Server, stop func() error, err error) {
	root, err := localrun.FindRoot(".")
	if err != nil {
		return nil, nil, err
	}
	bin, err := pgserver.Binaries(root)
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "chatstream-pg-")
	if err != nil {
		return nil, nil, fmt.Errorf("create a folder for the test server: %w", err)
	}
	s, err = pgserver.Start(ctx, pgserver.Config{Binaries: bin, Dir: dir, StartTimeout: 2 * time.Minute})
	if err != nil {
		return nil, nil, errors.Join(err, os.RemoveAll(dir))
	}
	return s, func() error { return errors.Join(s.Close(), os.RemoveAll(dir)) }, nil
}

// ForTest starts a server as Start does, for the test t alone, and stops
// it and removes its folder when t ends, also when t fails. A server that
// cannot start fails t.
func ForTest(ctx context.Context, t testing.TB) *pgserver.Server {
	t.Helper()
	s, stop, err := Start(ctx)
	if err != nil {
		t.Fatalf("start a PostgreSQL server: %v", err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("stop the PostgreSQL server: %v", err)
		}
	})
	return s
}

// RunWithPool is the body of a TestMain whose tests share one server: it
// starts the server as Start does, opens a connection pool to it, hands the
// pool to set before any test runs, runs m and then closes the pool and
// stops the server. It returns the exit code for os.Exit; a server that
// cannot start fails the whole binary, naming why.
func RunWithPool(m *testing.M, set func(*pgxpool.Pool)) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, stop, err := Start(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start the test server:", err)
		return 1
	}
	pool, err := pgxpool.New(ctx, s.URL)
	if err != nil {
		fmt.Fprintln(os.Stderr, errors.Join(err, stop()))
		return 1
	}
	set(pool)
	code := m.Run()
	pool.Close()
	if err := stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop the test server:", err)
		return 1
	}
	return code
}
