-- name: loaded_events
-- Every event id in the events table and how many rows carry it. The
-- primary key allows one; the check counts rather than trusts it.
SELECT event_id, COUNT(*) AS copies
FROM "chatstream".chat_events
GROUP BY event_id;

-- name: rejected_records
-- Every record the loads rejected, by the shard and sequence number it
-- arrived under.
SELECT shard_id, sequence_number, reason
FROM "chatstream".chat_events_rejected;

-- name: count_pending
-- Rows waiting in the buffer and rows a failed run left in the landing
-- table. Both zero: the run ends here, after this one statement.
SELECT
    streamed.n AS streamed,
    landed.n AS landed
FROM (SELECT COUNT(*) AS n FROM "chatstream".chat_events_stream) AS streamed
CROSS JOIN (SELECT COUNT(*) AS n FROM "chatstream".chat_events_landing) AS landed;
