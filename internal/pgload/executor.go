package pgload

import (
	"context"
	"errors"
	"fmt"

	"github.com/chatstream/chatstream/lambda/load"
	chatsql "github.com/chatstream/chatstream/sql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Executor runs the loader's statements on PostgreSQL, as load.DataAPI
// runs them on Redshift: one statement in a transaction of its own, or a
// list of them between BEGIN and COMMIT.
type Executor struct {
	// Pool is the connection pool of the local warehouse.
	Pool *pgxpool.Pool
}

// querier is what a pool and a transaction have in common.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Exec runs stmt on its own and returns the integer columns of its first
// row, if it returns rows.
func (e *Executor) Exec(ctx context.Context, stmt chatsql.Statement) (map[string]int64, error) {
	return firstRow(ctx, e.Pool, stmt)
}

// Transaction runs stmts as one transaction and returns the first row of
// the last one's result. A statement that fails rolls the transaction back,
// and the error wraps load.ErrRolledBack; a failed COMMIT does not, since
// its answer may be lost after the commit happened.
func (e *Executor) Transaction(ctx context.Context, stmts []chatsql.Statement) (map[string]int64, error) {
	if len(stmts) == 0 {
		return nil, errors.New("a transaction needs a statement")
	}
	tx, err := e.Pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin a transaction for %s: %w", stmts[0].Name, err)
	}
	var row map[string]int64
	for i, s := range stmts {
		if row, err = firstRow(ctx, tx, s); err != nil {
			// A detached context: the statement's may have ended.
			rollbackErr := tx.Rollback(context.WithoutCancel(ctx))
			return nil, errors.Join(fmt.Errorf("%w: statement %d of %d: %w", load.ErrRolledBack, i+1, len(stmts), err), rollbackErr)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit the transaction of %s to %s: %w", stmts[0].Name, stmts[len(stmts)-1].Name, err)
	}
	return row, nil
}

// firstRow runs stmt and reads its first row, every column an integer; a
// statement without rows returns nil.
func firstRow(ctx context.Context, q querier, stmt chatsql.Statement) (map[string]int64, error) {
	rows, err := q.Query(ctx, stmt.SQL)
	if err != nil {
		return nil, fmt.Errorf("statement %s: %w", stmt.Name, err)
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	var out map[string]int64
	if rows.Next() && len(fields) > 0 {
		values, err := rows.Values()
		if err != nil {
			return nil, fmt.Errorf("statement %s: %w", stmt.Name, err)
		}
		out = make(map[string]int64, len(values))
		for i, v := range values {
			n, ok := v.(int64)
			if !ok {
				return nil, fmt.Errorf("statement %s: column %s is %T, not a BIGINT", stmt.Name, fields[i].Name, v)
			}
			out[fields[i].Name] = n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("statement %s: %w", stmt.Name, err)
	}
	if len(fields) > 0 && out == nil {
		return nil, fmt.Errorf("statement %s returned no row", stmt.Name)
	}
	return out, nil
}
