SET threads = 4; SET memory_limit = '1GB';
