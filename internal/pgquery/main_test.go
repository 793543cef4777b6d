package pgquery

import (
	"os"
	"testing"

	"github.com/chatstream/chatstream/internal/pgserver/pgservertest"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestMain shares one server among the package's tests: initdb is most of
// the time a start takes.
func TestMain(m *testing.M) {
	os.Exit(pgservertest.RunWithPool(m, func(p *pgxpool.Pool) { pool = p }))
}

// pool is the test server's connection pool, set by TestMain before any
// test runs and read-only afterwards.
var pool *pgxpool.Pool
