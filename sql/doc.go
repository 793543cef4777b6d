// Package sql embeds the streaming-ingestion DDL, the analytics queries and the local warehouse's own statements, and renders them with safely quoted names.
//
// # One source, two engines
//
// The tables, the loader's statements and the queries are one set of
// templates, rendered for Redshift or for PostgreSQL (the local warehouse)
// as an [Engine] picks. Where the two differ, a template calls a function:
// text, bigint, integer, boolean and isObject read the payload (SUPER with
// PartiQL navigation, or JSONB); now, ago, shift and msBetween do the date
// arithmetic; grantee and roleExists name the analysts' role; jsonType is
// the payload's column type; and {{if redshift}} guards what only Redshift
// has: table attributes, and the move. The Redshift-only objects live in
// files of their own: ddl/stream.sql (external schema, streaming view, AUTO
// REFRESH), ddl/legacy.sql (the move from the first design) and
// load/refresh.sql; ddl/standin.sql is PostgreSQL's stand-in for the view.
// Neither rendering uses QUALIFY, which PostgreSQL lacks. Golden files pin
// both (testdata/*postgres*, *redshift*, staging_*; go test ./sql -update
// rewrites them).
//
// # Names and values
//
// Names go into the SQL only as quoted identifiers ([QuoteIdentifier],
// [QuoteStreamName]); a value that cannot be rendered safely is refused with
// an error naming it: empty or longer than 127 bytes (63 for PostgreSQL,
// which would truncate it), invalid UTF-8, control or invisible characters,
// a stream name with capitals (Redshift folds quoted names to lower case).
// The SQL names no IAM role: IAM_ROLE default is the namespace's default
// role, so replacing that role changes no SQL. A load's id and start time go
// in as literals ([QuoteLiteral]). Every rendered statement is exactly one
// statement, as the Data API requires, and [Hash] ignores comments and
// whitespace, so that editing a comment does not make CloudFormation apply
// the DDL again.
//
// # Adding a query
//
// A query is queries/<name>.sql with a "-- name: <name>" line before the
// statement, {{.Schema}} where the schema goes, a bound on event_time (the
// sort key) written with the template functions, such as {{ago 1 "hour"}},
// and a comment after the marker saying which range it reads. The tests
// render every query for both engines and check the bound.
package sql
