-- tests/nexmark/sources.sql — the three Nexmark streams for the queries in queries/qN.sql.
--
-- Flink's Nexmark suite declares one `datagen` table with the nexmark connector and defines
-- person / auction / bid as views over it (ddl_gen.sql + ddl_views.sql). Sluice's nexmark
-- connector produces each table directly, with the same columns and the same default
-- watermark (`dateTime` - INTERVAL '4' SECOND). All three share one event sequence (same
-- seed, rate and count), so together they are the 1 : 3 : 46 mix of person : auction : bid.
--
-- Bounded: `max_events` counts events over the three tables together. The integration test
-- (tests/integration/test_nexmark.py) and the benchmark driver (bench/nexmark/run.py)
-- rewrite the `max_events = N` and `event_rate = N` values before running this file.

CREATE SOURCE person WITH (connector = 'nexmark', table = 'person', max_events = 100000, event_rate = 10000);
CREATE SOURCE auction WITH (connector = 'nexmark', table = 'auction', max_events = 100000, event_rate = 10000);
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', max_events = 100000, event_rate = 10000);
