-- Settings of the Data API session a plan runs in. Rendered by the Go package
-- in sql/ with a number it formats itself.

-- name: set_statement_timeout
-- Redshift aborts any later statement of this session that runs longer than
-- this many milliseconds (statement_timeout), so a statement that hangs ends
-- even if nothing is left to cancel it.
SET statement_timeout TO {{.Milliseconds}};
