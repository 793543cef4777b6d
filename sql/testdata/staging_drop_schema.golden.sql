-- name: drop_schema
-- Without CASCADE: if someone keeps their own tables here, the teardown stops
-- with Redshift's error instead of taking their data with it.
DROP SCHEMA IF EXISTS "chatstream";
