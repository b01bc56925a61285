COPY (SELECT * FROM t) TO 'out.json' (FORMAT json);
