-- Lag per minute of arrival over the last 15 minutes, in seconds, from the
-- event to: Kinesis (arrival), the start of the refresh that read it into
-- Redshift (ingest, so it can undershoot), and the load that made it
-- queryable in this table (load: about a minute in realtime mode, about the
-- interval in scheduled mode), the load's median and 95th percentile
-- included: the dashboard draws those two.
-- name: ingestion_lag
-- Reads event_time from 75 minutes ago to now, a range of the sort key
-- that takes in events which arrived up to an hour after they happened.
-- Redshift wants every sort-based aggregate of a statement to order by the
-- same value ("PERCENTILE_CONT function", Database Developer Guide): both
-- percentiles order by load_ms. PERCENTILE_CONT of a BIGINT is a DECIMAL in
-- Redshift and a DOUBLE PRECISION in PostgreSQL; the casts make both a
-- DECIMAL.
WITH recent AS (
    SELECT
        arrival_time,
        {{msBetween "event_time" "arrival_time"}} AS arrival_ms,
        {{msBetween "event_time" "ingest_time"}} AS ingest_ms,
        {{msBetween "event_time" "load_time"}} AS load_ms
    FROM {{.Schema}}.chat_events
    WHERE event_time >= {{ago 75 "minute"}}
      AND arrival_time >= {{ago 15 "minute"}}
)
SELECT
    DATE_TRUNC('minute', arrival_time) AS minute,
    COUNT(*) AS events,
    ROUND(AVG(arrival_ms) / 1000.0, 3) AS avg_arrival_s,
    ROUND(AVG(ingest_ms) / 1000.0, 3) AS avg_ingest_s,
    ROUND(AVG(load_ms) / 1000.0, 3) AS avg_load_s,
    ROUND(CAST(PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY load_ms) AS DECIMAL(18, 3)) / 1000, 3) AS p50_load_s,
    ROUND(CAST(PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY load_ms) AS DECIMAL(18, 3)) / 1000, 3) AS p95_load_s,
    ROUND(MAX(load_ms) / 1000.0, 3) AS max_load_s
FROM recent
GROUP BY 1
ORDER BY 1 DESC;
