-- Users active now: an event in the last five minutes, and that latest event
-- is not a LEAVE.
-- name: active_users
-- Reads event_time from five minutes ago to now: a range of the sort key.
WITH latest AS (
    SELECT
        user_id,
        event_name,
        ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY event_time DESC, event_id DESC) AS recency
    FROM {{.Schema}}.chat_events
    WHERE event_time >= {{ago 5 "minute"}}
)
SELECT COUNT(*) AS active_users
FROM latest
WHERE recency = 1
  AND event_name <> 'LEAVE';
