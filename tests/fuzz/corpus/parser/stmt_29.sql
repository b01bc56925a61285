SELECT -(-(-(1))), NOT NOT true, 1 + 2 * 3 - 4 / 5 % 6, 2 ^ 3, 'a' || 'b';
