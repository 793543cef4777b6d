-- Messages per platform and country over the last hour: how many, from how
-- many senders, their average length and how many had an attachment.
-- Events of schema version 1 carry no platform or country and count under
-- NULL.
-- name: messages_by_platform
-- Reads event_time from an hour ago to now: a range of the sort key.
SELECT
    platform,
    country,
    COUNT(*) AS messages,
    COUNT(DISTINCT user_id) AS senders,
    ROUND(AVG(CAST(message_length AS DECIMAL(18, 2))), 1) AS avg_length,
    SUM(CASE WHEN has_attachment THEN 1 ELSE 0 END) AS with_attachment
FROM {{.Schema}}.chat_events
WHERE event_name = 'SEND_MESSAGE'
  AND event_time >= {{ago 1 "hour"}}
GROUP BY platform, country
ORDER BY messages DESC, platform NULLS LAST, country NULLS LAST;
