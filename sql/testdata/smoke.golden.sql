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
    FROM "chatstream".chat_events
    WHERE run_id = :run_id
) AS visible
CROSS JOIN (
    SELECT COUNT(*) AS records
    FROM "chatstream".chat_events_stream
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
FROM "chatstream".chat_events
WHERE run_id = :run_id;

-- name: smoke_scan_errors
-- Records of the stream (bound as a parameter, case-sensitive) that
-- Redshift could not ingest in the last hour, by reason. The admin user sees every user's rows.
SELECT
    error_code,
    TRIM(error_reason) AS reason,
    COUNT(*) AS records,
    MAX(record_time) AS last_seen
FROM sys_stream_scan_errors
WHERE TRIM(stream_name) = :stream
  AND record_time >= DATEADD(hour, -1, GETDATE())
GROUP BY error_code, TRIM(error_reason)
ORDER BY records DESC, error_code
LIMIT 5;

-- name: smoke_view_state
-- The streaming materialized view as Redshift sees it; no row means it does
-- not exist. State 0 or 1 refreshes; 101 to 105 cannot,
-- because something it reads was dropped, changed or renamed.
SELECT
    TRIM(is_stale) AS is_stale,
    state,
    TRIM(autorefresh) AS autorefresh
FROM svv_mv_info
WHERE TRIM(schema_name) = :schema
  AND TRIM(name) = 'chat_events_stream';

-- name: smoke_last_refresh
-- The materialized view's latest refresh, automatic or manual, and how it
-- ended.
SELECT
    TRIM(refresh_type) AS refresh_type,
    TRIM(status) AS status,
    start_time,
    DATEDIFF(second, start_time, GETDATE()) AS age_s
FROM sys_mv_refresh_history
WHERE TRIM(schema_name) = :schema
  AND TRIM(mv_name) = 'chat_events_stream'
ORDER BY start_time DESC
LIMIT 1;

-- name: smoke_newest_row
-- When Redshift last ingested anything from the stream, from any run or
-- schedule tick.
SELECT
    MAX(refresh_time) AS newest,
    DATEDIFF(second, MAX(refresh_time), GETDATE()) AS age_s
FROM "chatstream".chat_events_stream;
