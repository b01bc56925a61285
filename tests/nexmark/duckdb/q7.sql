-- Nexmark q7 (highest bid): TUMBLE(10 s) made explicit; the join is a regular join whose
-- final result is the batch join.
WITH maxes AS (
    SELECT max(price) AS maxprice,
           make_timestamp((epoch_us(dateTime) // 10000000) * 10000000 + 10000000) AS window_end
    FROM bid
    GROUP BY window_end
)
SELECT B.auction, B.price, B.bidder, B.dateTime, B.extra
FROM bid B JOIN maxes B1 ON B.price = B1.maxprice
WHERE B.dateTime BETWEEN B1.window_end - INTERVAL 10 SECOND AND B1.window_end;
