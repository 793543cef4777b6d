-- name: active_users
WITH latest AS (
    SELECT
        user_id,
        event_name,
        ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY event_time DESC, event_id DESC) AS recency
    FROM "chatstream".chat_events
    WHERE event_time >= DATEADD(minute, -5, GETDATE())
      AND user_id IS NOT NULL
)
SELECT COUNT(*) AS active_users
FROM latest
WHERE recency = 1
  AND event_name <> 'LEAVE';

-- name: busiest_chats
SELECT
    chat_id,
    COUNT(*) AS messages,
    COUNT(DISTINCT user_id) AS senders,
    MAX(event_time) AS last_message
FROM "chatstream".chat_events
WHERE event_name = 'SEND_MESSAGE'
  AND chat_id IS NOT NULL
  AND event_time >= DATEADD(hour, -1, GETDATE())
GROUP BY chat_id
ORDER BY messages DESC, chat_id
LIMIT 10;

-- name: events_per_minute
SELECT
    DATE_TRUNC('minute', event_time) AS minute,
    event_name,
    COUNT(*) AS events
FROM "chatstream".chat_events
WHERE event_time >= DATEADD(hour, -1, GETDATE())
GROUP BY 1, 2
ORDER BY 1 DESC, 2;

-- name: ingestion_lag
SELECT
    DATE_TRUNC('minute', arrival_time) AS minute,
    COUNT(*) AS events,
    ROUND(AVG(arrival_lag_ms) / 1000.0, 3) AS avg_arrival_s,
    ROUND(AVG(end_to_end_lag_ms) / 1000.0, 3) AS avg_end_to_end_s,
    ROUND(PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY end_to_end_lag_ms) / 1000.0, 3) AS p95_end_to_end_s,
    ROUND(MAX(end_to_end_lag_ms) / 1000.0, 3) AS max_end_to_end_s
FROM "chatstream".chat_events
WHERE arrival_time >= DATEADD(minute, -15, GETDATE())
GROUP BY 1
ORDER BY 1 DESC;

-- name: messages_by_platform
SELECT
    platform,
    country,
    COUNT(*) AS messages,
    COUNT(DISTINCT user_id) AS senders,
    AVG(message_length::DECIMAL(10, 1)) AS avg_length,
    ROUND(100.0 * COUNT(CASE WHEN has_attachment THEN 1 END) / COUNT(*), 1) AS attachment_pct
FROM "chatstream".chat_events
WHERE event_name = 'SEND_MESSAGE'
  AND platform IS NOT NULL
  AND country IS NOT NULL
  AND event_time >= DATEADD(hour, -1, GETDATE())
GROUP BY platform, country
ORDER BY messages DESC, platform, country;
