SELECT rank() OVER w, row_number() OVER w FROM s WINDOW w AS (ORDER BY x);
