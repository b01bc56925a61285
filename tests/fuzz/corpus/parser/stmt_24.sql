SELECT count(DISTINCT x), string_agg(s, ',' ORDER BY s), sum(x) FILTER (WHERE x > 0) FROM t;
