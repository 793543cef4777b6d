-- Streaming ingestion, Redshift only: the Kinesis stream mapped into
-- Redshift, and the streaming materialized view that is the landing buffer
-- the loader drains. Rendered by the Go package in sql/: every value it
-- inserts is a quoted identifier or an escaped string literal.

-- name: create_stream_schema
-- IAM_ROLE default is the namespace's default role, which the stack sets to
-- the streaming role: it may read the stream and nothing else. Naming it by
-- default rather than by ARN keeps this SQL, and so the materialized view,
-- unchanged when the role is replaced.
CREATE EXTERNAL SCHEMA IF NOT EXISTS {{.StreamSchema}}
FROM KINESIS
IAM_ROLE default;

-- name: create_stream_view
-- A buffer, not the record: each load moves its rows out with ALTER TABLE
-- APPEND, so it holds at most one interval of records, and recreating it
-- (which re-reads the stream from its oldest record) loses nothing the
-- loads have moved. Kept minimal, because a definition cannot be altered,
-- only dropped and recreated; the types live in chatstream.chat_events.
-- CAN_JSON_PARSE guards JSON_PARSE so that one malformed record cannot block
-- ingestion; in the CASE (rather than a WHERE filter) such a record still
-- lands, with a NULL payload, and the loader counts it into
-- chat_events_rejected instead of it vanishing unseen.
-- BACKUP NO: its rows are at most one interval old and still in the
-- stream, which a view rebuilt after a restore re-reads; snapshots need not
-- carry them. The landing table, which holds rows the stream may no longer
-- have, is backed up.
-- DISTKEY and SORTKEY: ALTER TABLE APPEND requires the source and target to
-- have the same distribution style and key and the same sort key ("ALTER
-- TABLE APPEND"), and AUTO on either side lets Redshift change one without
-- the other. sequence_number is unique per record, so the rows spread
-- evenly over the slices; arrival order is the order the rows come in.
-- AUTO REFRESH follows the mode (YES realtime, NO scheduled); a mode change
-- runs set_auto_refresh and never rebuilds the view.
CREATE MATERIALIZED VIEW {{.Schema}}.chat_events_stream
BACKUP NO
DISTKEY (sequence_number)
SORTKEY (approximate_arrival_timestamp)
AUTO REFRESH {{.AutoRefresh}}
AS
SELECT
    approximate_arrival_timestamp,
    partition_key,
    shard_id,
    sequence_number,
    refresh_time,
    CASE WHEN CAN_JSON_PARSE(kinesis_data) THEN JSON_PARSE(kinesis_data) END AS payload
FROM {{.StreamSchema}}.{{.Stream}};

-- name: set_auto_refresh
-- Switches the mode in place ("ALTER MATERIALIZED VIEW ... AUTO REFRESH"):
-- the view keeps its rows and its position in the stream.
ALTER MATERIALIZED VIEW {{.Schema}}.chat_events_stream AUTO REFRESH {{.AutoRefresh}};

-- name: drop_stream_view
DROP MATERIALIZED VIEW IF EXISTS {{.Schema}}.chat_events_stream;

-- name: drop_stream_schema
DROP SCHEMA IF EXISTS {{.StreamSchema}};
