-- Run after the loader has loaded testdata/stream.sql, in the same schema:
-- the loader stamps every row with the time it ran, now; the seeded
-- world's scheduled loads ran 30 seconds after each refresh, so its
-- ingestion lag is what a deployed environment shows.
UPDATE chat_events SET load_time = ingest_time + INTERVAL '30 seconds';
