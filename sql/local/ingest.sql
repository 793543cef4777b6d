-- The local stand-in for streaming ingestion (internal/localingest). On AWS,
-- Redshift reads the Kinesis stream into the streaming materialized view of
-- ddl/stream.sql. On this machine, a refresh reads kinesis-local into a table
-- with the same name and columns, defined once in ddl/standin.sql (the local
-- warehouse's DDL, which this setup runs too), and keeps its place in each
-- shard in a table of its own. Local only: nothing in this file runs on
-- Redshift. Values are pgx named arguments (@name).

-- name: create_stream_schema
CREATE SCHEMA IF NOT EXISTS {{.Schema}};

-- name: comment_stream_table
COMMENT ON TABLE {{.Schema}}.chat_events_stream IS
    'Local stand-in for the Redshift streaming materialized view of the same name: filled from kinesis-local by a refresh of internal/localingest.';

-- name: create_state_schema
CREATE SCHEMA IF NOT EXISTS {{.StateSchema}};

-- name: create_shard_positions
-- Where the last committed refresh stopped in each shard: the last record it
-- loaded, and whether the shard is closed and read to its end. A refresh
-- writes it in the transaction that inserts the rows, so the two never
-- disagree. A stream is known by its ARN and creation time: kinesis-local
-- forgets its streams when it stops, and a stream created again under the
-- same name starts from its oldest record.
CREATE TABLE IF NOT EXISTS {{.StateSchema}}.shard_positions (
    stream_arn VARCHAR(2048) NOT NULL,
    stream_created TIMESTAMPTZ NOT NULL,
    shard_id VARCHAR(128) NOT NULL,
    sequence_number VARCHAR(129),
    shard_ended BOOLEAN NOT NULL,
    refresh_time TIMESTAMP NOT NULL,
    PRIMARY KEY (stream_arn, stream_created, shard_id)
);

-- name: comment_shard_positions
COMMENT ON TABLE {{.StateSchema}}.shard_positions IS
    'Where internal/localingest stopped in each shard of kinesis-local; Redshift keeps this inside the streaming materialized view.';

-- name: lock_shard_positions
-- One refresh at a time: a second one waits here, then continues from where
-- the first stopped. Readers of the table are not blocked.
LOCK TABLE {{.StateSchema}}.shard_positions IN SHARE ROW EXCLUSIVE MODE;

-- name: read_shard_positions
SELECT shard_id, sequence_number, shard_ended
FROM {{.StateSchema}}.shard_positions
WHERE stream_arn = @stream_arn
  AND stream_created = @stream_created;

-- name: insert_records
-- One GetRecords page of one shard, as parallel arrays. Whether a record is
-- JSON is PostgreSQL's own JSON parser's answer, as it is Redshift's on AWS.
-- data is NULL for a record that is not even UTF-8 text.
WITH inserted AS (
    INSERT INTO {{.Schema}}.chat_events_stream (
        approximate_arrival_timestamp,
        partition_key,
        shard_id,
        sequence_number,
        refresh_time,
        payload
    )
    SELECT
        r.approximate_arrival_timestamp,
        r.partition_key,
        @shard_id,
        r.sequence_number,
        @refresh_time,
        CASE WHEN pg_input_is_valid(r.data, 'jsonb') THEN r.data::JSONB END
    FROM unnest(
        @approximate_arrival_timestamps::TIMESTAMP[],
        @partition_keys::TEXT[],
        @sequence_numbers::TEXT[],
        @data::TEXT[]
    ) AS r (approximate_arrival_timestamp, partition_key, sequence_number, data)
    RETURNING payload IS NULL AS malformed
)
SELECT
    COUNT(*) AS records,
    COUNT(*) FILTER (WHERE malformed) AS malformed
FROM inserted;

-- name: save_shard_position
INSERT INTO {{.StateSchema}}.shard_positions (
    stream_arn, stream_created, shard_id, sequence_number, shard_ended, refresh_time
)
VALUES (
    @stream_arn, @stream_created, @shard_id, @sequence_number, @shard_ended, @refresh_time
)
ON CONFLICT (stream_arn, stream_created, shard_id) DO UPDATE SET
    sequence_number = EXCLUDED.sequence_number,
    shard_ended = EXCLUDED.shard_ended,
    refresh_time = EXCLUDED.refresh_time;
