-- PostgreSQL only: the local stand-in for streaming ingestion. The local
-- ingest reads the stream and writes here what a refresh writes into the
-- streaming materialized view: the same columns, the payload as JSONB, and
-- a NULL payload for a record that is not JSON.

-- name: create_stream_table
CREATE TABLE IF NOT EXISTS {{.Schema}}.chat_events_stream (
    approximate_arrival_timestamp TIMESTAMP,
    partition_key VARCHAR(256),
    shard_id CHAR(20),
    sequence_number VARCHAR(128),
    refresh_time TIMESTAMP,
    payload {{jsonType}}
);

-- name: drop_stream_table
DROP TABLE IF EXISTS {{.Schema}}.chat_events_stream;
