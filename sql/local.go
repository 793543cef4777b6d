package sql

import (
	"fmt"
	"slices"
	"time"
)

// DefaultLocalStateSchema is the local warehouse's schema for what the
// stand-in for streaming ingestion keeps besides the rows: its place in each
// shard. Redshift keeps that inside the streaming materialized view.
const DefaultLocalStateSchema = "local_ingest"

// maxPostgresIdentifierBytes is PostgreSQL's limit for a name; it silently
// truncates longer ones.
const maxPostgresIdentifierBytes = 63

// LocalIngestStatements are the statements of the local stand-in for
// streaming ingestion, from sql/local/ingest.sql. They run on the local
// PostgreSQL only, with pgx named arguments (@name).
type LocalIngestStatements struct {
	// Setup creates the landing table, the stand-in for the streaming
	// materialized view, and the table of shard positions, if they do not
	// exist.
	Setup []Statement
	// Lock makes a refresh wait for any other refresh to commit.
	Lock Statement
	// Positions reads the positions of one stream. Arguments: stream_arn,
	// stream_created.
	Positions Statement
	// Insert lands one page of records and returns how many it inserted and
	// how many of them are not JSON. Arguments: shard_id, refresh_time and the
	// arrays approximate_arrival_timestamps, partition_keys, sequence_numbers,
	// data.
	Insert Statement
	// SavePosition records the last record loaded from a shard and whether
	// the shard has ended. Arguments: stream_arn, stream_created, shard_id,
	// sequence_number, shard_ended, refresh_time.
	SavePosition Statement
}

// LocalIngest renders the stand-in's statements for the landing table in
// schema and the positions in stateSchema.
func LocalIngest(schema, stateSchema string) (LocalIngestStatements, error) {
	var data struct{ Schema, StateSchema string }
	var err error
	if data.Schema, err = quotePostgresIdentifier(schema); err != nil {
		return LocalIngestStatements{}, fmt.Errorf("schema: %w", err)
	}
	if data.StateSchema, err = quotePostgresIdentifier(stateSchema); err != nil {
		return LocalIngestStatements{}, fmt.Errorf("state schema: %w", err)
	}
	const file = "local/ingest.sql"
	byName, err := renderNamed(nil, data, file)
	if err != nil {
		return LocalIngestStatements{}, err
	}
	setup, err := byName.pick("sql/"+file, "create_stream_schema", "comment_stream_table",
		"create_state_schema", "create_shard_positions", "comment_shard_positions")
	if err != nil {
		return LocalIngestStatements{}, err
	}
	rest, err := byName.pick("sql/"+file, "lock_shard_positions", "read_shard_positions", "insert_records", "save_shard_position")
	if err != nil {
		return LocalIngestStatements{}, err
	}
	if len(setup)+len(rest) != len(byName) {
		return LocalIngestStatements{}, fmt.Errorf("sql/%s has %d statements, want %d", file, len(byName), len(setup)+len(rest))
	}
	// The stand-in's table itself is the local warehouse's DDL: one
	// definition for both.
	standIn, err := renderNamed(engineFuncs(PostgreSQL, time.Time{}), struct{ Schema string }{data.Schema}, standInFile)
	if err != nil {
		return LocalIngestStatements{}, err
	}
	create, err := standIn.pick("sql/"+standInFile, "create_stream_table")
	if err != nil {
		return LocalIngestStatements{}, err
	}
	setup = slices.Insert(setup, 1, create[0])
	return LocalIngestStatements{Setup: setup, Lock: rest[0], Positions: rest[1], Insert: rest[2], SavePosition: rest[3]}, nil
}

// All returns the statements in the order they run.
func (s LocalIngestStatements) All() []Statement {
	return append(append([]Statement(nil), s.Setup...), s.Lock, s.Positions, s.Insert, s.SavePosition)
}

// LocalCreateDatabase renders the statement that creates the local
// warehouse's database, from sql/local/server.sql.
func LocalCreateDatabase(database string) (Statement, error) {
	quoted, err := quotePostgresIdentifier(database)
	if err != nil {
		return Statement{}, fmt.Errorf("database: %w", err)
	}
	stmts, err := render("local/server.sql", struct{ Database string }{Database: quoted})
	if err != nil {
		return Statement{}, err
	}
	if len(stmts) != 1 || stmts[0].Name != "create_database" {
		return Statement{}, fmt.Errorf("sql/local/server.sql must hold exactly one statement named create_database")
	}
	return stmts[0], nil
}

// quotePostgresIdentifier quotes name as QuoteIdentifier does, and also
// refuses what PostgreSQL would truncate.
func quotePostgresIdentifier(name string) (string, error) {
	if len(name) > maxPostgresIdentifierBytes {
		return "", fmt.Errorf("identifier %q is %d bytes; PostgreSQL allows at most %d", name, len(name), maxPostgresIdentifierBytes)
	}
	return QuoteIdentifier(name)
}

// LocalCheckStatements are the statements of the check that ends make
// local, from sql/local/check.sql and sql/load/move.sql.
type LocalCheckStatements struct {
	// Events returns every event id in the events table and how many rows
	// carry it: event_id, copies.
	Events Statement
	// Rejects returns every rejected record: shard_id, sequence_number,
	// reason.
	Rejects Statement
	// Waiting returns one row: streamed and landed, the rows no load has
	// taken yet (a load's count_pending).
	Waiting Statement
}

// LocalCheck renders the check of the local warehouse's tables in schema.
func LocalCheck(schema string) (LocalCheckStatements, error) {
	quoted, err := quotePostgresIdentifier(schema)
	if err != nil {
		return LocalCheckStatements{}, fmt.Errorf("schema: %w", err)
	}
	// The rows waiting are what a load counts first: the loader's own
	// count_pending, rendered for PostgreSQL.
	const file = "local/check.sql"
	byName, err := renderNamed(engineFuncs(PostgreSQL, time.Time{}), struct{ Schema string }{Schema: quoted}, file, moveFile)
	if err != nil {
		return LocalCheckStatements{}, err
	}
	stmts, err := byName.pick("sql/"+file+" and sql/"+moveFile, "loaded_events", "rejected_records", "count_pending")
	if err != nil {
		return LocalCheckStatements{}, err
	}
	return LocalCheckStatements{Events: stmts[0], Rejects: stmts[1], Waiting: stmts[2]}, nil
}

// All returns the statements in the order LocalCheckStatements lists them.
func (s LocalCheckStatements) All() []Statement {
	return []Statement{s.Events, s.Rejects, s.Waiting}
}
