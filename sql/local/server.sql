-- The local warehouse's own setup (internal/pgserver). Local only: on AWS the
-- Redshift Serverless namespace creates its database.

-- name: create_database
CREATE DATABASE {{.Database}};
