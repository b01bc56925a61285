-- Nexmark q21 (channel id): Flink's REGEXP_EXTRACT is NULL when the pattern does not match
-- (DuckDB's regexp_extract gives ''), hence the regexp_matches guard.
SELECT auction, bidder, price, channel,
       CASE
           WHEN lower(channel) = 'apple' THEN '0'
           WHEN lower(channel) = 'google' THEN '1'
           WHEN lower(channel) = 'facebook' THEN '2'
           WHEN lower(channel) = 'baidu' THEN '3'
           ELSE CASE WHEN regexp_matches(url, '(&|^)channel_id=([^&]*)')
                     THEN regexp_extract(url, '(&|^)channel_id=([^&]*)', 2) END
       END AS channel_id
FROM bid
WHERE regexp_matches(url, '(&|^)channel_id=([^&]*)')
   OR lower(channel) IN ('apple', 'google', 'facebook', 'baidu');
