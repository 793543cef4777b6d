-- Read-only analysts: a database role that may read the schema's tables
-- and nothing else. The admin user, which owns the tables, runs the DDL and
-- the loader; analysts signing in through IAM get this role from their
-- RedshiftDbRoles principal tag.

-- name: define_create_analyst_role
-- CREATE ROLE has no IF NOT EXISTS, in Redshift or PostgreSQL, and every
-- plan must be safe to run again: this procedure creates the role only when
-- it is missing. The plan drops it again right after calling it.
CREATE OR REPLACE PROCEDURE {{.Schema}}.create_analyst_role()
AS $$
BEGIN
    IF NOT {{roleExists}} THEN
        CREATE ROLE chatstream_analyst;
    END IF;
END;
$$ LANGUAGE plpgsql;

-- name: create_analyst_role
CALL {{.Schema}}.create_analyst_role();

-- name: drop_create_analyst_role
DROP PROCEDURE {{.Schema}}.create_analyst_role();

-- name: grant_schema_usage
GRANT USAGE ON SCHEMA {{.Schema}} TO {{grantee}};

-- name: grant_select_on_tables
-- Every table there now, the materialized view included.
GRANT SELECT ON ALL TABLES IN SCHEMA {{.Schema}} TO {{grantee}};

-- name: grant_select_on_future_tables
-- And every table the admin user creates there later.
ALTER DEFAULT PRIVILEGES IN SCHEMA {{.Schema}} GRANT SELECT ON TABLES TO {{grantee}};
