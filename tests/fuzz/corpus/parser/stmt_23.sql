SELECT date_trunc('month', ts), ts + INTERVAL '1 day', INTERVAL 3 HOUR, extract(year FROM d) FROM t;
