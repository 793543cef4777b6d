package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/chatstream/chatstream/internal/localwarehouse"
	"github.com/chatstream/chatstream/internal/pgquery"
	"github.com/chatstream/chatstream/internal/table"
	chatsql "github.com/chatstream/chatstream/sql"
	"github.com/jackc/pgx/v5/pgxpool"
)

// runLocal runs the query called name, rendered for PostgreSQL, on the
// local warehouse that a make local in another terminal keeps up, the one
// serving the data directory in dir (empty: the repository's), and prints
// a table.
func runLocal(ctx context.Context, stdout io.Writer, name, schema, dir string, timeout time.Duration) error {
	stmt, err := chatsql.Query(name, chatsql.QueryOptions{Engine: chatsql.PostgreSQL, Schema: schema})
	if err != nil {
		return err
	}
	if dir == "" {
		root, err := localrun.FindRoot(".")
		if err != nil {
			return err
		}
		dir = localwarehouse.Dir(localrun.WorkDir(root))
	}
	url, err := localwarehouse.Running(dir)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return fmt.Errorf("connect to the local warehouse: %w", err)
	}
	defer pool.Close()
	res, err := (&pgquery.Runner{Pool: pool, Truncate: true}).Run(ctx, stmt.Name, stmt.SQL, nil)
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w; raise -timeout", err)
	}
	if err != nil {
		return err
	}
	return table.Write(stdout, res)
}
