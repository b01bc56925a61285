CREATE VIEW v AS SELECT k, count(*) FROM t GROUP BY k HAVING count(*) > 1;
