-- The tables: the landing table a load moves the buffer into, the typed
-- table that is the record, and where loads put what they reject and what
-- they did. The same text for Redshift and PostgreSQL; only Redshift has
-- BACKUP, DISTKEY and SORTKEY. CREATE TABLE IF NOT EXISTS: a deploy never
-- drops a table that holds history, and changing a column takes a
-- migration of its own.

-- name: create_landing_table
-- The materialized view's columns, with the types streaming ingestion gives
-- the stream's columns ("Streaming ingestion behavior and data types") and
-- the payload's SUPER: ALTER TABLE APPEND moves like-named columns only if
-- they have the same type, size, encoding and NOT NULL, and the same
-- distribution and sort keys ("ALTER TABLE APPEND"). Neither side names an
-- encoding, so both get Redshift's default. BACKUP YES: once moved here,
-- rows may exist nowhere else.
CREATE TABLE IF NOT EXISTS {{.Schema}}.chat_events_landing (
    approximate_arrival_timestamp TIMESTAMP,
    partition_key VARCHAR(256),
    shard_id CHAR(20),
    sequence_number VARCHAR(128),
    refresh_time TIMESTAMP,
    payload {{jsonType}}
)
{{- if redshift}}
BACKUP YES
DISTKEY (sequence_number)
SORTKEY (approximate_arrival_timestamp)
{{- end}};

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
CREATE TABLE IF NOT EXISTS {{.Schema}}.chat_events (
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
{{- if redshift}}
BACKUP YES
DISTKEY (event_id)
SORTKEY (event_time)
{{- end}};

-- name: create_rejected_table
-- The records a load could not type, each with the first reason that
-- applies and its payload as it arrived (NULL when it was not JSON), once
-- per record (shard_id, sequence_number). Nothing is dropped silently: a
-- reject is kept here and counted in load_runs. Small: Redshift picks the
-- distribution.
CREATE TABLE IF NOT EXISTS {{.Schema}}.chat_events_rejected (
    reason VARCHAR(64) NOT NULL,
    payload {{jsonType}},
    arrival_time TIMESTAMP,
    ingest_time TIMESTAMP,
    load_time TIMESTAMP NOT NULL,
    load_id VARCHAR(64) NOT NULL,
    partition_key VARCHAR(256),
    shard_id CHAR(20),
    sequence_number VARCHAR(128)
)
{{- if redshift}}
BACKUP YES
SORTKEY (arrival_time)
{{- end}};

-- name: create_load_runs_table
-- One row per load that found something to do: moved is what it took from
-- the landing table, and moved = inserted + duplicates + rejected. The
-- event_time range is the range its duplicate check read.
CREATE TABLE IF NOT EXISTS {{.Schema}}.load_runs (
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
{{- if redshift}}
BACKUP YES
SORTKEY (loaded_at)
{{- end}};

-- name: drop_landing_table
DROP TABLE IF EXISTS {{.Schema}}.chat_events_landing;

-- name: drop_events_table
DROP TABLE IF EXISTS {{.Schema}}.chat_events;

-- name: drop_rejected_table
DROP TABLE IF EXISTS {{.Schema}}.chat_events_rejected;

-- name: drop_load_runs_table
DROP TABLE IF EXISTS {{.Schema}}.load_runs;
