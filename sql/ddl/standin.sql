-- PostgreSQL only: the local stand-in for streaming ingestion. The local
-- ingest reads the stream and writes here what a refresh writes into the
-- streaming materialized view: the same columns, the payload as JSONB, and
-- a NULL payload for a record that is not JSON. The definition is the one
-- the local ingest creates (sql/local/ingest.sql); whichever runs first
-- creates the table. Its text lengths are the Kinesis API's limits, at
-- least those of the landing table, which has the Redshift view's.

-- name: create_stream_table
CREATE TABLE IF NOT EXISTS {{.Schema}}.chat_events_stream (
    approximate_arrival_timestamp TIMESTAMP,
    partition_key VARCHAR(256) NOT NULL,
    shard_id VARCHAR(128) NOT NULL,
    sequence_number VARCHAR(129) NOT NULL,
    refresh_time TIMESTAMP NOT NULL,
    payload {{jsonType}}
);

-- name: drop_stream_table
DROP TABLE IF EXISTS {{.Schema}}.chat_events_stream;
