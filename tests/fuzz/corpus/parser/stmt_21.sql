SELECT name LIKE 'a%' ESCAPE '\', name ILIKE '%B', name SIMILAR TO 'x', regexp_matches(name, '^a') FROM t;
