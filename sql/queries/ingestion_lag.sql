-- Ingestion lag per minute over the last 15 minutes, in seconds: from the
-- event to Kinesis (arrival) and from the event to the start of the refresh
-- that brought it into Redshift (end to end, a lower bound).
-- name: ingestion_lag
SELECT
    DATE_TRUNC('minute', arrival_time) AS minute,
    COUNT(*) AS events,
    ROUND(AVG(arrival_lag_ms) / 1000.0, 3) AS avg_arrival_s,
    ROUND(AVG(end_to_end_lag_ms) / 1000.0, 3) AS avg_end_to_end_s,
    ROUND(PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY end_to_end_lag_ms) / 1000.0, 3) AS p95_end_to_end_s,
    ROUND(MAX(end_to_end_lag_ms) / 1000.0, 3) AS max_end_to_end_s
FROM {{.Schema}}.chat_events
WHERE arrival_time >= DATEADD(minute, -15, GETDATE())
GROUP BY 1
ORDER BY 1 DESC;
