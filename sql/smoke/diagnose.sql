-- What make smoke reads when a run's events do not all arrive: ingestion
-- errors, the materialized view's state and latest refresh, the newest row
-- of any run and the latest load. System views store names lower-case and
-- blank-padded, so they are compared trimmed.

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
    SELECT MAX(refresh_time) AS newest FROM {{.Schema}}.chat_events_stream
    UNION ALL
    SELECT MAX(refresh_time) FROM {{.Schema}}.chat_events_landing
    UNION ALL
    SELECT MAX(ingest_time) FROM {{.Schema}}.chat_events
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
FROM {{.Schema}}.load_runs
ORDER BY loaded_at DESC
LIMIT 1;
