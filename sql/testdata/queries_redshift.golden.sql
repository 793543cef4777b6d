-- name: active_users
-- Reads event_time from five minutes ago to now: a range of the sort key.
WITH latest AS (
    SELECT
        user_id,
        event_name,
        ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY event_time DESC, event_id DESC) AS recency
    FROM "chatstream".chat_events
    WHERE event_time >= DATEADD(minute, -5, GETDATE())
)
SELECT COUNT(*) AS active_users
FROM latest
WHERE recency = 1
  AND event_name <> 'LEAVE';

-- name: busiest_chats
-- Reads event_time from an hour ago to now: a range of the sort key.
SELECT
    chat_id,
    COUNT(*) AS messages,
    COUNT(DISTINCT user_id) AS senders,
    MAX(event_time) AS last_message
FROM "chatstream".chat_events
WHERE event_name = 'SEND_MESSAGE'
  AND event_time >= DATEADD(hour, -1, GETDATE())
GROUP BY chat_id
ORDER BY messages DESC, chat_id
LIMIT 10;

-- name: events_per_minute
-- Reads event_time from an hour ago to now: a range of the sort key.
SELECT
    DATE_TRUNC('minute', event_time) AS minute,
    event_name,
    COUNT(*) AS events
FROM "chatstream".chat_events
WHERE event_time >= DATEADD(hour, -1, GETDATE())
GROUP BY 1, 2
ORDER BY 1 DESC, 2;

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
        DATEDIFF(millisecond, event_time, arrival_time) AS arrival_ms,
        DATEDIFF(millisecond, event_time, ingest_time) AS ingest_ms,
        DATEDIFF(millisecond, event_time, load_time) AS load_ms
    FROM "chatstream".chat_events
    WHERE event_time >= DATEADD(minute, -75, GETDATE())
      AND arrival_time >= DATEADD(minute, -15, GETDATE())
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

-- name: malformed_records
-- Reads arrival_time of the rejected table from 24 hours ago to now: a
-- range of that table's sort key.
SELECT
    reason,
    COUNT(*) AS records,
    MAX(arrival_time) AS newest_arrival
FROM "chatstream".chat_events_rejected
WHERE arrival_time >= DATEADD(hour, -24, GETDATE())
GROUP BY reason
ORDER BY records DESC, reason;

-- name: messages_by_platform
-- Reads event_time from an hour ago to now: a range of the sort key.
SELECT
    platform,
    country,
    COUNT(*) AS messages,
    COUNT(DISTINCT user_id) AS senders,
    ROUND(AVG(CAST(message_length AS DECIMAL(18, 2))), 1) AS avg_length,
    SUM(CASE WHEN has_attachment THEN 1 ELSE 0 END) AS with_attachment
FROM "chatstream".chat_events
WHERE event_name = 'SEND_MESSAGE'
  AND event_time >= DATEADD(hour, -1, GETDATE())
GROUP BY platform, country
ORDER BY messages DESC, platform NULLS LAST, country NULLS LAST;

-- name: newest_event_age
-- Reads event_time from 24 hours ago to now: a range of the sort key.
WITH newest AS (
    SELECT MAX(event_time) AS newest_event
    FROM "chatstream".chat_events
    WHERE event_time >= DATEADD(hour, -24, GETDATE())
)
SELECT
    newest_event,
    ROUND(DATEDIFF(millisecond, newest_event, GETDATE()) / 1000.0, 1) AS age_s
FROM newest;

-- name: users_online
-- Reads event_time from 65 minutes ago to now, a range of the sort key:
-- the hour, and the five minutes before its first minute.
WITH last_in_minute AS (
    SELECT minute, user_id, event_name
    FROM (
        SELECT
            DATE_TRUNC('minute', event_time) AS minute,
            user_id,
            event_name,
            ROW_NUMBER() OVER (
                PARTITION BY user_id, DATE_TRUNC('minute', event_time)
                ORDER BY event_time DESC, event_id DESC
            ) AS recency
        FROM "chatstream".chat_events
        WHERE event_time >= DATEADD(minute, -65, GETDATE())
    ) ranked
    WHERE recency = 1
),
minutes AS (
    SELECT DISTINCT minute
    FROM last_in_minute
    WHERE minute >= DATEADD(minute, -60, GETDATE())
),
latest AS (
    SELECT
        m.minute,
        l.event_name,
        ROW_NUMBER() OVER (PARTITION BY m.minute, l.user_id ORDER BY l.minute DESC) AS recency
    FROM minutes m
    JOIN last_in_minute l
      ON l.minute > DATEADD(minute, -5, m.minute)
     AND l.minute <= m.minute
)
SELECT
    minute,
    SUM(CASE WHEN event_name <> 'LEAVE' THEN 1 ELSE 0 END) AS users
FROM latest
WHERE recency = 1
GROUP BY minute
ORDER BY minute DESC;
