-- The check that ends make local (internal/localwarehouse): what the local
-- warehouse holds after the last load, for the command to compare with what
-- the producer reported and the stream read back. Local only: nothing here
-- runs on Redshift, where make smoke checks a deployed environment.

-- name: loaded_events
-- Every event id in the events table and how many rows carry it. The
-- primary key allows one; the check counts rather than trusts it.
SELECT event_id, COUNT(*) AS copies
FROM {{.Schema}}.chat_events
GROUP BY event_id;

-- name: rejected_records
-- Every record the loads rejected, by the shard and sequence number it
-- arrived under.
SELECT shard_id, sequence_number, reason
FROM {{.Schema}}.chat_events_rejected;

-- name: waiting_rows
-- Rows still waiting for a load: in the stand-in for the streaming
-- materialized view, and in the landing table.
SELECT
    streamed.n AS streamed,
    landed.n AS landed
FROM (SELECT COUNT(*) AS n FROM {{.Schema}}.chat_events_stream) AS streamed
CROSS JOIN (SELECT COUNT(*) AS n FROM {{.Schema}}.chat_events_landing) AS landed;
