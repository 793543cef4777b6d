-- The newest event in the warehouse and its age in seconds: how far behind
-- the world the analytics are. One row; NULLs when no event of the last
-- 24 hours has been loaded.
-- name: newest_event_age
-- Reads event_time from 24 hours ago to now: a range of the sort key.
WITH newest AS (
    SELECT MAX(event_time) AS newest_event
    FROM {{.Schema}}.chat_events
    WHERE event_time >= {{ago 24 "hour"}}
)
SELECT
    newest_event,
    ROUND({{msBetween "newest_event" now}} / 1000.0, 1) AS age_s
FROM newest;
