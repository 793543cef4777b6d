-- Records the loads could not type in the last 24 hours, per reason: how
-- many, and when the newest of them reached Kinesis. No rows is the
-- healthy state.
-- name: malformed_records
-- Reads arrival_time of the rejected table from 24 hours ago to now: a
-- range of that table's sort key.
SELECT
    reason,
    COUNT(*) AS records,
    MAX(arrival_time) AS newest_arrival
FROM {{.Schema}}.chat_events_rejected
WHERE arrival_time >= {{ago 24 "hour"}}
GROUP BY reason
ORDER BY records DESC, reason;
