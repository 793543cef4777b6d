package dashboard

import (
	"github.com/chatstream/chatstream/internal/dataapi"
	"github.com/chatstream/chatstream/internal/pgquery"
	chatsql "github.com/chatstream/chatstream/sql"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Local is the local warehouse, the PostgreSQL that make local runs: the
// queries in schema, rendered for PostgreSQL, run through pool.
func Local(pool *pgxpool.Pool, schema, name string) Source {
	return Source{
		Name:   name,
		Runner: &pgquery.Runner{Pool: pool, Truncate: true},
		Render: queries(chatsql.PostgreSQL, schema),
	}
}

// Redshift is a deployed environment's workgroup, read through the Data
// API by r: the queries in schema, rendered for Redshift. It labels r's
// statements "chatstream-dashboard:" unless r has a label, and has r keep
// the first rows of a result too large to read whole, as the panel then
// says.
func Redshift(r *dataapi.Runner, schema, name string) Source {
	if r.Label == "" {
		r.Label = "chatstream-dashboard:"
	}
	r.Truncate = true
	return Source{Name: name, Runner: r, Render: queries(chatsql.Redshift, schema)}
}

// queries renders the queries of schema for engine.
func queries(engine chatsql.Engine, schema string) func(string) (chatsql.Statement, error) {
	return func(name string) (chatsql.Statement, error) {
		return chatsql.Query(name, chatsql.QueryOptions{Engine: engine, Schema: schema})
	}
}
