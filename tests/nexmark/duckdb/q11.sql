-- Nexmark q11 (user sessions): SESSION(10 s) per bidder with window functions. Flink merges
-- the windows [t, t + gap] of consecutive rows when they touch (TimeWindow.intersects is
-- inclusive), so a new session starts only when the gap to the previous bid is > 10 s.
-- SESSION_END is the last bid's time + gap.
WITH flagged AS (
    SELECT bidder, dateTime,
           CASE WHEN dateTime - lag(dateTime) OVER w <= INTERVAL 10 SECOND THEN 0 ELSE 1 END AS starts
    FROM bid
    WINDOW w AS (PARTITION BY bidder ORDER BY dateTime)
),
numbered AS (
    SELECT bidder, dateTime,
           sum(starts) OVER (PARTITION BY bidder ORDER BY dateTime ROWS UNBOUNDED PRECEDING) AS session_id
    FROM flagged
)
SELECT bidder, count(*) AS bid_count, min(dateTime) AS starttime, max(dateTime) + INTERVAL 10 SECOND AS endtime
FROM numbered
GROUP BY bidder, session_id;
