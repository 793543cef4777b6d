-- name: active_users
-- Reads event_time from five minutes ago to now: a range of the sort key.
WITH latest AS (
    SELECT
        user_id,
        event_name,
        ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY event_time DESC, event_id DESC) AS recency
    FROM "chatstream".chat_events
    WHERE event_time >= ((now() AT TIME ZONE 'UTC') + INTERVAL '-5 minute')
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
  AND event_time >= ((now() AT TIME ZONE 'UTC') + INTERVAL '-1 hour')
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
WHERE event_time >= ((now() AT TIME ZONE 'UTC') + INTERVAL '-1 hour')
GROUP BY 1, 2
ORDER BY 1 DESC, 2;

-- name: ingestion_lag
-- Reads event_time from 75 minutes ago to now, a range of the sort key
-- that takes in events which arrived up to an hour after they happened.
WITH recent AS (
    SELECT
        arrival_time,
        ((EXTRACT(EPOCH FROM DATE_TRUNC('milliseconds', arrival_time)) - EXTRACT(EPOCH FROM DATE_TRUNC('milliseconds', event_time))) * 1000)::BIGINT AS arrival_ms,
        ((EXTRACT(EPOCH FROM DATE_TRUNC('milliseconds', ingest_time)) - EXTRACT(EPOCH FROM DATE_TRUNC('milliseconds', event_time))) * 1000)::BIGINT AS ingest_ms,
        ((EXTRACT(EPOCH FROM DATE_TRUNC('milliseconds', load_time)) - EXTRACT(EPOCH FROM DATE_TRUNC('milliseconds', event_time))) * 1000)::BIGINT AS load_ms
    FROM "chatstream".chat_events
    WHERE event_time >= ((now() AT TIME ZONE 'UTC') + INTERVAL '-75 minute')
      AND arrival_time >= ((now() AT TIME ZONE 'UTC') + INTERVAL '-15 minute')
)
SELECT
    DATE_TRUNC('minute', arrival_time) AS minute,
    COUNT(*) AS events,
    ROUND(AVG(arrival_ms) / 1000.0, 3) AS avg_arrival_s,
    ROUND(AVG(ingest_ms) / 1000.0, 3) AS avg_ingest_s,
    ROUND(AVG(load_ms) / 1000.0, 3) AS avg_load_s,
    ROUND(CAST(PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY load_ms) AS DECIMAL(18, 3)) / 1000, 3) AS p95_load_s,
    ROUND(MAX(load_ms) / 1000.0, 3) AS max_load_s
FROM recent
GROUP BY 1
ORDER BY 1 DESC;

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
  AND event_time >= ((now() AT TIME ZONE 'UTC') + INTERVAL '-1 hour')
GROUP BY platform, country
ORDER BY messages DESC, platform NULLS LAST, country NULLS LAST;
