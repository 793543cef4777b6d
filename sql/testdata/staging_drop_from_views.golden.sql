-- name: create_schema
-- Runs first in every plan that drops something, so that no DROP ... IF EXISTS
-- names an object in a missing schema: older PostgreSQL, which Redshift
-- descends from, reports that as an error instead of skipping it.
CREATE SCHEMA IF NOT EXISTS "chatstream";

-- name: drop_legacy_events_view
-- The view reads the materialized view, so it goes first; the table of the
-- same name replaces it.
DROP VIEW IF EXISTS "chatstream".chat_events;

-- name: drop_stream_view
DROP MATERIALIZED VIEW IF EXISTS "chatstream".chat_events_stream;

-- name: drop_stream_schema
DROP SCHEMA IF EXISTS "kinesis";
