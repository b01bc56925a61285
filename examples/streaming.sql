-- Sluice's main job: a continuous query over a live stream. The built-in Nexmark
-- generator produces auction bids paced in real time (5,000 events per second of event
-- time, 8 seconds in all); a one-second tumbling window counts them, and each window is
-- printed once, final, as soon as the watermark (event time minus 1 second) passes its
-- end. Run with `make run` (or: build/release/sluice < examples/streaming.sql).

CREATE SOURCE bid (
    auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, dateTime TIMESTAMP,
    WATERMARK FOR dateTime AS dateTime - INTERVAL '1' SECOND
) WITH (connector = 'nexmark', table = 'bid', event_rate = 5000, max_events = 40000, pace = true);

.print '-- Bids per second of event time, one row per window as it closes'
SELECT window_start, window_end,
       count(*) AS bids,
       count(DISTINCT bidder) AS bidders,
       max(price) AS top_price,
       round(avg(price) / 100.0, 2) AS avg_price_usd
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '1' SECOND))
GROUP BY window_start, window_end
EMIT ON WINDOW CLOSE;
