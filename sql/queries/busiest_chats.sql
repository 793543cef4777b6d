-- The ten chats with the most messages in the last hour.
-- name: busiest_chats
SELECT
    chat_id,
    COUNT(*) AS messages,
    COUNT(DISTINCT user_id) AS senders,
    MAX(event_time) AS last_message
FROM {{.Schema}}.chat_events
WHERE event_name = 'SEND_MESSAGE'
  AND chat_id IS NOT NULL
  AND event_time >= DATEADD(hour, -1, GETDATE())
GROUP BY chat_id
ORDER BY messages DESC, chat_id
LIMIT 10;
