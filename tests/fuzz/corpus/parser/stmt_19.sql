SELECT 'it''s', "quoted ident", E'\n', $1, ?, -- comment
