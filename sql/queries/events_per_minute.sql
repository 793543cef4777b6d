-- Events per minute and event name over the last hour, newest minute first.
-- name: events_per_minute
SELECT
    DATE_TRUNC('minute', event_time) AS minute,
    event_name,
    COUNT(*) AS events
FROM {{.Schema}}.chat_events
WHERE event_time >= DATEADD(hour, -1, GETDATE())
GROUP BY 1, 2
ORDER BY 1 DESC, 2;
