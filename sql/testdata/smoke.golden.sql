-- name: smoke_progress
-- How far the run has come: its events in the table, counted by event_id;
-- its records still waiting for a load, in the materialized view or the
-- landing table; and its records a load rejected. Kinesis delivers at least
-- once, so a load may find more records than events: the table holds each
-- event once.
SELECT
    loaded.events AS visible_events,
    waiting.records AS waiting_records,
    rejected.records AS rejected_records
FROM (
    SELECT COUNT(DISTINCT event_id) AS events
    FROM "chatstream".chat_events
    WHERE event_time >= CAST(:since AS TIMESTAMP)
      AND run_id = :run_id
) AS loaded
CROSS JOIN (
    SELECT COUNT(*) AS records
    FROM (
        SELECT payload FROM "chatstream".chat_events_stream
        UNION ALL
        SELECT payload FROM "chatstream".chat_events_landing
    ) AS buffered
    WHERE CASE WHEN IS_VARCHAR(buffered.payload.run_id)
               THEN buffered.payload.run_id::VARCHAR(128) END = :run_id
) AS waiting
CROSS JOIN (
    SELECT COUNT(*) AS records
    FROM "chatstream".chat_events_rejected AS r
    WHERE r.arrival_time >= CAST(:since AS TIMESTAMP)
      AND CASE WHEN IS_VARCHAR(r.payload.run_id)
               THEN r.payload.run_id::VARCHAR(128) END = :run_id
) AS rejected;

-- name: smoke_latency
-- Latency of the run's loaded events, from event_time to the load that made
-- each queryable in the table (load_time), in whole milliseconds: the Data
-- API would return PERCENTILE_CONT's DECIMAL as a string.
SELECT
    COUNT(*) AS events,
    ROUND(PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY lag_ms))::BIGINT AS p50_ms,
    ROUND(PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY lag_ms))::BIGINT AS p95_ms,
    MAX(lag_ms) AS max_ms
FROM (
    SELECT DATEDIFF(millisecond, event_time, load_time) AS lag_ms
    FROM "chatstream".chat_events
    WHERE event_time >= CAST(:since AS TIMESTAMP)
      AND run_id = :run_id
) AS run;

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
-- schedule tick: the loads drain the materialized view, so the newest
-- refresh_time may be in it, in the landing table or in the last hour of
-- the table.
SELECT
    MAX(newest) AS newest,
    DATEDIFF(second, MAX(newest), GETDATE()) AS age_s
FROM (
    SELECT MAX(refresh_time) AS newest FROM "chatstream".chat_events_stream
    UNION ALL
    SELECT MAX(refresh_time) FROM "chatstream".chat_events_landing
    UNION ALL
    SELECT MAX(ingest_time) FROM "chatstream".chat_events
    WHERE event_time >= DATEADD(hour, -1, GETDATE())
) AS ingested;

-- name: smoke_last_load
-- The latest load that found something to do, and what it did.
SELECT
    load_id,
    loaded_at,
    DATEDIFF(second, loaded_at, GETDATE()) AS age_s,
    moved,
    inserted,
    duplicates,
    rejected
FROM "chatstream".load_runs
ORDER BY loaded_at DESC
LIMIT 1;
