-- What make smoke asks Redshift about one run of the producer: the events
-- whose run_id is bound as the Data API parameter run_id, and that happened
-- at or after the parameter since (a timestamp a little before the run
-- started), so that each statement reads a range of the table's sort key
-- instead of its whole history. Rendered by the Go package in sql/: the
-- schema is a quoted identifier, values are bound parameters.

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
    FROM {{.Schema}}.chat_events
    WHERE event_time >= CAST(:since AS TIMESTAMP)
      AND run_id = :run_id
) AS loaded
CROSS JOIN (
    SELECT COUNT(*) AS records
    FROM (
        SELECT payload FROM {{.Schema}}.chat_events_stream
        UNION ALL
        SELECT payload FROM {{.Schema}}.chat_events_landing
    ) AS buffered
    WHERE CASE WHEN IS_VARCHAR(buffered.payload.run_id)
               THEN buffered.payload.run_id::VARCHAR(128) END = :run_id
) AS waiting
CROSS JOIN (
    SELECT COUNT(*) AS records
    FROM {{.Schema}}.chat_events_rejected AS r
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
    FROM {{.Schema}}.chat_events
    WHERE event_time >= CAST(:since AS TIMESTAMP)
      AND run_id = :run_id
) AS run;
