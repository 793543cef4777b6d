-- The browser test's stream: what a refresh of the stand-in for the
-- streaming materialized view would have landed over the last 50 minutes,
-- relative to the time it runs, for the real loader to type. It runs with
-- search_path set to the schema under test, so it names no schema.
--
-- Second s of the last 50 minutes (20 + s seconds ago) has one to six
-- events, more in some stretches than in others: 8,176 in all. A tenth of
-- them are JOINs, a tenth LEAVEs, half messages. 20 to 50 users on three
-- platforms in five countries, seven chats; Kinesis gets an event within
-- half a second, and a refresh reads it 1 to 20 seconds later, up to 35 in
-- slow stretches. Five more records cannot be typed: three that are not
-- JSON, one without an event_id and one with a bad event_time.

INSERT INTO chat_events_stream (
    approximate_arrival_timestamp, partition_key, shard_id, sequence_number, refresh_time, payload
)
SELECT
    event_time + ((s + k) % 5) * INTERVAL '100 milliseconds',
    user_id::TEXT,
    'shardId-00000000000' || (user_id % 4),
    (s * 10 + k)::TEXT,
    event_time + ((s * k) % 20 + 1 + (s / 420 % 3) * 5 * (k % 2)) * INTERVAL '1 second',
    jsonb_strip_nulls(jsonb_build_object(
        'schema_version', 2,
        'event_id', 'e-' || s || '-' || k,
        'event_time', to_char(event_time, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'event_name', event_name,
        'user_id', user_id,
        'chat_id', CASE WHEN event_name IN ('OPEN_CHAT', 'SUBSCRIBE', 'SEND_MESSAGE') THEN (s + k) % 7 + 1 END,
        'platform', (ARRAY['ios', 'android', 'web'])[user_id % 3 + 1],
        'country', (ARRAY['US', 'BR', 'DE', 'IN', 'JP'])[user_id % 5 + 1],
        'app_version', '5.4.0',
        'message_length', CASE WHEN event_name = 'SEND_MESSAGE' THEN (s * k) % 80 + 1 END,
        'has_attachment', CASE WHEN event_name = 'SEND_MESSAGE' THEN (s + k) % 6 = 0 END,
        'plan', CASE WHEN event_name = 'SUBSCRIBE' THEN 'plus' END
    ))
FROM (
    SELECT
        s,
        k,
        date_trunc('milliseconds', (now() AT TIME ZONE 'UTC') - (20 + s) * INTERVAL '1 second') AS event_time,
        (ARRAY['JOIN', 'OPEN_CHAT', 'OPEN_CHAT', 'SUBSCRIBE', 'SEND_MESSAGE',
               'SEND_MESSAGE', 'SEND_MESSAGE', 'SEND_MESSAGE', 'SEND_MESSAGE', 'LEAVE'])[(s * 3 + k * 7) % 10 + 1] AS event_name,
        (s * 7 + k * 13) % (20 + s / 100 % 31) + 1 AS user_id
    FROM generate_series(0, 2999) AS s,
         generate_series(1, 1 + (s / 180) % 4 + (s % 7 / 5)) AS k
) events;

INSERT INTO chat_events_stream (
    approximate_arrival_timestamp, partition_key, shard_id, sequence_number, refresh_time, payload
)
SELECT at, '3', 'shardId-000000000003', 'bad-' || minutes_ago, at + INTERVAL '2 seconds', payload::JSONB
FROM (VALUES
    (NULL, 3),
    (NULL, 12),
    (NULL, 40),
    ('{"schema_version": 2, "event_name": "JOIN", "user_id": 3}', 7),
    ('{"schema_version": 2, "event_id": "x", "event_time": "yesterday", "event_name": "JOIN", "user_id": 3}', 25)
) AS r (payload, minutes_ago),
LATERAL (SELECT (now() AT TIME ZONE 'UTC') - minutes_ago * INTERVAL '1 minute' AS at) t;
