-- Redshift only, scheduled mode: with AUTO REFRESH NO, nothing reads the
-- stream until the loader asks. Only the view's owner may refresh it, and
-- a refresh is its own transaction.

-- name: refresh_stream_view
REFRESH MATERIALIZED VIEW {{.Schema}}.chat_events_stream;
