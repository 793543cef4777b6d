-- name: create_schema
-- Runs first in every plan that drops something, so that no DROP ... IF EXISTS
-- names an object in a missing schema: older PostgreSQL, which Redshift
-- descends from, reports that as an error instead of skipping it.
CREATE SCHEMA IF NOT EXISTS "chatstream";

-- name: create_stream_table
-- The columns of the streaming materialized view, in its order, so that the
-- SQL reading it runs on both engines. payload is JSONB where Redshift has
-- SUPER, and NULL for a record that is not JSON, as the view's
-- CASE WHEN CAN_JSON_PARSE(kinesis_data) THEN JSON_PARSE(kinesis_data) END
-- leaves it. Text lengths are the Kinesis API's limits (API Reference, Record
-- and Shard), at least those of the landing table, which has the Redshift
-- view's; ApproximateArrivalTimestamp is optional there, so the column may
-- be NULL. Like the view, the table has no key: Kinesis stores a retried
-- record twice, with two sequence numbers, and both copies land here.
CREATE TABLE IF NOT EXISTS "chatstream".chat_events_stream (
    approximate_arrival_timestamp TIMESTAMP,
    partition_key VARCHAR(256) NOT NULL,
    shard_id VARCHAR(128) NOT NULL,
    sequence_number VARCHAR(129) NOT NULL,
    refresh_time TIMESTAMP NOT NULL,
    payload JSONB
);

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
    payload JSONB
);

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
);

-- name: create_rejected_table
-- The records a load could not type, each with the first reason that
-- applies and its payload as it arrived (NULL when it was not JSON), once
-- per record (shard_id, sequence_number). Nothing is dropped silently: a
-- reject is kept here and counted in load_runs. Small: Redshift picks the
-- distribution.
CREATE TABLE IF NOT EXISTS "chatstream".chat_events_rejected (
    reason VARCHAR(64) NOT NULL,
    payload JSONB,
    arrival_time TIMESTAMP,
    ingest_time TIMESTAMP,
    load_time TIMESTAMP NOT NULL,
    load_id VARCHAR(64) NOT NULL,
    partition_key VARCHAR(256),
    shard_id CHAR(20),
    sequence_number VARCHAR(128)
);

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
);

-- name: define_create_analyst_role
-- CREATE ROLE has no IF NOT EXISTS, in Redshift or PostgreSQL, and every
-- plan must be safe to run again: this procedure creates the role only when
-- it is missing. The plan drops it again right after calling it.
CREATE OR REPLACE PROCEDURE "chatstream".create_analyst_role()
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'chatstream_analyst') THEN
        CREATE ROLE chatstream_analyst;
    END IF;
END;
$$ LANGUAGE plpgsql;

-- name: create_analyst_role
CALL "chatstream".create_analyst_role();

-- name: drop_create_analyst_role
DROP PROCEDURE "chatstream".create_analyst_role();

-- name: grant_schema_usage
GRANT USAGE ON SCHEMA "chatstream" TO chatstream_analyst;

-- name: grant_select_on_tables
-- Every table there now, the materialized view included.
GRANT SELECT ON ALL TABLES IN SCHEMA "chatstream" TO chatstream_analyst;

-- name: grant_select_on_future_tables
-- And every table the admin user creates there later.
ALTER DEFAULT PRIVILEGES IN SCHEMA "chatstream" GRANT SELECT ON TABLES TO chatstream_analyst;
