-- -------------------------------------------------------------------------------------------------
-- Query 14: Calculation (Not in original suite)
-- -------------------------------------------------------------------------------------------------
-- Convert bid timestamp into types and find bids with specific price.
-- Illustrates duplicate expressions and usage of user-defined-functions.
-- -------------------------------------------------------------------------------------------------

-- Sluice: the published query also selects `count_char(extra, 'c') AS c_counts`, a Java UDF
-- registered with `CREATE FUNCTION count_char AS 'com.github.nexmark.flink.udf.CountChar'`;
-- both are left out here, the rest is as published.

SELECT
    auction,
    bidder,
    0.908 * price as price,
    CASE
        WHEN HOUR(`dateTime`) >= 8 AND HOUR(`dateTime`) <= 18 THEN 'dayTime'
        WHEN HOUR(`dateTime`) <= 6 OR HOUR(`dateTime`) >= 20 THEN 'nightTime'
        ELSE 'otherTime'
    END AS bidTimeType,
    `dateTime`,
    extra
FROM bid
WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000;
