-- The last step of a load, one transaction: type what the landing table
-- holds, insert the events the table does not have, keep what cannot be
-- typed, record the run, and empty the landing table. All of it or none:
-- after a failure the landing table still holds every row, and the next
-- run loads them. The Data API runs these statements as one transaction
-- (BatchExecuteStatement); PostgreSQL runs them between BEGIN and COMMIT.

-- name: lock_landing
-- Held until the transaction ends: a second load waits here, and an APPEND
-- or a local move into the landing table waits too, so what this load
-- reads is exactly what it deletes.
LOCK TABLE {{.Schema}}.chat_events_landing;

-- name: stage_batch
-- Every landing row, typed, with the first reason it cannot be loaded and
-- what happens to it: new, duplicate or rejected.
--
-- Required: an object with event_id (a string of 1 to 64 bytes),
-- event_time (RFC 3339 in UTC, as the producer writes it; the pattern
-- checks the calendar, leap years included, so the cast cannot fail),
-- event_name (one of the five), user_id (a positive integer), and chat_id
-- for the three events that happen in a chat. Other fields are optional:
-- one of the wrong type or out of its range reads as NULL.
--
-- event_time must lie between 48 hours before the record's arrival and
-- 15 minutes after it. The producer sends an event close to its time; a
-- retried invocation regenerates the same events with the same times, and
-- a retry comes at most 30 hours later (EventBridge Scheduler retries for
-- up to 24 hours, MaximumEventAgeInSeconds; Lambda's asynchronous retries
-- for up to 6 more); an invocation lasts at most 15 minutes. The bound
-- keeps one bad clock from stretching the duplicate check over the whole
-- history; what falls outside it is kept in chat_events_rejected.
--
-- Duplicates: every copy of an event carries the same event_id and the
-- same event_time (a Kinesis retry resends the same bytes; a retried
-- invocation regenerates the same event). So the check reads only the
-- table's rows whose event_time lies in this batch's range, a
-- range-restricted scan of the sort key, and is exact: a copy's original,
-- if loaded, has an event_time in that range. Within the batch the first
-- copy to arrive wins. A rejected record is recorded once per shard and
-- sequence number, checked the same way on arrival_time.
CREATE TEMP TABLE load_batch AS
WITH parsed AS (
    SELECT
        payload,
        approximate_arrival_timestamp AS arrival_time,
        refresh_time AS ingest_time,
        partition_key,
        shard_id,
        sequence_number,
        {{isObject}} AS is_object,
        {{text "event_id"}} AS event_id_text,
        {{text "event_time"}} AS event_time_text,
        {{text "event_name"}} AS event_name_text,
        {{bigint "user_id"}} AS user_id,
        {{bigint "chat_id"}} AS chat_id,
        {{text "run_id"}} AS run_id_text,
        {{integer "schema_version"}} AS schema_version,
        {{text "platform"}} AS platform_text,
        {{text "country"}} AS country_text,
        {{text "app_version"}} AS app_version_text,
        {{integer "message_length"}} AS message_length,
        {{boolean "has_attachment"}} AS has_attachment,
        {{text "plan"}} AS plan_text
    FROM {{.Schema}}.chat_events_landing
),
typed AS (
    SELECT
        payload,
        arrival_time,
        ingest_time,
        partition_key,
        shard_id,
        sequence_number,
        is_object,
        event_id_text,
        CASE WHEN OCTET_LENGTH(event_id_text) BETWEEN 1 AND 64
             THEN CAST(event_id_text AS VARCHAR(64)) END AS event_id,
        CASE WHEN event_time_text ~ '^(([1-9][0-9]{3}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8])))|(([1-9][0-9](0[48]|[2468][048]|[13579][26])|([2468][048]|[13579][26])00)-02-29))T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,6})?Z$'
             THEN CAST(REPLACE(REPLACE(event_time_text, 'T', ' '), 'Z', '') AS TIMESTAMP) END AS event_time,
        CASE WHEN event_name_text IN ('JOIN', 'LEAVE', 'OPEN_CHAT', 'SUBSCRIBE', 'SEND_MESSAGE')
             THEN CAST(event_name_text AS VARCHAR(16)) END AS event_name,
        user_id,
        chat_id,
        CASE WHEN OCTET_LENGTH(run_id_text) <= 64 THEN CAST(run_id_text AS VARCHAR(64)) END AS run_id,
        schema_version,
        CASE WHEN platform_text IN ('ios', 'android', 'web') THEN CAST(platform_text AS VARCHAR(8)) END AS platform,
        CASE WHEN country_text ~ '^[A-Z]{2}$' THEN CAST(country_text AS CHAR(2)) END AS country,
        CASE WHEN OCTET_LENGTH(app_version_text) <= 32 THEN CAST(app_version_text AS VARCHAR(32)) END AS app_version,
        CASE WHEN message_length >= 0 THEN message_length END AS message_length,
        has_attachment,
        CASE WHEN OCTET_LENGTH(plan_text) <= 32 THEN CAST(plan_text AS VARCHAR(32)) END AS plan
    FROM parsed
),
classified AS (
    SELECT
        typed.*,
        CASE
            WHEN payload IS NULL THEN 'not JSON'
            WHEN NOT is_object THEN 'not a JSON object'
            WHEN event_id IS NULL THEN 'event_id: not a string of 1 to 64 bytes'
            WHEN event_time IS NULL THEN 'event_time: not an RFC 3339 UTC time'
            WHEN event_name IS NULL THEN 'event_name: not one of the five'
            WHEN user_id IS NULL OR user_id < 1 THEN 'user_id: not a positive integer'
            WHEN event_name IN ('OPEN_CHAT', 'SUBSCRIBE', 'SEND_MESSAGE') AND (chat_id IS NULL OR chat_id < 1)
                THEN 'chat_id: not a positive integer'
            WHEN event_time < {{shift "arrival_time" -48 "hour"}}
                THEN 'event_time: over 48 hours before arrival'
            WHEN event_time > {{shift "arrival_time" 15 "minute"}}
                THEN 'event_time: over 15 minutes after arrival'
        END AS reason
    FROM typed
),
ranked AS (
    SELECT
        classified.*,
        ROW_NUMBER() OVER (
            PARTITION BY event_id
            ORDER BY CASE WHEN reason IS NULL THEN 0 ELSE 1 END, arrival_time, shard_id, sequence_number
        ) AS event_copy,
        ROW_NUMBER() OVER (
            PARTITION BY shard_id, sequence_number
            ORDER BY ingest_time
        ) AS record_copy
    FROM classified
),
event_range AS (
    SELECT MIN(event_time) AS first_time, MAX(event_time) AS last_time
    FROM classified
    WHERE reason IS NULL
),
loaded AS (
    SELECT DISTINCT e.event_id
    FROM {{.Schema}}.chat_events AS e
    JOIN event_range ON e.event_time BETWEEN event_range.first_time AND event_range.last_time
),
reject_range AS (
    SELECT MIN(arrival_time) AS first_time, MAX(arrival_time) AS last_time
    FROM classified
    WHERE reason IS NOT NULL
),
rejected AS (
    SELECT DISTINCT r.shard_id, r.sequence_number
    FROM {{.Schema}}.chat_events_rejected AS r
    JOIN reject_range ON r.arrival_time BETWEEN reject_range.first_time AND reject_range.last_time
)
SELECT
    CASE
        WHEN ranked.reason IS NULL AND ranked.event_copy = 1 AND loaded.event_id IS NULL THEN 'new'
        WHEN ranked.reason IS NOT NULL AND ranked.record_copy = 1 AND rejected.sequence_number IS NULL THEN 'rejected'
        ELSE 'duplicate'
    END AS status,
    ranked.reason,
    CASE WHEN ranked.reason IS NOT NULL THEN ranked.payload END AS payload,
    ranked.event_id,
    ranked.event_time,
    ranked.event_name,
    ranked.user_id,
    ranked.chat_id,
    ranked.run_id,
    ranked.schema_version,
    ranked.platform,
    ranked.country,
    ranked.app_version,
    ranked.message_length,
    ranked.has_attachment,
    ranked.plan,
    ranked.arrival_time,
    ranked.ingest_time,
    {{now}} AS load_time,
    ranked.partition_key,
    ranked.shard_id,
    ranked.sequence_number
FROM ranked
LEFT JOIN loaded ON loaded.event_id = ranked.event_id
LEFT JOIN rejected ON rejected.shard_id = ranked.shard_id AND rejected.sequence_number = ranked.sequence_number;

-- name: insert_rejected
INSERT INTO {{.Schema}}.chat_events_rejected
    (reason, payload, arrival_time, ingest_time, load_time, load_id, partition_key, shard_id, sequence_number)
SELECT reason, payload, arrival_time, ingest_time, load_time, {{.LoadID}}, partition_key, shard_id, sequence_number
FROM load_batch
WHERE status = 'rejected';

-- name: insert_events
INSERT INTO {{.Schema}}.chat_events
    (event_id, event_time, event_name, user_id, chat_id, run_id, schema_version,
     platform, country, app_version, message_length, has_attachment, plan,
     arrival_time, ingest_time, load_time, load_id, shard_id, sequence_number)
SELECT
    event_id, event_time, event_name, user_id, chat_id, run_id, schema_version,
    platform, country, app_version, message_length, has_attachment, plan,
    arrival_time, ingest_time, load_time, {{.LoadID}}, shard_id, sequence_number
FROM load_batch
WHERE status = 'new';

-- name: record_run
-- first_event_time and last_event_time bound the event_time range the
-- duplicate check read.
INSERT INTO {{.Schema}}.load_runs
    (load_id, mode, started_at, loaded_at, moved, inserted, duplicates, rejected, first_event_time, last_event_time)
SELECT
    {{.LoadID}},
    {{.Mode}},
    CAST({{.StartedAt}} AS TIMESTAMP),
    {{now}},
    COUNT(*),
    COALESCE(SUM(CASE WHEN status = 'new' THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN status = 'duplicate' THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END), 0),
    MIN(CASE WHEN reason IS NULL THEN event_time END),
    MAX(CASE WHEN reason IS NULL THEN event_time END)
FROM load_batch;

-- name: clear_landing
-- DELETE, not TRUNCATE: in Redshift TRUNCATE commits the transaction.
DELETE FROM {{.Schema}}.chat_events_landing;

-- name: drop_batch
DROP TABLE load_batch;

-- name: report_run
SELECT moved, inserted, duplicates, rejected
FROM {{.Schema}}.load_runs
WHERE load_id = {{.LoadID}};
