-- name: create_schema
-- Runs first in every plan that drops something, so that no DROP ... IF EXISTS
-- names an object in a missing schema: older PostgreSQL, which Redshift
-- descends from, reports that as an error instead of skipping it.
CREATE SCHEMA IF NOT EXISTS "chatstream";

-- name: drop_legacy_events_view
-- The view reads the materialized view, so it goes first; the table of the
-- same name replaces it.
DROP VIEW IF EXISTS "chatstream".chat_events;

-- name: create_landing_table
-- The materialized view's columns, with the types streaming ingestion gives
-- the stream's columns ("Streaming ingestion behavior and data types") and
-- the payload's SUPER: ALTER TABLE APPEND moves like-named columns only if
-- they have the same type, size, encoding and NOT NULL, and the same
-- distribution and sort keys ("ALTER TABLE APPEND"). Neither side names an
-- encoding, so both get Redshift's default. BACKUP YES: once moved here,
-- rows may exist nowhere else.
CREATE TABLE IF NOT EXISTS "chatstream".chat_events_landing (
    approximate_arrival_timestamp TIMESTAMP,
    partition_key VARCHAR(256),
    shard_id CHAR(20),
    sequence_number VARCHAR(128),
    refresh_time TIMESTAMP,
    payload SUPER
)
BACKUP YES
DISTKEY (sequence_number)
SORTKEY (approximate_arrival_timestamp);

-- name: create_events_table
-- The record: one row per event_id, typed. Fields of schema version 2
-- (platform, country, app_version, and message_length, has_attachment,
-- plan by event type) are NULL in version 1 events. arrival_time is when
-- Kinesis got the record, ingest_time when the refresh that read it
-- started, load_time when the load that inserted it ran, so each step's
-- lag stays measurable; shard_id and sequence_number trace a row back to its
-- record.
-- SORTKEY (event_time): every query and every load's duplicate check
-- reads a range of event_time, and a range-restricted scan skips the blocks
-- outside it, so their cost follows the range, not the history.
-- DISTKEY (event_id): the one join the table takes part in, on every load,
-- is the duplicate check on event_id; event ids are unique, so the rows
-- spread evenly, and a fixed key leaves no background redistribution (as
-- DISTSTYLE AUTO may run) to compete with the loads.
-- The PRIMARY KEY is enforced by PostgreSQL only; Redshift takes it as a
-- promise, which the load keeps.
CREATE TABLE IF NOT EXISTS "chatstream".chat_events (
    event_id VARCHAR(64) NOT NULL,
    event_time TIMESTAMP NOT NULL,
    event_name VARCHAR(16) NOT NULL,
    user_id BIGINT NOT NULL,
    chat_id BIGINT,
    run_id VARCHAR(64),
    schema_version INTEGER,
    platform VARCHAR(8),
    country CHAR(2),
    app_version VARCHAR(32),
    message_length INTEGER,
    has_attachment BOOLEAN,
    plan VARCHAR(32),
    arrival_time TIMESTAMP,
    ingest_time TIMESTAMP,
    load_time TIMESTAMP NOT NULL,
    load_id VARCHAR(64) NOT NULL,
    shard_id CHAR(20),
    sequence_number VARCHAR(128),
    PRIMARY KEY (event_id)
)
BACKUP YES
DISTKEY (event_id)
SORTKEY (event_time);

-- name: create_rejected_table
-- The records a load could not type, each with the first reason that
-- applies and its payload as it arrived (NULL when it was not JSON), once
-- per record (shard_id, sequence_number). Nothing is dropped silently: a
-- reject is kept here and counted in load_runs. Small: Redshift picks the
-- distribution.
CREATE TABLE IF NOT EXISTS "chatstream".chat_events_rejected (
    reason VARCHAR(64) NOT NULL,
    payload SUPER,
    arrival_time TIMESTAMP,
    ingest_time TIMESTAMP,
    load_time TIMESTAMP NOT NULL,
    load_id VARCHAR(64) NOT NULL,
    partition_key VARCHAR(256),
    shard_id CHAR(20),
    sequence_number VARCHAR(128)
)
BACKUP YES
SORTKEY (arrival_time);

-- name: create_load_runs_table
-- One row per load that found something to do: moved is what it took from
-- the landing table, and moved = inserted + duplicates + rejected. The
-- event_time range is the range its duplicate check read.
CREATE TABLE IF NOT EXISTS "chatstream".load_runs (
    load_id VARCHAR(64) NOT NULL,
    mode VARCHAR(16) NOT NULL,
    started_at TIMESTAMP NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    moved BIGINT NOT NULL,
    inserted BIGINT NOT NULL,
    duplicates BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    first_event_time TIMESTAMP,
    last_event_time TIMESTAMP,
    PRIMARY KEY (load_id)
)
BACKUP YES
SORTKEY (loaded_at);

-- name: save_legacy_stream_rows
-- The old materialized view was the record: it may hold rows the stream no
-- longer has. They go to the landing table before the view is rebuilt, and
-- the next load types and deduplicates them together with what the new
-- view re-reads from the stream. A copy, not APPEND: the old view has
-- neither this distribution key nor this sort key.
INSERT INTO "chatstream".chat_events_landing
    (approximate_arrival_timestamp, partition_key, shard_id, sequence_number, refresh_time, payload)
SELECT approximate_arrival_timestamp, partition_key, shard_id, sequence_number, refresh_time, payload
FROM "chatstream".chat_events_stream;

-- name: drop_stream_view
DROP MATERIALIZED VIEW IF EXISTS "chatstream".chat_events_stream;

-- name: drop_stream_schema
DROP SCHEMA IF EXISTS "kinesis";

-- name: create_stream_schema
-- IAM_ROLE default is the namespace's default role, which the stack sets to
-- the streaming role: it may read the stream and nothing else. Naming it by
-- default rather than by ARN keeps this SQL, and so the materialized view,
-- unchanged when the role is replaced.
CREATE EXTERNAL SCHEMA IF NOT EXISTS "kinesis"
FROM KINESIS
IAM_ROLE default;

-- name: create_stream_view
-- A buffer, not the record: each load moves its rows out with ALTER TABLE
-- APPEND, so it holds at most one interval of records, and recreating it
-- (which re-reads the stream from its oldest record) loses nothing the
-- loads have moved. Kept minimal, because a definition cannot be altered,
-- only dropped and recreated; the types live in chatstream.chat_events.
-- CAN_JSON_PARSE guards JSON_PARSE so that one malformed record cannot block
-- ingestion; in the CASE (rather than a WHERE filter) such a record still
-- lands, with a NULL payload, and the loader counts it into
-- chat_events_rejected instead of it vanishing unseen.
-- BACKUP NO: its rows are at most one interval old and still in the
-- stream, which a view rebuilt after a restore re-reads; snapshots need not
-- carry them. The landing table, which holds rows the stream may no longer
-- have, is backed up.
-- DISTKEY and SORTKEY: ALTER TABLE APPEND requires the source and target to
-- have the same distribution style and key and the same sort key ("ALTER
-- TABLE APPEND"), and AUTO on either side lets Redshift change one without
-- the other. sequence_number is unique per record, so the rows spread
-- evenly over the slices; arrival order is the order the rows come in.
-- AUTO REFRESH follows the mode (YES realtime, NO scheduled); a mode change
-- runs set_auto_refresh and never rebuilds the view.
CREATE MATERIALIZED VIEW "chatstream".chat_events_stream
BACKUP NO
DISTKEY (sequence_number)
SORTKEY (approximate_arrival_timestamp)
AUTO REFRESH YES
AS
SELECT
    approximate_arrival_timestamp,
    partition_key,
    shard_id,
    sequence_number,
    refresh_time,
    CASE WHEN CAN_JSON_PARSE(kinesis_data) THEN JSON_PARSE(kinesis_data) END AS payload
FROM "kinesis"."chat-events-staging";

-- name: define_create_analyst_role
-- CREATE ROLE has no IF NOT EXISTS, in Redshift or PostgreSQL, and every
-- plan must be safe to run again: this procedure creates the role only when
-- it is missing. The plan drops it again right after calling it.
CREATE OR REPLACE PROCEDURE "chatstream".create_analyst_role()
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM svv_roles WHERE role_name = 'chatstream_analyst') THEN
        CREATE ROLE chatstream_analyst;
    END IF;
END;
$$ LANGUAGE plpgsql;

-- name: create_analyst_role
CALL "chatstream".create_analyst_role();

-- name: drop_create_analyst_role
DROP PROCEDURE "chatstream".create_analyst_role();

-- name: grant_schema_usage
GRANT USAGE ON SCHEMA "chatstream" TO ROLE chatstream_analyst;

-- name: grant_select_on_tables
-- Every table there now, the materialized view included.
GRANT SELECT ON ALL TABLES IN SCHEMA "chatstream" TO ROLE chatstream_analyst;

-- name: grant_select_on_future_tables
-- And every table the admin user creates there later.
ALTER DEFAULT PRIVILEGES IN SCHEMA "chatstream" GRANT SELECT ON TABLES TO ROLE chatstream_analyst;
