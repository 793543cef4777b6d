-- Messages over the last hour by platform and country: how many, from how
-- many users, their average length in characters, and the share with an
-- attachment, in percent. Events of schema version 1 carry no platform or
-- country and are left out.
-- name: messages_by_platform
SELECT
    platform,
    country,
    COUNT(*) AS messages,
    COUNT(DISTINCT user_id) AS senders,
    AVG(message_length::DECIMAL(10, 1)) AS avg_length,
    ROUND(100.0 * COUNT(CASE WHEN has_attachment THEN 1 END) / COUNT(*), 1) AS attachment_pct
FROM {{.Schema}}.chat_events
WHERE event_name = 'SEND_MESSAGE'
  AND platform IS NOT NULL
  AND country IS NOT NULL
  AND event_time >= DATEADD(hour, -1, GETDATE())
GROUP BY platform, country
ORDER BY messages DESC, platform, country;
