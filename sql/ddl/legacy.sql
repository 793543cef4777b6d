-- Redshift only: the move from the first design, where the streaming
-- materialized view was the record and the view chatstream.chat_events
-- deduplicated it on every query, to the table that replaces that view.
-- The deploy runs these once, when the resource's last properties are the
-- first design's.

-- name: drop_legacy_events_view
-- The view reads the materialized view, so it goes first; the table of the
-- same name replaces it.
DROP VIEW IF EXISTS {{.Schema}}.chat_events;

-- name: save_legacy_stream_rows
-- The old materialized view was the record: it may hold rows the stream no
-- longer has. They go to the landing table before the view is rebuilt, and
-- the next load types and deduplicates them together with what the new
-- view re-reads from the stream. A copy, not APPEND: the old view has
-- neither this distribution key nor this sort key.
INSERT INTO {{.Schema}}.chat_events_landing
    (approximate_arrival_timestamp, partition_key, shard_id, sequence_number, refresh_time, payload)
SELECT approximate_arrival_timestamp, partition_key, shard_id, sequence_number, refresh_time, payload
FROM {{.Schema}}.chat_events_stream;
