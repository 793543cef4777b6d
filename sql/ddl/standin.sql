-- PostgreSQL only: the local stand-in for streaming ingestion, defined here
-- and nowhere else. The local ingest (sql/local/ingest.sql) runs this
-- statement in its setup, then reads the stream and writes here what a
-- refresh writes into the streaming materialized view; the local
-- warehouse's DDL runs it too, and whichever runs first creates the table.

-- name: create_stream_table
-- The columns of the streaming materialized view, in its order, so that the
-- SQL reading it runs on both engines. payload is JSONB where Redshift has
-- SUPER, and NULL for a record that is not JSON, as the view's
-- CASE WHEN CAN_JSON_PARSE(kinesis_data) THEN JSON_PARSE(kinesis_data) END
-- leaves it. Text lengths are the Kinesis API's limits (API Reference, Record
-- and Shard), at least those of the landing table, which has the Redshift
-- view's; ApproximateArrivalTimestamp is optional there, so the column may
-- be NULL. Like the view, the table has no key: Kinesis stores a retried
-- record twice, with two sequence numbers, and both copies land here.
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
