-- Nexmark q4 (average winning price per category). AVG is DOUBLE here and in Sluice;
-- Flink's AVG(BIGINT) returns a (truncated) BIGINT.
SELECT Q.category, AVG(Q.final)
FROM (
    SELECT MAX(B.price) AS final, A.category
    FROM auction A JOIN bid B ON A.id = B.auction
    WHERE B.dateTime BETWEEN A.dateTime AND A.expires
    GROUP BY A.id, A.category
) Q
GROUP BY Q.category;
