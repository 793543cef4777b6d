-- The local schema that holds the materialized view and the typed views.
-- Rendered by the Go package in sql/: every value it inserts is a quoted
-- identifier or an escaped string literal.

-- name: create_schema
-- Runs first in every plan that drops something, so that no DROP ... IF EXISTS
-- names an object in a missing schema: older PostgreSQL, which Redshift
-- descends from, reports that as an error instead of skipping it.
CREATE SCHEMA IF NOT EXISTS {{.Schema}};

-- name: drop_schema
-- Without CASCADE: if someone keeps their own tables here, the teardown stops
-- with Redshift's error instead of taking their data with it.
DROP SCHEMA IF EXISTS {{.Schema}};
