-- What make smoke asks Redshift about one run of the producer: the events
-- whose run_id is bound as the Data API parameter run_id. Rendered by the Go package
-- in sql/: the schema is a quoted identifier, values are bound parameters.

-- name: smoke_progress
-- How far the run has come: its events in the typed view, counted by
-- event_id, and its records in the materialized view. Kinesis delivers at
-- least once, so records beyond the events are duplicates, which the typed
-- view shows once.
SELECT
    visible.events AS visible_events,
    stored.records AS stream_records
FROM (
    SELECT COUNT(DISTINCT event_id) AS events
    FROM {{.Schema}}.chat_events
    WHERE run_id = :run_id
) AS visible
CROSS JOIN (
    SELECT COUNT(*) AS records
    FROM {{.Schema}}.chat_events_stream
    WHERE CASE WHEN IS_VARCHAR(payload.run_id)
               THEN payload.run_id::VARCHAR(128) END = :run_id
) AS stored;

-- name: smoke_latency
-- End-to-end latency of the run's visible events, from event_time to the
-- start of the refresh that brought each into Redshift, in whole milliseconds: the Data
-- API would return PERCENTILE_CONT's DECIMAL as a string.
SELECT
    COUNT(*) AS events,
    ROUND(PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY end_to_end_lag_ms))::BIGINT AS p50_ms,
    ROUND(PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY end_to_end_lag_ms))::BIGINT AS p95_ms,
    MAX(end_to_end_lag_ms) AS max_ms
FROM {{.Schema}}.chat_events
WHERE run_id = :run_id;
