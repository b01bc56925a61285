/* block comment */ SELECT 1.5e10, .5, 0x10, 1_000;
