-- Nexmark q2 (selection): MOD is % (sign of the dividend in both engines).
SELECT auction, price FROM bid WHERE auction % 123 = 0;
