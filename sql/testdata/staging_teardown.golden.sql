-- name: create_schema
-- Runs first in every plan that drops something, so that no DROP ... IF EXISTS
-- names an object in a missing schema: older PostgreSQL, which Redshift
-- descends from, reports that as an error instead of skipping it.
CREATE SCHEMA IF NOT EXISTS "chatstream";

-- name: drop_stream_view
DROP MATERIALIZED VIEW IF EXISTS "chatstream".chat_events_stream;

-- name: drop_stream_schema
DROP SCHEMA IF EXISTS "kinesis";

-- name: drop_landing_table
DROP TABLE IF EXISTS "chatstream".chat_events_landing;

-- name: drop_events_table
DROP TABLE IF EXISTS "chatstream".chat_events;

-- name: drop_rejected_table
DROP TABLE IF EXISTS "chatstream".chat_events_rejected;

-- name: drop_load_runs_table
DROP TABLE IF EXISTS "chatstream".load_runs;

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

-- name: drop_create_analyst_role
DROP PROCEDURE "chatstream".create_analyst_role();

-- name: drop_schema
-- Without CASCADE: if someone keeps their own tables here, the teardown stops
-- with Redshift's error instead of taking their data with it.
DROP SCHEMA IF EXISTS "chatstream";
