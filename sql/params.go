package sql

import "fmt"

// Default schema names. Each environment has its own workgroup, so the names
// need no environment suffix.
const (
	// DefaultStreamSchema is the external schema that maps Kinesis into Redshift.
	DefaultStreamSchema = "kinesis"
	// DefaultSchema is the local schema that holds the materialized view and
	// the tables.
	DefaultSchema = "chatstream"
)

// Fixed object names inside Schema, as the templates spell them.
const (
	// StreamView is the streaming materialized view, the landing buffer
	// Redshift refreshes from the stream (in PostgreSQL, a table the local
	// ingest fills).
	StreamView = "chat_events_stream"
	// LandingTable is where a load moves the materialized view's rows before
	// it types them.
	LandingTable = "chat_events_landing"
	// EventsTable is the typed, deduplicated table that queries read: the
	// system of record.
	EventsTable = "chat_events"
	// RejectedTable keeps the records a load could not type, with the reason.
	RejectedTable = "chat_events_rejected"
	// LoadRunsTable records each load: what it moved, inserted, skipped as a
	// duplicate and rejected.
	LoadRunsTable = "load_runs"
)

// AnalystRole is the database role that may only read the schema. Analysts
// who sign in through IAM get it from the principal tag RedshiftDbRoles
// ("Defining database roles to grant to federated users in Amazon Redshift
// Serverless").
const AnalystRole = "chatstream_analyst"

// Params names what the DDL creates. The role Redshift reads the stream with
// is not among them: the external schema names IAM_ROLE default, the
// namespace's default role, so the SQL does not change when the role does.
type Params struct {
	// StreamName is the Kinesis stream, e.g. chat-events-staging.
	StreamName string
	// StreamSchema is the external schema created FROM KINESIS.
	StreamSchema string
	// Schema holds the materialized view and the tables.
	Schema string
	// Mode says who refreshes the materialized view: Redshift on its own
	// (realtime, also when empty) or the loader (scheduled).
	Mode Mode
	// Engine is what the SQL is rendered for. PostgreSQL has no stream:
	// StreamName and StreamSchema are neither rendered nor checked for it.
	Engine Engine
}

// DefaultParams returns the Redshift parameters for streamName with the
// default schema names, in realtime mode. It validates nothing; Validate and
// every renderer do.
func DefaultParams(streamName string) Params {
	return Params{
		StreamName:   streamName,
		StreamSchema: DefaultStreamSchema,
		Schema:       DefaultSchema,
		Mode:         Realtime,
		Engine:       Redshift,
	}
}

// LocalParams returns the parameters of the local PostgreSQL warehouse:
// the default schema, loaded the way scheduled mode loads (the local
// ingest stands in for the refresh).
func LocalParams() Params {
	return Params{Schema: DefaultSchema, Mode: Scheduled, Engine: PostgreSQL}
}

// quotedNames holds the already quoted and escaped values the templates insert;
// nothing else reaches the SQL text.
type quotedNames struct {
	Stream       string
	StreamSchema string
	Schema       string
	// AutoRefresh is the materialized view's AUTO REFRESH setting, YES or NO.
	AutoRefresh string
}

func (p Params) quote() (quotedNames, error) {
	var n quotedNames
	var err error
	if err := p.Engine.valid(); err != nil {
		return quotedNames{}, err
	}
	if err := p.Mode.OrRealtime().Validate(); err != nil {
		return quotedNames{}, err
	}
	n.AutoRefresh = p.Mode.OrRealtime().autoRefresh()
	if n.Schema, err = p.Engine.quoteIdentifier(p.Schema); err != nil {
		return quotedNames{}, fmt.Errorf("schema: %w", err)
	}
	if p.Engine != Redshift {
		return n, nil
	}
	if n.Stream, err = QuoteStreamName(p.StreamName); err != nil {
		return quotedNames{}, err
	}
	if n.StreamSchema, err = QuoteIdentifier(p.StreamSchema); err != nil {
		return quotedNames{}, fmt.Errorf("stream schema: %w", err)
	}
	if foldASCII(p.StreamSchema) == foldASCII(p.Schema) {
		return quotedNames{}, fmt.Errorf("stream schema and schema are both %q: the external schema cannot hold tables", foldASCII(p.Schema))
	}
	return n, nil
}

// Validate reports the first parameter that cannot be rendered safely.
func (p Params) Validate() error {
	_, err := p.quote()
	return err
}

// foldASCII lower-cases ASCII letters only, as Redshift does with names.
func foldASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
