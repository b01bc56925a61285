-- Nexmark q22 (URL directories): Flink's SPLIT_INDEX(s, d, i) is 0-based and NULL past the
-- last field (or for an empty s); DuckDB lists are 1-based.
SELECT auction, bidder, price, channel,
       CASE WHEN url <> '' AND len(string_split(url, '/')) > 3 THEN string_split(url, '/')[4] END AS dir1,
       CASE WHEN url <> '' AND len(string_split(url, '/')) > 4 THEN string_split(url, '/')[5] END AS dir2,
       CASE WHEN url <> '' AND len(string_split(url, '/')) > 5 THEN string_split(url, '/')[6] END AS dir3
FROM bid;
