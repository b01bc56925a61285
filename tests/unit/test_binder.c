/*
 * test_binder.c — the binder: SQL text is parsed and bound against a catalog holding the
 * eight TPC-H tables (created through bound CREATE TABLE statements), and the resulting
 * logical plans, output names, types and error messages are checked. All 22 TPC-H
 * queries (tests/tpch/queries) must bind. Set SL_TEST_VERBOSE=1 to print the plans.
 */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "check.h"
#include "sql/binder.h"
#include "sql/parser.h"

static sl_catalog *catalog;
static bool verbose;

typedef struct bound {
    sl_arena arena;
    sl_plan_context ctx;
    sl_bound_statement *stmt;
    sl_error err;
    sl_status status;
    char plan[16384];
} bound;

/* Parses and binds one statement; the result lives until unbind(). */
static bound *bind_sql(const char *sql)
{
    bound *b = calloc(1, sizeof *b);
    sl_arena_init(&b->arena, 0);
    b->ctx.arena = &b->arena;
    sl_error_clear(&b->err);
    sl_ast_stmt *stmt;
    size_t end;
    b->status = sl_parse_statement(&b->arena, sql, 0, &stmt, &end, &b->err);
    if (b->status != SL_OK)
        return b;
    sl_eval_context eval = { NULL, 0, 86400000000LL * 365, NULL };
    sl_value params[2];
    params[0] = sl_value_int(SL_TYPE_INTEGER, 7);
    params[1] = sl_value_double(2.5);
    sl_bind_options opts = { params, 2, &eval };
    b->status = sl_bind_statement(&b->ctx, catalog, stmt, sql, &opts, &b->stmt, &b->err);
    if (b->status == SL_OK && b->stmt->plan)
        sl_logical_to_string(b->stmt->plan, b->plan, sizeof b->plan);
    if (verbose)
        fprintf(stderr, "%s\n%s%s\n", sql, b->status == SL_OK ? b->plan : "", b->status ? b->err.message : "");
    return b;
}

static void unbind(bound *b)
{
    sl_arena_free(&b->arena);
    free(b);
}

static void expect_ok(const char *sql)
{
    bound *b = bind_sql(sql);
    if (b->status != SL_OK)
        fprintf(stderr, "bind failed: %s\n  %s\n", sql, b->err.message);
    CHECK_OK(b->status);
    unbind(b);
}

static void expect_error(const char *sql, sl_status code, const char *fragment)
{
    bound *b = bind_sql(sql);
    CHECK_EQ_INT(b->status, code);
    if (b->status != SL_OK && !strstr(b->err.message, fragment))
        fprintf(stderr, "unexpected message for %s: %s\n", sql, b->err.message);
    CHECK(b->status != SL_OK && strstr(b->err.message, fragment) != NULL);
    unbind(b);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    fclose(f);
    return s;
}

static char source_dir[1024];

static void setup_catalog(void)
{
    catalog = sl_catalog_new();
    char path[1200];
    snprintf(path, sizeof path, "%s/../tpch/schema.sql", source_dir);
    char *schema = read_file(path);
    CHECK(schema != NULL);
    if (!schema)
        return;
    size_t offset = 0;
    for (;;) {
        sl_arena arena;
        sl_arena_init(&arena, 0);
        sl_plan_context ctx = { &arena, 0 };
        sl_ast_stmt *stmt;
        size_t end;
        sl_error err;
        CHECK_OK(sl_parse_statement(&arena, schema, offset, &stmt, &end, &err));
        if (!stmt) {
            sl_arena_free(&arena);
            break;
        }
        sl_bound_statement *bs;
        CHECK_OK(sl_bind_statement(&ctx, catalog, stmt, schema, NULL, &bs, &err));
        CHECK_EQ_INT(bs->kind, SL_BOUND_CREATE_TABLE);
        sl_table *t;
        CHECK_OK(sl_catalog_create_table(catalog, bs->table_name, bs->column_defs, bs->column_def_count, false, &t,
                                         &err));
        sl_arena_free(&arena);
        offset = end;
    }
    free(schema);
    sl_error err;
    sl_column_def cols[3] = { { "a", { SL_TYPE_INTEGER, 0, 0 }, false },
                              { "b", { SL_TYPE_VARCHAR, 0, 0 }, false },
                              { "c", { SL_TYPE_DOUBLE, 0, 0 }, false } };
    sl_table *t;
    CHECK_OK(sl_catalog_create_table(catalog, "t", cols, 3, false, &t, &err));
    sl_column_def cols2[2] = { { "a", { SL_TYPE_INTEGER, 0, 0 }, false }, { "d", { SL_TYPE_BIGINT, 0, 0 }, false } };
    CHECK_OK(sl_catalog_create_table(catalog, "u", cols2, 2, false, &t, &err));
    CHECK_OK(sl_catalog_create_view(catalog, "v", "SELECT a, b FROM t WHERE a > 1", NULL, 0, false, &err));
}

static void test_tpch(void)
{
    for (int q = 1; q <= 22; q++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/../tpch/queries/q%02d.sql", source_dir, q);
        char *sql = read_file(path);
        CHECK(sql != NULL);
        if (!sql)
            continue;
        bound *b = bind_sql(sql);
        if (b->status != SL_OK)
            fprintf(stderr, "TPC-H q%02d: %s (at %d)\n", q, b->err.message, b->err.position);
        CHECK_OK(b->status);
        if (b->status == SL_OK)
            CHECK(b->stmt->kind == SL_BOUND_SELECT && b->stmt->column_count > 0);
        unbind(b);
        free(sql);
    }
}

static void test_basic_select(void)
{
    bound *b = bind_sql("SELECT a + 1, b AS name, count(*) FROM t WHERE c > 1.5 GROUP BY a, b ORDER BY 2 LIMIT 10");
    CHECK_OK(b->status);
    if (b->status == SL_OK) {
        CHECK_EQ_INT(b->stmt->column_count, 3);
        CHECK_EQ_STR(b->stmt->names[0], "(a + 1)");
        CHECK_EQ_STR(b->stmt->names[1], "name");
        CHECK_EQ_STR(b->stmt->names[2], "count_star()");
        CHECK_EQ_INT(b->stmt->types[0].id, SL_TYPE_INTEGER);
        CHECK_EQ_INT(b->stmt->types[2].id, SL_TYPE_BIGINT);
        CHECK_EQ_INT(b->stmt->plan->kind, SL_LOP_LIMIT);
        CHECK_EQ_INT(b->stmt->plan->limit, 10);
        CHECK(strstr(b->plan, "AGGREGATE") != NULL);
        CHECK(strstr(b->plan, "SORT") != NULL);
    }
    unbind(b);

    b = bind_sql("SELECT * FROM t JOIN u USING (a)");
    CHECK_OK(b->status);
    if (b->status == SL_OK) {
        CHECK_EQ_INT(b->stmt->column_count, 4);
        CHECK_EQ_STR(b->stmt->names[0], "a");
        CHECK_EQ_STR(b->stmt->names[3], "d");
    }
    unbind(b);

    b = bind_sql("SELECT 1, 1.50, 1e3, 3000000000, 'x', NULL, $1, ?");
    CHECK_OK(b->status);
    if (b->status == SL_OK) {
        CHECK_EQ_INT(b->stmt->types[0].id, SL_TYPE_INTEGER);
        CHECK_EQ_INT(b->stmt->types[1].id, SL_TYPE_DECIMAL);
        CHECK_EQ_INT(b->stmt->types[1].precision, 3);
        CHECK_EQ_INT(b->stmt->types[1].scale, 2);
        CHECK_EQ_INT(b->stmt->types[2].id, SL_TYPE_DOUBLE);
        CHECK_EQ_INT(b->stmt->types[3].id, SL_TYPE_BIGINT);
        CHECK_EQ_INT(b->stmt->types[4].id, SL_TYPE_VARCHAR);
        CHECK_EQ_INT(b->stmt->types[6].id, SL_TYPE_INTEGER);
        CHECK_EQ_STR(b->stmt->names[4], "'x'");
    }
    unbind(b);

    expect_ok("SELECT * FROM v");
    expect_ok("SELECT x.a, y.d FROM t x LEFT JOIN u y ON x.a = y.a");
    expect_ok("SELECT * FROM t, u WHERE t.a = u.a");
    expect_ok("SELECT * FROM t FULL JOIN u USING (a)");
    expect_ok("SELECT * FROM t NATURAL JOIN u");
    expect_ok("SELECT * FROM (VALUES (1, 'a'), (2, NULL)) v(x, y) WHERE x > 1");
    expect_ok("SELECT a FROM t ORDER BY c DESC NULLS FIRST");
    expect_ok("SELECT DISTINCT a, b FROM t ORDER BY b");
    expect_ok("SELECT a AS k, sum(c) FROM t GROUP BY k HAVING sum(c) > 1 ORDER BY sum(c)");
    expect_ok("SELECT a, b FROM t UNION ALL SELECT a, CAST(d AS VARCHAR) FROM u ORDER BY 1 LIMIT 3");
    expect_ok("SELECT a FROM t INTERSECT SELECT a FROM u");
    expect_ok("SELECT a FROM t EXCEPT SELECT d FROM u");
    expect_ok("WITH w AS (SELECT a FROM t) SELECT * FROM w JOIN w w2 USING (a)");
    expect_ok("SELECT a, row_number() OVER (PARTITION BY b ORDER BY c), sum(c) OVER w FROM t WINDOW w AS (ORDER BY a)");
    expect_ok("SELECT b, sum(sum(c)) OVER (ORDER BY b) FROM t GROUP BY b");
    expect_ok("SELECT a FROM t WHERE a IN (SELECT a FROM u) AND EXISTS (SELECT 1 FROM u WHERE u.a = t.a)");
    expect_ok("SELECT (SELECT max(d) FROM u WHERE u.a = t.a) FROM t");
    expect_ok("SELECT CASE WHEN a > 1 THEN 'x' ELSE b END, coalesce(a, 0), nullif(a, 1), a BETWEEN 1 AND 2 FROM t");
    expect_ok("SELECT current_date, now()");
    expect_ok("SELECT count(DISTINCT a), sum(c) FILTER (WHERE a > 1) FROM t");
    expect_ok("SELECT a FROM t WHERE b LIKE 'x%' OR b NOT ILIKE 'y' OR b IS NULL OR a IS NOT DISTINCT FROM 1");
    expect_ok("SELECT * FROM range(5)");
    expect_ok("SELECT a, b FROM t GROUP BY ALL");
    expect_ok("SELECT b FROM t ORDER BY a + 1");
}

static void test_errors(void)
{
    expect_error("SELECT * FROM lineitm", SL_ERR_CATALOG, "Table with name lineitm does not exist! Did you mean \"lineitem\"?");
    expect_error("SELECT zz FROM t", SL_ERR_CATALOG, "Referenced column \"zz\" not found in FROM clause!");
    expect_error("SELECT a FROM t, u", SL_ERR_CATALOG, "Ambiguous reference to column name \"a\"");
    expect_error("SELECT b, count(*) FROM t GROUP BY a", SL_ERR_CATALOG,
                 "column \"b\" must appear in the GROUP BY clause or be used in an aggregate function");
    expect_error("SELECT a FROM t WHERE sum(a) > 1", SL_ERR_CATALOG, "WHERE clause cannot contain aggregates");
    expect_error("SELECT a FROM t LIMIT -1", SL_ERR_INVALID_INPUT, "LIMIT");
    expect_error("SELECT a FROM t UNION SELECT a, d FROM u", SL_ERR_CATALOG, "same number of result columns");
    expect_error("SELECT DISTINCT a FROM t ORDER BY c", SL_ERR_CATALOG, "ORDER BY expressions must appear");
    expect_error("SELECT $3", SL_ERR_INVALID_ARG, "parameter $3");
    expect_error("INSERT INTO t VALUES (1, 'x')", SL_ERR_CATALOG, "table t has 3 columns but 2 values were supplied");
    expect_error("SELECT x.zz FROM t x", SL_ERR_CATALOG, "does not have a column named \"zz\"");
}

static void test_statements(void)
{
    bound *b = bind_sql("INSERT INTO t (c, a) SELECT d, a FROM u");
    CHECK_OK(b->status);
    if (b->status == SL_OK) {
        CHECK_EQ_INT(b->stmt->kind, SL_BOUND_INSERT);
        CHECK_EQ_INT(b->stmt->plan->column_count, 3);
        CHECK_EQ_INT(b->stmt->plan->types[2].id, SL_TYPE_DOUBLE);
        CHECK_EQ_INT(b->stmt->insert_map[0], 1);
        CHECK_EQ_INT(b->stmt->insert_map[1], -1);
    }
    unbind(b);

    b = bind_sql("CREATE TABLE x AS SELECT a, b || 'x' AS s FROM t");
    CHECK_OK(b->status);
    if (b->status == SL_OK) {
        CHECK_EQ_INT(b->stmt->kind, SL_BOUND_CREATE_TABLE_AS);
        CHECK_EQ_INT(b->stmt->column_def_count, 2);
        CHECK_EQ_STR(b->stmt->column_defs[1].name, "s");
    }
    unbind(b);

    b = bind_sql("COPY t TO 'out.csv' (HEADER, DELIMITER '|')");
    CHECK_OK(b->status);
    if (b->status == SL_OK) {
        CHECK_EQ_INT(b->stmt->kind, SL_BOUND_COPY_TO);
        CHECK_EQ_INT(b->stmt->option_count, 2);
        CHECK_EQ_STR(b->stmt->options[1].name, "delimiter");
        CHECK_EQ_STR(b->stmt->options[1].value.v.str.data, "|");
        CHECK_EQ_STR(b->stmt->path, "out.csv");
    }
    unbind(b);

    b = bind_sql("CREATE VIEW w (x) AS SELECT a FROM t");
    CHECK_OK(b->status);
    if (b->status == SL_OK) {
        CHECK_EQ_INT(b->stmt->kind, SL_BOUND_CREATE_VIEW);
        CHECK_EQ_STR(b->stmt->view_sql, "SELECT a FROM t");
        CHECK_EQ_INT(b->stmt->view_alias_count, 1);
    }
    unbind(b);

    expect_ok("COPY t FROM 'in.csv' (FORMAT csv)");
    expect_ok("COPY (SELECT a FROM t) TO 'x.csv'");
    expect_ok("SET memory_limit = '1GB'");
    expect_ok("SET threads TO 4");
    expect_ok("RESET threads");
    expect_ok("SHOW TABLES");
    expect_ok("DESCRIBE t");
    expect_ok("DROP TABLE IF EXISTS t");
    expect_ok("EXPLAIN SELECT a FROM t");
    expect_ok("INSERT INTO t VALUES (1, 'x', 2), (2, NULL, NULL)");
    expect_ok("CREATE TABLE z (id INTEGER PRIMARY KEY, price DECIMAL(10,2), s TEXT NOT NULL)");

    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_ast_stmt *stmt;
    size_t end;
    sl_error err;
    CHECK_OK(sl_parse_statement(&arena, "SELECT $1 + $3 FROM t WHERE a IN (SELECT $2)", 0, &stmt, &end, &err));
    CHECK_EQ_INT(sl_ast_parameter_count(stmt), 3);
    sl_arena_free(&arena);
}

/* Window table functions, group windows and EMIT (sql/bind_window.c): errors point at
 * the offending argument; the EMIT clause reaches the bound statement. */
static void expect_error_at(const char *sql, int position, const char *fragment)
{
    bound *b = bind_sql(sql);
    CHECK(b->status != SL_OK && strstr(b->err.message, fragment) != NULL);
    if (b->status != SL_OK && b->err.position != position)
        fprintf(stderr, "%s: expected position %d, got %d (%s)\n", sql, position, b->err.position, b->err.message);
    CHECK_EQ_INT(b->err.position, position);
    unbind(b);
}

static void test_windows(void)
{
    sl_error err;
    sl_column_def cols[3] = { { "k", { SL_TYPE_INTEGER, 0, 0 }, false },
                              { "ts", { SL_TYPE_TIMESTAMP, 0, 0 }, false },
                              { "d", { SL_TYPE_DATE, 0, 0 }, false } };
    sl_table *w;
    CHECK_OK(sl_catalog_create_table(catalog, "w", cols, 3, false, &w, &err));
    expect_ok("SELECT * FROM TABLE(TUMBLE(TABLE w, DESCRIPTOR(ts), INTERVAL '10' SECOND))");
    expect_error_at("SELECT * FROM TUMBLE(w, d, INTERVAL '1' DAY)", 24, "must be of type TIMESTAMP, not DATE");
    expect_error_at("SELECT * FROM TUMBLE(w, ts, INTERVAL '0' SECOND)", 28, "the size of TUMBLE must be positive");
    expect_error_at("SELECT * FROM HOP(w, ts, INTERVAL '1' MONTH, INTERVAL '10' SECOND)", 25, "the slide of HOP must not contain months");
    expect_error_at("SELECT * FROM HOP(w, ts, INTERVAL '3' SECOND, INTERVAL '10' SECOND)", 46, "whole multiple");
    expect_error_at("SELECT TUMBLE_END(ts, INTERVAL '2' SECOND) FROM w GROUP BY TUMBLE(ts, INTERVAL '1' SECOND)", 7,
                    "must match the group window");
    expect_error_at("SELECT * FROM (SELECT * FROM w EMIT CHANGES)", 31, "EMIT is only allowed");
    bound *b = bind_sql("SELECT k, count(*) FROM w GROUP BY k EMIT CHANGES");
    CHECK_OK(b->status);
    CHECK(b->status == SL_OK && b->stmt->emit_changes && !b->stmt->emit_on_window_close);
    unbind(b);
    b = bind_sql("SELECT window_end, count(*) FROM TUMBLE(w, ts, INTERVAL '1' MINUTE) GROUP BY window_end "
                 "ORDER BY 1 LIMIT 3 EMIT ON WINDOW CLOSE");
    CHECK_OK(b->status);
    CHECK(b->status == SL_OK && !b->stmt->emit_changes && b->stmt->emit_on_window_close);
    CHECK(strstr(b->plan, "WINDOW_TVF TUMBLE time=ts size=60000000us") != NULL);
    unbind(b);
}

int main(void)
{
    verbose = getenv("SL_TEST_VERBOSE") != NULL;
    snprintf(source_dir, sizeof source_dir, "%s", __FILE__);
    char *slash = strrchr(source_dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(source_dir, sizeof source_dir, ".");
    setup_catalog();
    CHECK_RUN(test_basic_select);
    CHECK_RUN(test_errors);
    CHECK_RUN(test_statements);
    CHECK_RUN(test_windows);
    CHECK_RUN(test_tpch);
    sl_catalog_free(catalog);
    return CHECK_EXIT_CODE();
}
