package pgquery

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/chatstream/chatstream/internal/pgserver/pgservertest"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestMain shares one server among the package's tests: initdb is most of
// the time a start takes.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

// pool is the test server's connection pool, set by TestMain before any
// test runs and read-only afterwards.
var pool *pgxpool.Pool

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, stop, err := pgservertest.Start(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start the test server:", err)
		return 1
	}
	pool, err = pgxpool.New(ctx, s.URL)
	if err != nil {
		fmt.Fprintln(os.Stderr, errors.Join(err, stop()))
		return 1
	}
	code := m.Run()
	pool.Close()
	if err := stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop the test server:", err)
		return 1
	}
	return code
}
