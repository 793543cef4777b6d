-- Streaming ingestion: the Kinesis stream mapped into Redshift, and the
-- materialized view Redshift refreshes from it.

-- name: create_stream_schema
-- IAM_ROLE default is the namespace's default role, which the stack sets to
-- the streaming role: it may read the stream and nothing else. Naming it by
-- default rather than by ARN keeps this SQL, and so the materialized view,
-- unchanged when the role is replaced.
CREATE EXTERNAL SCHEMA IF NOT EXISTS {{.StreamSchema}}
FROM KINESIS
IAM_ROLE default;

-- name: create_stream_view
-- Kept minimal on purpose: a materialized view cannot be altered, only dropped
-- and recreated, and recreating it re-reads the stream from its oldest
-- record. Typed columns live in the views on top. CAN_JSON_PARSE keeps one
-- malformed record from blocking ingestion for every other record.
CREATE MATERIALIZED VIEW {{.Schema}}.chat_events_stream
AUTO REFRESH YES
AS
SELECT
    approximate_arrival_timestamp,
    partition_key,
    shard_id,
    sequence_number,
    refresh_time,
    JSON_PARSE(kinesis_data) AS payload
FROM {{.StreamSchema}}.{{.Stream}}
WHERE CAN_JSON_PARSE(kinesis_data);

-- name: drop_stream_view
DROP MATERIALIZED VIEW IF EXISTS {{.Schema}}.chat_events_stream;

-- name: drop_stream_schema
DROP SCHEMA IF EXISTS {{.StreamSchema}};
