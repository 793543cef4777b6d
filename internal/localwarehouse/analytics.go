package localwarehouse

import (
	"context"

	"github.com/chatstream/chatstream/internal/dataapi"
	"github.com/chatstream/chatstream/internal/pgquery"
	chatsql "github.com/chatstream/chatstream/sql"
)

// Answer is one analytics query's outcome.
type Answer struct {
	// Name is the query's name, its file name in sql/queries.
	Name string
	// Result holds its rows; nil when Err is set.
	Result *dataapi.Result
	// Err says why it did not run.
	Err error
}

// Analytics runs every query of sql/queries, rendered for PostgreSQL, on
// the warehouse, in the order of their names. A query that fails is an
// Answer with its error; only a list of the queries that cannot be read
// is an error of Analytics.
func (w *Warehouse) Analytics(ctx context.Context) ([]Answer, error) {
	names, err := chatsql.Queries()
	if err != nil {
		return nil, err
	}
	r := &pgquery.Runner{Pool: w.Pool, Truncate: true}
	answers := make([]Answer, 0, len(names))
	for _, name := range names {
		a := Answer{Name: name}
		q, err := chatsql.Query(name, chatsql.QueryOptions{Engine: chatsql.PostgreSQL, Schema: w.Params.Schema})
		if err == nil {
			a.Result, err = r.Run(ctx, q.Name, q.SQL, nil)
		}
		a.Err = err
		answers = append(answers, a)
	}
	return answers, nil
}
