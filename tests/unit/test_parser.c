/*
 * test_parser.c — unit tests for the SQL lexer/parser (src/sql/parser.h).
 *
 * Covers: golden S-expressions (sl_ast_print_*) for every construct of the grammar, all
 * 22 TPC-H queries and the TPC-H schema (tests/tpch), error messages and positions for
 * bad input, the nesting-depth cap, statement splitting (sl_parse_statement offsets,
 * sl_sql_is_complete) and allocation-failure injection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "sql/ast.h"
#include "sql/parser.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond, ...)                                              \
    do {                                                              \
        checks++;                                                     \
        if (!(cond)) {                                                \
            failures++;                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n  ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                             \
            fprintf(stderr, "\n");                                    \
        }                                                             \
    } while (0)

static char print_buf[1 << 16];

/* Parses sql (exactly one statement) and compares its S-expression with expected. */
static void expect_tree(const char *sql, const char *expected)
{
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_ast_stmt **stmts = NULL;
    uint32_t count = 0;
    sl_error err;
    sl_status st = sl_parse_all(&arena, sql, &stmts, &count, &err);
    CHECK(st == SL_OK, "parse failed for: %s\n  error at %d: %s", sql, err.position, err.message);
    if (st == SL_OK) {
        CHECK(count == 1, "expected 1 statement, got %u: %s", count, sql);
        if (count >= 1) {
            sl_ast_print_stmt(stmts[0], print_buf, sizeof print_buf);
            CHECK(strcmp(print_buf, expected) == 0, "sql:      %s\n  expected: %s\n  got:      %s", sql, expected,
                  print_buf);
        }
    }
    sl_arena_free(&arena);
}

/* Parses sql, expects SL_ERR_SYNTAX at `position` with a message containing `message`. */
static void expect_error(const char *sql, int position, const char *message)
{
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_ast_stmt **stmts = NULL;
    uint32_t count = 0;
    sl_error err;
    sl_status st = sl_parse_all(&arena, sql, &stmts, &count, &err);
    CHECK(st == SL_ERR_SYNTAX, "expected a syntax error for: %s", sql);
    if (st == SL_ERR_SYNTAX) {
        CHECK(err.position == position, "sql: %s\n  expected position %d, got %d (%s)", sql, position, err.position,
              err.message);
        CHECK(strstr(err.message, message) != NULL, "sql: %s\n  expected message containing '%s', got '%s'", sql,
              message, err.message);
    }
    sl_arena_free(&arena);
}

static bool parses(const char *sql, uint32_t expected_count)
{
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_ast_stmt **stmts = NULL;
    uint32_t count = 0;
    sl_error err;
    sl_status st = sl_parse_all(&arena, sql, &stmts, &count, &err);
    CHECK(st == SL_OK, "parse failed (%d at %d: %s) for:\n%s", st, err.position, err.message, sql);
    CHECK(st != SL_OK || count == expected_count, "expected %u statements, got %u", expected_count, count);
    sl_arena_free(&arena);
    return st == SL_OK;
}

/* ------------------------------------------------------------------ golden trees */

static void test_select_core(void)
{
    expect_tree("SELECT 1", "(select (items 1))");
    expect_tree("select a, b+1 AS x, count(*) from t where a > 1 and not b group by a order by 2 desc limit 10",
                "(query (select (items a (as (+ b 1) x) (call count *)) (from (table t)) (where (and (> a 1) (not b))) "
                "(group-by a)) (order-by (2 desc)) (limit 10))");
    expect_tree("SELECT Foo, \"Bar\", `Baz` x, t.*, * FROM Sch.T",
                "(select (items foo \"Bar\" (as \"Baz\" x) t.* *) (from (table sch.t)))");
    expect_tree("SELECT DISTINCT a FROM t GROUP BY ALL HAVING count(*) > 1",
                "(select distinct (items a) (from (table t)) (group-by all) (having (> (call count *) 1)))");
    expect_tree("SELECT DISTINCT ON (a) a, b FROM t", "(select distinct (on a) (items a b) (from (table t)))");
    expect_tree("SELECT a FROM t ORDER BY a NULLS FIRST, b DESC NULLS LAST OFFSET 5 ROWS FETCH FIRST 3 ROWS ONLY",
                "(query (select (items a) (from (table t))) (order-by (a nulls-first) (b desc nulls-last)) (limit 3) "
                "(offset 5))");
    expect_tree("SELECT a FROM t LIMIT ALL OFFSET 2", "(query (select (items a) (from (table t))) (offset 2))");
    expect_tree("SELECT x AS \"select\", y AS from_, z AS order FROM t",
                "(select (items (as x \"select\") (as y from_) (as z order)) (from (table t)))");
    expect_tree("SELECT a FROM t QUALIFY row_number() OVER () = 1",
                "(select (items a) (from (table t)) (qualify (= (call row_number (over (window))) 1)))");
}

static void test_set_operations(void)
{
    /* INTERSECT binds tighter than UNION / EXCEPT */
    expect_tree("SELECT a FROM t UNION ALL SELECT b FROM u INTERSECT SELECT c FROM v EXCEPT SELECT d FROM w",
                "(except (union-all (select (items a) (from (table t))) (intersect (select (items b) (from (table u))) "
                "(select (items c) (from (table v))))) (select (items d) (from (table w))))");
    expect_tree("(SELECT 1 ORDER BY 1 LIMIT 1) UNION DISTINCT (SELECT 2) ORDER BY 1",
                "(query (union (query (select (items 1)) (order-by 1) (limit 1)) (select (items 2))) (order-by 1))");
    expect_tree("(SELECT a FROM t ORDER BY a LIMIT 2) ORDER BY a DESC",
                "(query (select (items *) (from (subquery (query (select (items a) (from (table t))) (order-by a) "
                "(limit 2))))) (order-by (a desc)))");
    expect_tree("VALUES (1, 'a'), (2, 'b')", "(values (1 'a') (2 'b'))");
    expect_tree("WITH x (a) AS (SELECT 1), y AS MATERIALIZED (SELECT 2) SELECT * FROM x, y",
                "(query (with (cte x a (select (items 1))) (cte y (select (items 2)))) (select (items *) (from (join "
                "cross (table x) (table y)))))");
    expect_tree("WITH RECURSIVE r AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT * FROM r",
                "(query (with-recursive (cte r (union-all (select (items 1)) (select (items (+ n 1)) (from (table "
                "r)))))) (select (items *) (from (table r))))");
}

static void test_from_clause(void)
{
    expect_tree("SELECT * FROM read_csv('f.csv', header = true, delim := '|') AS r(a, b)",
                "(select (items *) (from (table-function (call read_csv 'f.csv' (header := TRUE) (delim := '|')) (as r "
                "a b))))");
    expect_tree("SELECT * FROM generate_series(1, 10) g, range(5)",
                "(select (items *) (from (join cross (table-function (call generate_series 1 10) (as g)) "
                "(table-function (call range 5)))))");
    expect_tree("SELECT * FROM a JOIN b ON a.x = b.x LEFT OUTER JOIN c USING (x, y) RIGHT JOIN d ON true "
                "FULL JOIN e ON false CROSS JOIN f NATURAL JOIN g INNER JOIN h ON 1 = 1",
                "(select (items *) (from (join inner (natural-join inner (join cross (join full (join right (join left "
                "(join inner (table a) (table b) (on (= a.x b.x))) (table c) (using x y)) (table d) (on TRUE)) (table e) "
                "(on FALSE)) (table f)) (table g)) (table h) (on (= 1 1)))))");
    expect_tree("SELECT * FROM (SELECT 1) s, (VALUES (1), (2)) v(x), (a JOIN b USING (k))",
                "(select (items *) (from (join cross (join cross (subquery (select (items 1)) (as s)) (subquery (values "
                "(1) (2)) (as v x))) (join inner (table a) (table b) (using k)))))");
    expect_tree("SELECT * FROM t AS x (a), u y", "(select (items *) (from (join cross (table t (as x a)) (table u (as y)))))");
}

static void test_expressions(void)
{
    expect_tree("SELECT 1.5, 1e10, .5, 'it''s', E'a\\tb', TRUE, FALSE, NULL, -5, - 2.5, -x, +x, $1, ?, ?",
                "(select (items 1.5 1e10 .5 'it''s' 'a\tb' TRUE FALSE NULL -5 -2.5 (neg x) (pos x) $1 ?1 ?2))");
    expect_tree("SELECT DATE '1998-12-01', TIMESTAMP '2020-01-01 00:00:00', INTERVAL '3' DAY, INTERVAL '90 days', "
                "INTERVAL '1' YEAR, INTERVAL 3 MONTH, INTERVAL '1-2' YEAR TO MONTH, "
                "TIMESTAMP WITH TIME ZONE '2020-01-01'",
                "(select (items (date '1998-12-01') (timestamp '2020-01-01 00:00:00') (interval '3' day) "
                "(interval '90 days') (interval '1' year) (interval '3' month) (interval '1-2' year to month) "
                "(timestamp with time zone '2020-01-01')))");
    expect_tree("SELECT CASE WHEN a THEN 1 ELSE 2 END, CASE x WHEN 1 THEN 'a' END",
                "(select (items (case (when a 1) (else 2)) (case x (when 1 'a'))))");
    expect_tree("SELECT CAST(x AS DECIMAL(15,2)), TRY_CAST(y AS VARCHAR(25)), z::double precision, "
                "w::TIMESTAMP WITHOUT TIME ZONE, -x::int, v::int[]",
                "(select (items (cast x decimal(15,2)) (try-cast y varchar(25)) (cast z double precision) "
                "(cast w timestamp) (neg (cast x int)) (cast v int[])))");
    expect_tree("SELECT EXTRACT(year FROM d), SUBSTRING(s FROM 1 FOR 3), substring(s, 2), SUBSTRING(s FOR 2), "
                "POSITION('a' IN s), TRIM(BOTH 'x' FROM s), TRIM(LEADING FROM s), trim(TRAILING 'y' FROM s), trim(s)",
                "(select (items (call extract 'year' d) (call substring s 1 3) (call substring s 2) "
                "(call substring s 1 2) (call strpos s 'a') (call trim s 'x') (call ltrim s) (call rtrim s 'y') "
                "(call trim s)))");
    expect_tree("SELECT COALESCE(a, b), NULLIF(a, 1), current_date, current_timestamp, now(), left(s, 2)",
                "(select (items (call coalesce a b) (call nullif a 1) (call current_date) (call current_timestamp) "
                "(call now) (call left s 2)))");
    expect_tree("SELECT a IS NULL, a IS NOT NULL, a ISNULL, a NOTNULL, a IS TRUE, a IS NOT FALSE, a IS UNKNOWN",
                "(select (items (is-null a) (is-not-null a) (is-null a) (is-not-null a) (is-true a) (is-not-false a) "
                "(is-unknown a)))");
    expect_tree("SELECT a IS DISTINCT FROM b, a IS NOT DISTINCT FROM b, a NOT BETWEEN 1 AND 2, a BETWEEN b AND c + 1",
                "(select (items (is-distinct-from a b) (is-not-distinct-from a b) (not-between a 1 2) "
                "(between a b (+ c 1))))");
    expect_tree("SELECT a IN (1, 2), a NOT IN (SELECT b FROM t), EXISTS (SELECT 1), NOT EXISTS (SELECT 1), (SELECT 1)",
                "(select (items (in a (1 2)) (not-in-subquery a (select (items b) (from (table t)))) "
                "(exists (select (items 1))) (not (exists (select (items 1)))) (scalar (select (items 1)))))");
    expect_tree("SELECT a = ANY (SELECT b FROM t), a > ALL (SELECT 1), a < SOME (SELECT 2)",
                "(select (items (any = a (select (items b) (from (table t)))) (all > a (select (items 1))) "
                "(any < a (select (items 2)))))");
    expect_tree("SELECT a NOT LIKE 'x%' ESCAPE '!', a ILIKE 'y', a NOT ILIKE 'z', a SIMILAR TO 'q', a GLOB 'g*'",
                "(select (items (not-like a 'x%' (escape '!')) (ilike a 'y') (not-ilike a 'z') (similar-to a 'q') "
                "(glob a 'g*')))");
    /* precedence */
    expect_tree("SELECT a || b || 'c', 2 ^ 3 ^ 2, -2 ^ 2, 1 + 2 * 3 - 4 / 5 % 6, a != b, a <> b, a == b",
                "(select (items (|| (|| a b) 'c') (^ (^ 2 3) 2) (^ -2 2) (- (+ 1 (* 2 3)) (% (/ 4 5) 6)) (<> a b) "
                "(<> a b) (= a b)))");
    expect_tree("SELECT NOT a = b AND c OR d, a = b IS NULL, NOT a IS NULL, a + 1 BETWEEN 2 AND 3 = true",
                "(select (items (or (and (not (= a b)) c) d) (is-null (= a b)) (not (is-null a)) "
                "(= (between (+ a 1) 2 3) TRUE)))");
    expect_tree("SELECT a || b LIKE 'x', a < b + 1, x[1], x[1:2], (r).f, a & b, a << 2, a*-1",
                "(select (items (like (|| a b) 'x') (< a (+ b 1)) (index x 1) (slice x 1 2) (field r f) (& a b) "
                "(<< a 2) (* a -1)))");
}

static void test_functions_and_windows(void)
{
    expect_tree("SELECT sum(x) FILTER (WHERE y > 1), count(DISTINCT x), string_agg(x, ',' ORDER BY y DESC NULLS LAST), "
                "f(a := 1, b => 2), percentile_cont(0.5) WITHIN GROUP (ORDER BY x)",
                "(select (items (call sum x (filter (> y 1))) (call count distinct x) (call string_agg x ',' (order-by "
                "(y desc nulls-last))) (call f (a := 1) (b := 2)) (call percentile_cont 0.5 (order-by x))))");
    expect_tree("SELECT row_number() OVER (PARTITION BY a ORDER BY b ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), "
                "sum(x) OVER w, lag(x, 1) OVER (w ORDER BY c RANGE 3 PRECEDING), "
                "avg(x) OVER (ORDER BY t RANGE BETWEEN INTERVAL '1' DAY PRECEDING AND UNBOUNDED FOLLOWING), "
                "first_value(x IGNORE NULLS) OVER (ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING EXCLUDE TIES) "
                "FROM t WINDOW w AS (PARTITION BY a), w2 AS (w)",
                "(select (items (call row_number (over (window (partition-by a) (order-by b) (rows unbounded-preceding "
                "current-row)))) (call sum x (over (window (ref w)))) (call lag x 1 (over (window (ref w) (order-by c) "
                "(range (3 preceding) current-row)))) (call avg x (over (window (order-by t) (range ((interval '1' day) "
                "preceding) unbounded-following)))) (call first_value x ignore-nulls (over (window (rows (1 preceding) "
                "(2 following) exclude-ties))))) (from (table t)) (window w (partition-by a)) (window w2 (ref w)))");
}

static void test_statements(void)
{
    expect_tree("CREATE TABLE IF NOT EXISTS t (a INTEGER NOT NULL PRIMARY KEY, b VARCHAR(25), c DECIMAL(15,2) DEFAULT 0, "
                "d DOUBLE PRECISION, e TIMESTAMP WITHOUT TIME ZONE, f INT NULL, PRIMARY KEY (a))",
                "(create-table if-not-exists t (column a integer not-null primary-key) (column b varchar(25)) (column c "
                "decimal(15,2) (default 0)) (column d double precision) (column e timestamp) (column f int) "
                "(primary-key a))");
    expect_tree("CREATE TABLE u AS SELECT 1", "(create-table u (as (select (items 1))))");
    expect_tree("CREATE OR REPLACE TABLE u (x) AS SELECT 1", "(create-table or-replace u (columns x) (as (select (items 1))))");
    expect_tree("CREATE OR REPLACE VIEW v (x) AS SELECT a FROM t",
                "(create-view or-replace v (columns x) (select (items a) (from (table t))))");
    expect_tree("DROP TABLE IF EXISTS t, s.u CASCADE", "(drop-table if-exists t s.u cascade)");
    expect_tree("DROP VIEW v", "(drop-view v)");
    expect_tree("INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y')", "(insert t (columns a b) (values (1 'x') (2 'y')))");
    expect_tree("INSERT INTO t SELECT * FROM u", "(insert t (select (items *) (from (table u))))");
    expect_tree("INSERT INTO t (SELECT 1)", "(insert t (select (items 1)))");
    expect_tree("INSERT INTO t DEFAULT VALUES", "(insert t default-values)");
    expect_tree("COPY t (a) FROM 'f.csv' (FORMAT csv, HEADER, DELIMITER ',', FORCE_QUOTE (a, b))",
                "(copy t (columns a) from 'f.csv' (format 'csv') (header) (delimiter ',') (force_quote ('a' 'b')))");
    expect_tree("COPY (SELECT 1) TO 'out.csv' WITH (FORMAT 'csv', HEADER true, \"Quote\" = '\"')",
                "(copy (select (items 1)) to 'out.csv' (format 'csv') (header TRUE) (quote '\"'))");
    expect_tree("COPY t TO 'x.csv' CSV HEADER DELIMITER '|'", "(copy t to 'x.csv' (csv) (header) (delimiter '|'))");
    expect_tree("EXPLAIN ANALYZE SELECT 1", "(explain analyze (select (items 1)))");
    expect_tree("EXPLAIN SELECT 2", "(explain (select (items 2)))");
    expect_tree("SET threads = 4", "(set threads 4)");
    expect_tree("SET GLOBAL memory_limit TO '1GB'", "(set global memory_limit '1GB')");
    expect_tree("SET SESSION x TO on", "(set session x 'on')");
    expect_tree("SET x = DEFAULT", "(set x default)");
    expect_tree("SET TIME ZONE 'UTC'", "(set timezone 'UTC')");
    expect_tree("RESET threads", "(reset threads)");
    expect_tree("RESET ALL", "(reset all)");
    expect_tree("SHOW threads", "(show threads)");
    expect_tree("SHOW TABLES", "(show-tables)");
    expect_tree("SHOW ALL TABLES", "(show-all-tables)");
    expect_tree("DESCRIBE t", "(describe t)");
    expect_tree("DESCRIBE SELECT 1", "(describe (select (items 1)))");
}

/* ------------------------------------------------------------------ details beyond the tree */

static void test_details(void)
{
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_error err;
    sl_ast_stmt *stmt;
    size_t end;

    /* identifiers: folding and the quoted flag */
    const char *sql = "SELECT MyCol, \"MyCol\" FROM T";
    CHECK(sl_parse_statement(&arena, sql, 0, &stmt, &end, &err) == SL_OK, "%s", err.message);
    sl_ast_select_core *core = &stmt->select.query->select;
    CHECK(strcmp(core->items[0].expr->column.name.parts[0].name, "mycol") == 0, "folded");
    CHECK(!core->items[0].expr->column.name.parts[0].quoted, "unquoted");
    CHECK(strcmp(core->items[1].expr->column.name.parts[0].name, "MyCol") == 0, "quoted kept");
    CHECK(core->items[1].expr->column.name.parts[0].quoted, "quoted flag");
    CHECK(core->items[1].expr->position == 14, "position %d", core->items[1].expr->position);
    CHECK(core->from->position == 27, "from position %d", core->from->position);

    /* statement splitting: offsets, spans, trailing comments */
    sql = "SELECT 1; /* c */ SELECT 2 -- two\n ; -- end\n";
    CHECK(sl_parse_statement(&arena, sql, 0, &stmt, &end, &err) == SL_OK && stmt, "first");
    CHECK(end == 9, "end after first ';' = %zu", end);
    CHECK(stmt->start == 0 && stmt->end == 8, "span %d..%d", stmt->start, stmt->end);
    CHECK(sl_parse_statement(&arena, sql, end, &stmt, &end, &err) == SL_OK && stmt, "second");
    CHECK(stmt && stmt->start == 18 && stmt->end == 26, "span %d..%d", stmt ? stmt->start : -1, stmt ? stmt->end : -1);
    CHECK(end == 36, "end after second ';' = %zu", end);
    CHECK(sl_parse_statement(&arena, sql, end, &stmt, &end, &err) == SL_OK && stmt == NULL, "only a comment remains");
    CHECK(end == strlen(sql), "end at length");

    sl_ast_stmt **stmts;
    uint32_t count;
    CHECK(sl_parse_all(&arena, ";; SELECT 1;;; SELECT 2 ;", &stmts, &count, &err) == SL_OK && count == 2, "count %u",
          count);
    CHECK(sl_parse_all(&arena, "  -- nothing\n", &stmts, &count, &err) == SL_OK && count == 0, "empty script");

    /* CREATE VIEW keeps the query text */
    sql = "CREATE VIEW v AS SELECT a,  b FROM t WHERE a > 1 ; SELECT 1";
    CHECK(sl_parse_statement(&arena, sql, 0, &stmt, &end, &err) == SL_OK, "%s", err.message);
    CHECK(strcmp(stmt->create_view.query_text, "SELECT a,  b FROM t WHERE a > 1") == 0, "view text '%s'",
          stmt->create_view.query_text);

    /* literal text kept for the binder */
    sl_ast_expr *e;
    CHECK(sl_parse_expression(&arena, "-9223372036854775808", &e, &err) == SL_OK, "%s", err.message);
    CHECK(e->kind == SL_AST_EXPR_CONSTANT && e->constant.kind == SL_AST_CONST_INTEGER &&
              strcmp(e->constant.text, "-9223372036854775808") == 0, "negative literal folded");
    CHECK(sl_parse_expression(&arena, "2.50", &e, &err) == SL_OK && e->constant.kind == SL_AST_CONST_DECIMAL &&
              strcmp(e->constant.text, "2.50") == 0, "decimal text");
    CHECK(sl_parse_expression(&arena, "2.5e-3", &e, &err) == SL_OK && e->constant.kind == SL_AST_CONST_FLOAT,
          "float literal");
    CHECK(sl_parse_expression(&arena, "E'\\x41\\u00e9\\''", &e, &err) == SL_OK &&
              strcmp(e->constant.text, "A\xc3\xa9'") == 0, "escape string");
    CHECK(sl_parse_expression(&arena, "a + ", &e, &err) == SL_ERR_SYNTAX && err.position == 4, "expr error");

    /* sl_sql_is_complete */
    CHECK(sl_sql_is_complete("SELECT 1;"), "complete");
    CHECK(!sl_sql_is_complete("SELECT 1"), "no ;");
    CHECK(!sl_sql_is_complete("SELECT ';'"), "; in string");
    CHECK(!sl_sql_is_complete("SELECT \"a;\" -- ;\n"), "; in identifier and comment");
    CHECK(!sl_sql_is_complete("SELECT /* ; /* ; */ ; */ 1"), "; in nested comment");
    CHECK(sl_sql_is_complete("SELECT 'it''s'; "), "doubled quote");
    CHECK(sl_sql_is_complete("SELECT E'\\';'; "), "E string escape");
    CHECK(!sl_sql_is_complete("SELECT 'abc;"), "open string");
    sl_arena_free(&arena);
}

static void test_errors(void)
{
    expect_error("SELECT * FORM t", 9, "syntax error at or near \"FORM\"");
    expect_error("SELECT a FROM t WHERE", 21, "syntax error at end of input");
    expect_error("SELECT (1 + 2", 13, "syntax error at end of input");
    expect_error("SELECT 'abc", 7, "unterminated quoted string");
    expect_error("SELECT \"abc", 7, "unterminated quoted identifier");
    expect_error("SELECT \"\" FROM t", 7, "zero-length delimited identifier");
    expect_error("SELECT 1 = 2 = 3", 13, "syntax error at or near \"=\"");
    expect_error("SELECT * FROM t JOIN u", 22, "syntax error at end of input");
    expect_error("SELECT * FROM t JOIN u WHERE x", 23, "syntax error at or near \"WHERE\"");
    expect_error("SELECT #", 7, "syntax error at or near \"#\"");
    expect_error("VALUES (1), (1, 2)", 12, "VALUES lists must all be the same length");
    expect_error("SELECT 12abc", 7, "trailing junk");
    expect_error("CREATE TABLE t", 14, "syntax error at end of input");
    expect_error("CREATE INDEX i ON t (a)", 7, "syntax error at or near \"INDEX\"");
    expect_error("SELECT $0", 7, "out of range");
    expect_error("SELECT select FROM t", 7, "syntax error at or near \"select\"");
    expect_error("SELECT 1; SELEC 2", 10, "syntax error at or near \"SELEC\"");
    expect_error("SELECT 1 2", 9, "syntax error at or near \"2\"");
    expect_error("SELECT CASE END", 12, "syntax error at or near \"END\"");
    expect_error("SELECT a FROM t GROUP a", 22, "syntax error at or near \"a\"");
    expect_error("INSERT INTO t VALUES (1", 23, "syntax error at end of input");
    expect_error("COPY t FROM 'x' WITH (FORMAT =)", 30, "syntax error at or near \")\"");
    expect_error("SELECT cast(1 AS)", 16, "syntax error at or near \")\"");
    expect_error("SELECT x::decimal(99999999999)", 18, "out of range");
}

static void test_depth_limit(void)
{
    /* 5000 nested parentheses, unary minus, NOT, subqueries: a clean error, never a crash */
    const char *shapes[][3] = {
        { "SELECT ", "(", ")" },
        { "SELECT ", "- ", "" },
        { "SELECT ", "NOT ", "" },
        { "SELECT * FROM ", "(SELECT * FROM ", ")" },
        { "SELECT ", "f(", ")" },
        { "SELECT ", "CASE WHEN ", " THEN 1 END" },
    };
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        size_t n = 5000;
        size_t open = strlen(shapes[s][1]), close = strlen(shapes[s][2]);
        char *sql = malloc(strlen(shapes[s][0]) + n * (open + close) + 8);
        size_t at = (size_t)sprintf(sql, "%s", shapes[s][0]);
        for (size_t i = 0; i < n; i++, at += open)
            memcpy(sql + at, shapes[s][1], open);
        sql[at++] = 't';
        for (size_t i = 0; i < n; i++, at += close)
            memcpy(sql + at, shapes[s][2], close);
        sql[at] = '\0';
        sl_arena arena;
        sl_arena_init(&arena, 0);
        sl_ast_stmt **stmts;
        uint32_t count;
        sl_error err;
        sl_status st = sl_parse_all(&arena, sql, &stmts, &count, &err);
        CHECK(st == SL_ERR_SYNTAX && strstr(err.message, "nested too deeply"), "shape %zu: %d %s", s, st, err.message);
        sl_arena_free(&arena);
        free(sql);
    }
    /* moderately deep input still parses */
    char sql[4096];
    int at = sprintf(sql, "SELECT ");
    for (int i = 0; i < 500; i++)
        sql[at++] = '(';
    sql[at++] = '1';
    for (int i = 0; i < 500; i++)
        sql[at++] = ')';
    sql[at] = '\0';
    parses(sql, 1);
}

/* ------------------------------------------------------------------ TPC-H */

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    size_t n = fread(text, 1, (size_t)size, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* tests/tpch, found relative to this source file. */
static void tpch_dir(char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", __FILE__);
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(buf, cap, ".");
    size_t len = strlen(buf);
    snprintf(buf + len, cap - len, "/../tpch");
}

static void test_tpch(void)
{
    char dir[1024], path[1200];
    tpch_dir(dir, sizeof dir);
    int found = 0;
    for (int q = 1; q <= 22; q++) {
        snprintf(path, sizeof path, "%s/queries/q%02d.sql", dir, q);
        char *text = read_text(path);
        if (!text)
            continue;
        found++;
        if (!parses(text, 1))
            fprintf(stderr, "  (TPC-H query %d)\n", q);
        free(text);
    }
    CHECK(found == 22, "found %d of 22 TPC-H queries under %s/queries", found, dir);
    snprintf(path, sizeof path, "%s/schema.sql", dir);
    char *schema = read_text(path);
    CHECK(schema != NULL, "schema %s", path);
    if (schema) {
        parses(schema, 8);
        free(schema);
    }
}

/* ------------------------------------------------------------------ allocation failures */

static const char *const fault_sql =
    "WITH r AS (SELECT l_suppkey AS s, sum(l_extendedprice * (1 - l_discount)) AS total FROM lineitem "
    "WHERE l_shipdate >= DATE '1996-01-01' AND l_shipdate < DATE '1996-01-01' + INTERVAL '3' MONTH GROUP BY 1) "
    "SELECT s_name, CASE WHEN total > 10 THEN 'x' ELSE 'y' END, row_number() OVER (PARTITION BY s ORDER BY total) "
    "FROM supplier JOIN r ON s_suppkey = s WHERE s_name LIKE 'a%' AND total IN (1, 2, 3) "
    "AND EXISTS (SELECT 1 FROM t) ORDER BY s_name LIMIT 10; COPY t TO 'f' (FORMAT csv, HEADER)";

static void test_allocation_failures(void)
{
    bool succeeded = false;
    for (int64_t n = 1; n < 10000 && !succeeded; n++) {
        sl_arena arena;
        sl_arena_init(&arena, 256);
        sl_ast_stmt **stmts;
        uint32_t count;
        sl_error err;
        sl_alloc_fail_after(n);
        sl_status st = sl_parse_all(&arena, fault_sql, &stmts, &count, &err);
        sl_alloc_fail_after(0);
        CHECK(st == SL_OK || st == SL_ERR_OOM, "allocation failure %lld gave status %d (%s)", (long long)n, st,
              err.message);
        succeeded = st == SL_OK;
        sl_arena_free(&arena);
    }
    CHECK(succeeded, "parse never succeeded under fault injection");
}

/* Window table functions (both syntaxes), EMIT and backtick escapes. */
static void test_window_tables(void)
{
    expect_tree("SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND)) AS w(a)",
                "(select (items *) (from (window-tumble (table bid) \"dateTime\" (size (interval '10' second)) "
                "(as w a))))");
    expect_tree("SELECT * FROM TABLE(HOP(DATA => TABLE b, SIZE => INTERVAL '10' SECOND, TIMECOL => DESCRIPTOR(ts), "
                "SLIDE => INTERVAL '2' SECOND, OFFSET => INTERVAL '1' SECOND))",
                "(select (items *) (from (window-hop (table b) ts (slide (interval '2' second)) "
                "(size (interval '10' second)) (offset (interval '1' second)))))");
    expect_tree("SELECT * FROM TABLE(SESSION(TABLE b PARTITION BY k, j + 1, DESCRIPTOR(ts), INTERVAL '5' SECOND))",
                "(select (items *) (from (window-session (table b) ts (partition-by k (+ j 1)) "
                "(size (interval '5' second)))))");
    expect_tree("SELECT * FROM CUMULATE(b, ts, INTERVAL '2' SECOND, INTERVAL '10' SECOND, INTERVAL '1' SECOND) w",
                "(select (items *) (from (window-cumulate (table b) ts (slide (interval '2' second)) "
                "(size (interval '10' second)) (offset (interval '1' second)) (as w))))");
    expect_tree("SELECT `a``b` FROM `t``` EMIT CHANGES",
                "(query (select (items \"a`b\") (from (table \"t`\"))) (emit changes))");
    expect_tree("SELECT k FROM t GROUP BY k EMIT ON WINDOW CLOSE ORDER BY k",
                "(query (select (items k) (from (table t)) (group-by k)) (order-by k) (emit on-window-close))");
    expect_error("SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts)))", 20, "TUMBLE needs the arguments");
    expect_error("SELECT * FROM HOP(t, ts, INTERVAL '1' SECOND, INTERVAL '2' SECOND, SIZE => INTERVAL '1' SECOND)",
                 67, "the SIZE argument of HOP is given twice");
    expect_error("SELECT * FROM t EMIT CHANGES EMIT ON WINDOW CLOSE", 29, "EMIT given twice");
}

int main(void)
{
    test_select_core();
    test_set_operations();
    test_from_clause();
    test_window_tables();
    test_expressions();
    test_functions_and_windows();
    test_statements();
    test_details();
    test_errors();
    test_depth_limit();
    test_tpch();
    test_allocation_failures();
    if (failures) {
        fprintf(stderr, "test_parser: %d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("test_parser: all %d checks passed\n", checks);
    return 0;
}
