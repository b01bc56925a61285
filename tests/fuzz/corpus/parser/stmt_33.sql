SELECT coalesce(NULL, 1), nullif(1, 1), greatest(1, 2), least(3, 4);
