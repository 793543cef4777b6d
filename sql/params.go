package sql

import "fmt"

// Default schema names. Each environment has its own workgroup, so the names
// need no environment suffix.
const (
	// DefaultStreamSchema is the external schema that maps Kinesis into Redshift.
	DefaultStreamSchema = "kinesis"
	// DefaultSchema is the local schema that holds the materialized view and
	// the typed views.
	DefaultSchema = "chatstream"
)

// Fixed object names inside Schema, as the templates spell them.
const (
	// StreamView is the streaming materialized view.
	StreamView = "chat_events_stream"
	// EventsView is the typed, deduplicated view that queries read.
	EventsView = "chat_events"
)

// Params names what the DDL creates. The role Redshift reads the stream with
// is not among them: the external schema names IAM_ROLE default, the
// namespace's default role, so the SQL does not change when the role does.
type Params struct {
	// StreamName is the Kinesis stream, e.g. chat-events-staging.
	StreamName string
	// StreamSchema is the external schema created FROM KINESIS.
	StreamSchema string
	// Schema holds the materialized view and the typed views.
	Schema string
}

// DefaultParams returns the parameters for streamName with the default schema
// names. It validates nothing; Validate and every renderer do.
func DefaultParams(streamName string) Params {
	return Params{
		StreamName:   streamName,
		StreamSchema: DefaultStreamSchema,
		Schema:       DefaultSchema,
	}
}

// quotedNames holds the already quoted and escaped values the templates insert;
// nothing else reaches the SQL text.
type quotedNames struct {
	Stream       string
	StreamSchema string
	Schema       string
}

func (p Params) quote() (quotedNames, error) {
	var n quotedNames
	var err error
	if n.Stream, err = QuoteStreamName(p.StreamName); err != nil {
		return quotedNames{}, err
	}
	if n.StreamSchema, err = QuoteIdentifier(p.StreamSchema); err != nil {
		return quotedNames{}, fmt.Errorf("stream schema: %w", err)
	}
	if n.Schema, err = QuoteIdentifier(p.Schema); err != nil {
		return quotedNames{}, fmt.Errorf("schema: %w", err)
	}
	if foldASCII(p.StreamSchema) == foldASCII(p.Schema) {
		return quotedNames{}, fmt.Errorf("stream schema and schema are both %q: the external schema cannot hold views", foldASCII(p.Schema))
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
