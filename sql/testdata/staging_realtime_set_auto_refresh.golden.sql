-- name: set_auto_refresh
-- Switches the mode in place ("ALTER MATERIALIZED VIEW ... AUTO REFRESH"):
-- the view keeps its rows and its position in the stream.
ALTER MATERIALIZED VIEW "chatstream".chat_events_stream AUTO REFRESH YES;
