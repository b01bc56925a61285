CREATE TABLE t2 AS SELECT * FROM read_csv('data.csv', header = true, delim = '|');
