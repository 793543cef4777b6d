-- Events per minute and event name over the last hour, newest minute first.
-- In scheduled mode the newest minutes fill in as loads run.
-- name: events_per_minute
-- Reads event_time from an hour ago to now: a range of the sort key.
SELECT
    DATE_TRUNC('minute', event_time) AS minute,
    event_name,
    COUNT(*) AS events
FROM {{.Schema}}.chat_events
WHERE event_time >= {{ago 1 "hour"}}
GROUP BY 1, 2
ORDER BY 1 DESC, 2;
