-- The first two steps of a load: how much is waiting, and moving what the
-- buffer holds into the landing table. Each runs on its own.

-- name: count_pending
-- Rows waiting in the buffer and rows a failed run left in the landing
-- table. Both zero: the run ends here, after this one statement.
SELECT
    streamed.n AS streamed,
    landed.n AS landed
FROM (SELECT COUNT(*) AS n FROM {{.Schema}}.chat_events_stream) AS streamed
CROSS JOIN (SELECT COUNT(*) AS n FROM {{.Schema}}.chat_events_landing) AS landed;

-- name: move_to_landing
{{- if redshift}}
-- ALTER TABLE APPEND moves the materialized view's blocks into the landing
-- table and leaves the view empty; the source may be a materialized view
-- configured for streaming ingestion ("ALTER TABLE APPEND"). It commits on
-- its own and cannot run in a transaction block, so it is a step of its
-- own: if it fails, nothing moved. It waits for a load holding the landing
-- table's lock, which serializes overlapping runs.
ALTER TABLE {{.Schema}}.chat_events_landing APPEND FROM {{.Schema}}.chat_events_stream;
{{- else}}
-- PostgreSQL has no APPEND: one statement deletes the stand-in's rows and
-- inserts them into the landing table, all or nothing, as APPEND does. Rows
-- the local ingest adds meanwhile are not in this statement's snapshot and
-- stay for the next run.
WITH moved AS (
    DELETE FROM {{.Schema}}.chat_events_stream
    RETURNING approximate_arrival_timestamp, partition_key, shard_id, sequence_number, refresh_time, payload
)
INSERT INTO {{.Schema}}.chat_events_landing
    (approximate_arrival_timestamp, partition_key, shard_id, sequence_number, refresh_time, payload)
SELECT approximate_arrival_timestamp, partition_key, shard_id, sequence_number, refresh_time, payload
FROM moved;
{{- end}}
