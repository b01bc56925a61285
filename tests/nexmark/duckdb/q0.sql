-- Nexmark q0 (pass through) in DuckDB over the exported tables.
SELECT auction, bidder, price, dateTime, extra FROM bid;
