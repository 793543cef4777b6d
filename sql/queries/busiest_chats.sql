-- The ten chats with the most messages in the last hour.
-- name: busiest_chats
-- Reads event_time from an hour ago to now: a range of the sort key.
SELECT
    chat_id,
    COUNT(*) AS messages,
    COUNT(DISTINCT user_id) AS senders,
    MAX(event_time) AS last_message
FROM {{.Schema}}.chat_events
WHERE event_name = 'SEND_MESSAGE'
  AND event_time >= {{ago 1 "hour"}}
GROUP BY chat_id
ORDER BY messages DESC, chat_id
LIMIT 10;
