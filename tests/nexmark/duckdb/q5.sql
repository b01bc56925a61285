-- Nexmark q5 (hot items): HOP(2 s slide, 10 s size) windows made explicit: a bid at time t
-- belongs to the 5 windows starting at (floor(t / 2 s) - i) * 2 s, i = 0..4 (epoch-aligned,
-- as Flink's windows with no offset).
WITH hop AS (
    SELECT b.auction,
           make_timestamp((epoch_us(b.dateTime) // 2000000 - i) * 2000000) AS window_start
    FROM bid b, range(0, 5) r(i)
),
counts AS (
    SELECT auction, window_start, count(*) AS num FROM hop GROUP BY auction, window_start
),
maxes AS (
    SELECT window_start, max(num) AS maxn FROM counts GROUP BY window_start
)
SELECT c.auction, c.num
FROM counts c JOIN maxes m ON c.window_start = m.window_start AND c.num >= m.maxn;
