SELECT a.b.c, t.*, * EXCLUDE (x) FROM s.t AS a;
