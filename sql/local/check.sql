-- The check that ends make local (internal/localwarehouse): what the local
-- warehouse holds after the last load, for the command to compare with what
-- the producer reported and the stream read back. Local only: nothing here
-- runs on Redshift, where make smoke checks a deployed environment. The
-- rows still waiting for a load are counted by the loader's own
-- count_pending (load/move.sql).

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
