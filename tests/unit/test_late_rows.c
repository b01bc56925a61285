/*
 * test_late_rows.c — stream/late_rows.c: creating / checking the late-rows table, and
 * reporting late rows from an operator (counted in its metrics, appended to the table
 * with operator name, watermark, event time, lateness and the row as JSON). The operator
 * context is a minimal executor of two nodes. Expected rows are worked out by hand.
 */
#include "check.h"
#include "catalog/catalog.h"
#include "exec/pipeline.h"
#include "stream/late_rows.h"
#include "vector/value.h"

#define SECOND INT64_C(1000000)
/* 2024-01-01 00:00:00 UTC in microseconds */
#define T0 INT64_C(1704067200000000)

static const char *string_at(const sl_vector *v, uint32_t row, char *buf, size_t cap)
{
    const sl_string *s = &SL_VECTOR_DATA(v, sl_string)[row];
    snprintf(buf, cap, "%.*s", (int)s->length, sl_string_data(s));
    return buf;
}

static void test_create(void)
{
    sl_catalog *catalog = sl_catalog_new();
    sl_error err;
    CHECK_OK(sl_late_rows_create(catalog, "late", &err));
    CHECK_OK(sl_late_rows_create(catalog, "LATE", &err));   /* exists with the schema: fine */
    sl_table *t = sl_catalog_find_table(catalog, "late");
    CHECK(t != NULL);
    if (t) {
        CHECK_EQ_INT(t->column_count, 5);
        CHECK_EQ_STR(t->columns[0].name, "operator");
        CHECK_EQ_INT(t->columns[3].type.id, SL_TYPE_INTERVAL);
        CHECK_EQ_STR(t->columns[4].name, "row");
    }

    sl_column_def one[1] = { { "a", sl_type_make(SL_TYPE_INTEGER), false } };
    CHECK_OK(sl_catalog_create_table(catalog, "narrow", one, 1, false, NULL, &err));
    CHECK(sl_late_rows_create(catalog, "narrow", &err) == SL_ERR_CATALOG);
    CHECK(strstr(err.message, "has 1 columns, a late-rows table has 5") != NULL);

    sl_column_def five[5] = { { "operator", sl_type_make(SL_TYPE_VARCHAR), false },
                              { "watermark", sl_type_make(SL_TYPE_TIMESTAMP), false },
                              { "event_time", sl_type_make(SL_TYPE_TIMESTAMP), false },
                              { "lateness", sl_type_make(SL_TYPE_BIGINT), false },
                              { "row", sl_type_make(SL_TYPE_VARCHAR), false } };
    CHECK_OK(sl_catalog_create_table(catalog, "typed", five, 5, false, NULL, &err));
    CHECK(sl_late_rows_create(catalog, "typed", &err) == SL_ERR_CATALOG);
    CHECK(strstr(err.message, "column \"lateness\" has type BIGINT, expected INTERVAL") != NULL);
    five[3].type = sl_type_make(SL_TYPE_INTERVAL);
    five[2].name = "event";
    CHECK_OK(sl_catalog_create_table(catalog, "named", five, 5, false, NULL, &err));
    CHECK(sl_late_rows_create(catalog, "named", &err) == SL_ERR_CATALOG);
    CHECK(strstr(err.message, "its column 3 is \"event\", expected \"event_time\"") != NULL);
    sl_catalog_free(catalog);
}

static void test_report(void)
{
    sl_catalog *catalog = sl_catalog_new();
    sl_error err;
    CHECK_OK(sl_late_rows_create(catalog, "late", &err));
    sl_table *late = sl_catalog_find_table(catalog, "late");

    /* the input: (ts TIMESTAMP, k INTEGER, s VARCHAR), three rows */
    sl_type types[3] = { sl_type_make(SL_TYPE_TIMESTAMP), sl_type_make(SL_TYPE_INTEGER),
                         sl_type_make(SL_TYPE_VARCHAR) };
    const char *names[3] = { "ts", "k", "s" };
    sl_physical_op input;
    memset(&input, 0, sizeof input);
    input.kind = SL_POP_TABLE_FUNCTION;
    input.column_count = 3;
    input.types = types;
    input.names = names;
    sl_batch *batch = sl_batch_new_typed(types, 3, 3);
    for (uint32_t r = 0; r < 3; r++) {
        SL_VECTOR_DATA(batch->columns[0], int64_t)[r] = T0 + (int64_t)r * SECOND;
        SL_VECTOR_DATA(batch->columns[1], int32_t)[r] = (int32_t)r + 1;
    }
    CHECK_OK(sl_vector_set_string(batch->columns[2], 0, "x \"q\"", 5, &err));
    CHECK_OK(sl_vector_set_string(batch->columns[2], 1, "y", 1, &err));
    CHECK_OK(sl_vector_set_null(batch->columns[2], 2, &err));
    batch->length = batch->count = 3;

    /* a two-node executor: node 1 is the window operator reporting */
    sl_physical_op root, plan;
    memset(&root, 0, sizeof root);
    memset(&plan, 0, sizeof plan);
    root.kind = SL_POP_RESULT;
    plan.kind = SL_POP_WINDOW_AGGREGATE;
    plan.late_rows_table = late;
    sl_exec_node nodes[2];
    memset(nodes, 0, sizeof nodes);
    nodes[0].plan = &root;
    nodes[1].plan = &plan;
    sl_executor ex;
    memset(&ex, 0, sizeof ex);
    ex.nodes = nodes;
    ex.node_count = 2;
    uint32_t stage_nodes[1] = { 1 };
    sl_pipeline_instance instance;
    memset(&instance, 0, sizeof instance);
    instance.executor = &ex;
    instance.nodes = stage_nodes;
    instance.stage_count = 1;
    sl_exec_context exec;
    memset(&exec, 0, sizeof exec);
    exec.catalog = catalog;
    sl_op_context ctx = { &exec, &instance, 0, 0 };

    /* rows 0 and 2 are late at watermark T0 + 1 day + 5 s */
    int64_t watermark = T0 + INT64_C(86400) * SECOND + 5 * SECOND;
    uint32_t rows[2] = { 0, 2 };
    int64_t times[2] = { T0, T0 + 2 * SECOND };
    CHECK_OK(sl_late_rows_report(&ctx, &plan, &input, batch, rows, times, 2, watermark, &err));
    CHECK_EQ_INT(atomic_load(&nodes[1].metrics.late_rows), 2);
    CHECK_EQ_INT(late->row_count, 2);
    if (late->chunk_count == 1) {
        const sl_batch *c = late->chunks[0];
        char buf[256];
        CHECK_EQ_STR(string_at(c->columns[0], 0, buf, sizeof buf), "WINDOW_AGGREGATE#1");
        CHECK_EQ_INT(SL_VECTOR_DATA(c->columns[1], int64_t)[1], watermark);
        CHECK_EQ_INT(SL_VECTOR_DATA(c->columns[2], int64_t)[1], T0 + 2 * SECOND);
        const sl_interval *lateness = SL_VECTOR_DATA(c->columns[3], sl_interval);
        CHECK_EQ_INT(lateness[0].months, 0);
        CHECK_EQ_INT(lateness[0].days, 1);
        CHECK_EQ_INT(lateness[0].micros, 5 * SECOND);
        CHECK_EQ_INT(lateness[1].days, 1);
        CHECK_EQ_INT(lateness[1].micros, 3 * SECOND);
        CHECK_EQ_STR(string_at(c->columns[4], 0, buf, sizeof buf),
                     "{\"ts\":\"2024-01-01 00:00:00\",\"k\":1,\"s\":\"x \\\"q\\\"\"}");
        CHECK_EQ_STR(string_at(c->columns[4], 1, buf, sizeof buf), "{\"ts\":\"2024-01-01 00:00:02\",\"k\":3,\"s\":null}");
    } else {
        CHECK_EQ_INT(late->chunk_count, 1);
    }

    /* without a late-rows table: counted only */
    plan.late_rows_table = NULL;
    CHECK_OK(sl_late_rows_report(&ctx, &plan, &input, batch, rows + 1, times + 1, 1, watermark, &err));
    CHECK_EQ_INT(atomic_load(&nodes[1].metrics.late_rows), 3);
    CHECK_EQ_INT(late->row_count, 2);

    sl_batch_free(batch);
    sl_catalog_free(catalog);
}

int main(void)
{
    CHECK_RUN(test_create);
    CHECK_RUN(test_report);
    CHECK(sl_alloc_live_bytes() == 0);
    return CHECK_EXIT_CODE();
}
