-- Typed views over the streaming materialized view: what analytics and BI read.

-- name: create_events_view
-- One row per event_id: Kinesis delivers at least once, so a retried
-- PutRecords can store an event twice; the earliest arrival wins. A field of
-- the wrong JSON type becomes NULL instead of failing every query, and a
-- record without an event_id cannot be deduplicated, so it is left out.
-- Lags are in milliseconds: arrival_lag_ms from the event to Kinesis,
-- end_to_end_lag_ms from the event to the start of the refresh that brought
-- it into Redshift (refresh_time), so a lower bound. The columns of schema
-- version 2 come last: platform, country and app_version on every event,
-- message_length and has_attachment on SEND_MESSAGE, plan on SUBSCRIBE;
-- they are NULL for version 1 events and for events that do not carry them.
CREATE VIEW {{.Schema}}.chat_events AS
WITH typed AS (
    SELECT
        CASE WHEN IS_VARCHAR(payload.event_id)
             THEN payload.event_id::VARCHAR(64) END AS event_id,
        CASE WHEN IS_VARCHAR(payload.event_time)
              AND payload.event_time::VARCHAR(64) ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?Z$'
             THEN REPLACE(REPLACE(payload.event_time::VARCHAR(64), 'T', ' '), 'Z', '')::TIMESTAMP END AS event_time,
        CASE WHEN IS_VARCHAR(payload.event_name)
             THEN payload.event_name::VARCHAR(32) END AS event_name,
        CASE WHEN IS_BIGINT(payload.user_id)
             THEN payload.user_id::BIGINT END AS user_id,
        CASE WHEN IS_BIGINT(payload.chat_id)
             THEN payload.chat_id::BIGINT END AS chat_id,
        CASE WHEN IS_VARCHAR(payload.run_id)
             THEN payload.run_id::VARCHAR(128) END AS run_id,
        CASE WHEN IS_INTEGER(payload.schema_version)
             THEN payload.schema_version::INTEGER END AS schema_version,
        CASE WHEN IS_VARCHAR(payload.platform)
             THEN payload.platform::VARCHAR(16) END AS platform,
        CASE WHEN IS_VARCHAR(payload.country)
             THEN payload.country::VARCHAR(8) END AS country,
        CASE WHEN IS_VARCHAR(payload.app_version)
             THEN payload.app_version::VARCHAR(32) END AS app_version,
        CASE WHEN IS_INTEGER(payload.message_length)
             THEN payload.message_length::INTEGER END AS message_length,
        CASE WHEN IS_BOOLEAN(payload.has_attachment)
             THEN payload.has_attachment::BOOLEAN END AS has_attachment,
        CASE WHEN IS_VARCHAR(payload.plan)
             THEN payload.plan::VARCHAR(16) END AS plan,
        approximate_arrival_timestamp AS arrival_time,
        refresh_time AS ingest_time,
        shard_id,
        sequence_number
    FROM {{.Schema}}.chat_events_stream
),
ranked AS (
    SELECT
        typed.*,
        ROW_NUMBER() OVER (
            PARTITION BY event_id
            ORDER BY arrival_time, shard_id, sequence_number
        ) AS copy_number
    FROM typed
    WHERE event_id IS NOT NULL
)
SELECT
    event_id,
    event_time,
    event_name,
    user_id,
    chat_id,
    run_id,
    schema_version,
    arrival_time,
    ingest_time,
    DATEDIFF(millisecond, event_time, arrival_time) AS arrival_lag_ms,
    DATEDIFF(millisecond, event_time, ingest_time) AS end_to_end_lag_ms,
    platform,
    country,
    app_version,
    message_length,
    has_attachment,
    plan
FROM ranked
WHERE copy_number = 1;

-- name: drop_events_view
DROP VIEW IF EXISTS {{.Schema}}.chat_events;
