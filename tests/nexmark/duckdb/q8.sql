-- Nexmark q8 (monitor new users): TUMBLE(10 s) on person and auction made explicit.
WITH P AS (
    SELECT id, name, make_timestamp((epoch_us(dateTime) // 10000000) * 10000000) AS starttime
    FROM person
    GROUP BY id, name, starttime
),
A AS (
    SELECT seller, make_timestamp((epoch_us(dateTime) // 10000000) * 10000000) AS starttime
    FROM auction
    GROUP BY seller, starttime
)
SELECT P.id, P.name, P.starttime
FROM P JOIN A ON P.id = A.seller AND P.starttime = A.starttime;
