INSERT INTO t (a, b) SELECT x, y FROM u;
