-- Users online per minute over the last hour, newest minute first: at the
-- end of each minute, the users whose latest event in the five whole
-- minutes up to it is not a LEAVE. The same rule as active_users, applied
-- to every minute, so the newest point tracks it. A minute in which no
-- user had an event has no row.
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
        FROM {{.Schema}}.chat_events
        WHERE event_time >= {{ago 65 "minute"}}
    ) ranked
    WHERE recency = 1
),
minutes AS (
    SELECT DISTINCT minute
    FROM last_in_minute
    WHERE minute >= {{ago 60 "minute"}}
),
latest AS (
    SELECT
        m.minute,
        l.event_name,
        ROW_NUMBER() OVER (PARTITION BY m.minute, l.user_id ORDER BY l.minute DESC) AS recency
    FROM minutes m
    JOIN last_in_minute l
      ON l.minute > {{shift "m.minute" -5 "minute"}}
     AND l.minute <= m.minute
)
SELECT
    minute,
    SUM(CASE WHEN event_name <> 'LEAVE' THEN 1 ELSE 0 END) AS users
FROM latest
WHERE recency = 1
GROUP BY minute
ORDER BY minute DESC;
