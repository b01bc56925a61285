/*
 * test_table_source.c — the `table` connector's scan, driven directly: batch sizes
 * (rows_per_batch, also across the chunks of a table filled by many INSERTs), table
 * order, one split per batch with partition_column, and the split hooks the continuous
 * driver reads (split_count, batch_split, split_ended). Expected values are worked out by
 * hand from the rows each test appends.
 */
#include "check.h"
#include "connect/connector.h"
#include "vector/value.h"

/* Appends one chunk of rows to t (k INTEGER, p VARCHAR): k = ks[i], p = ps[i] (NULL ok). */
static void append_rows(sl_table *t, const int32_t *ks, const char *const *ps, uint32_t n)
{
    sl_type types[2] = { sl_type_make(SL_TYPE_INTEGER), sl_type_make(SL_TYPE_VARCHAR) };
    sl_batch *b = sl_batch_new_typed(types, 2, n);
    sl_error err;
    for (uint32_t i = 0; i < n; i++) {
        SL_VECTOR_DATA(b->columns[0], int32_t)[i] = ks[i];
        if (ps[i])
            CHECK_OK(sl_vector_set_string(b->columns[1], i, ps[i], (uint32_t)strlen(ps[i]), &err));
        else
            CHECK_OK(sl_vector_set_null(b->columns[1], i, &err));
    }
    b->length = b->count = n;
    CHECK_OK(sl_table_append(t, b, &err));
    sl_batch_free(b);
}

typedef struct scan_run {
    uint32_t batches;
    uint32_t sizes[64];
    uint32_t splits[64];
    int32_t ks[256];             /* every k in emission order */
    uint32_t rows;
    bool ended_after[64][4];     /* split_ended(s) right after batch i */
    uint32_t split_count;
} scan_run;

/* Binds a source over t with `options` and reads it to the end (projected on k only when
 * project_k). */
static void run_scan(sl_catalog *catalog, const sl_connector_option *options, uint32_t option_count, bool project_k,
                     scan_run *run)
{
    memset(run, 0, sizeof *run);
    const sl_connector *connector = sl_connector_find("table");
    CHECK(connector != NULL);
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_connector_spec spec = { "s", options, option_count, NULL, 0, 0, catalog, NULL };
    sl_connector_bound bound;
    memset(&bound, 0, sizeof bound);
    sl_error err;
    CHECK_OK(connector->bind(&arena, &spec, &bound, &err));
    CHECK(bound.bounded);
    CHECK_EQ_INT(bound.column_count, 2);
    void *state = NULL;
    uint32_t k_column = 0;
    if (project_k)
        CHECK_OK(connector->scan->init_projected(bound.bind_data, NULL, &k_column, 1, &state, &err));
    else
        CHECK_OK(connector->scan->init(bound.bind_data, NULL, &state, &err));
    run->split_count = connector->scan->split_count(state);
    for (;;) {
        sl_batch *b = NULL;
        CHECK_OK(connector->scan->next(state, NULL, &b, &err));
        if (!b)
            break;
        if (run->batches < 64) {
            run->sizes[run->batches] = b->count;
            run->splits[run->batches] = connector->scan->batch_split(state);
            for (uint32_t s = 0; s < run->split_count && s < 4; s++)
                run->ended_after[run->batches][s] = connector->scan->split_ended(state, s);
        }
        CHECK_EQ_INT(b->column_count, project_k ? 1 : 2);
        for (uint32_t r = 0; r < b->count && run->rows < 256; r++)
            run->ks[run->rows++] = SL_VECTOR_DATA(b->columns[0], int32_t)[sl_batch_row(b, r)];
        run->batches++;
        sl_batch_free(b);
    }
    connector->scan->free(state);
    sl_arena_free(&arena);
}

static sl_catalog *make_catalog(sl_table **table)
{
    sl_catalog *catalog = sl_catalog_new();
    sl_column_def columns[2] = { { "k", sl_type_make(SL_TYPE_INTEGER), false },
                                 { "p", sl_type_make(SL_TYPE_VARCHAR), false } };
    sl_error err;
    CHECK_OK(sl_catalog_create_table(catalog, "t", columns, 2, false, table, &err));
    return catalog;
}

/* rows_per_batch cuts batches across chunks: chunks of 2, 1, 4 rows, batches of 3. */
static void test_batches_across_chunks(void)
{
    sl_table *t;
    sl_catalog *catalog = make_catalog(&t);
    append_rows(t, (const int32_t[]){ 1, 2 }, (const char *const[]){ "a", "b" }, 2);
    append_rows(t, (const int32_t[]){ 3 }, (const char *const[]){ "a" }, 1);
    append_rows(t, (const int32_t[]){ 4, 5, 6, 7 }, (const char *const[]){ "a", "a", "b", "b" }, 4);
    sl_connector_option options[] = { { "table", "T", -1 }, { "rows_per_batch", "3", -1 } };
    scan_run run;
    run_scan(catalog, options, 2, false, &run);
    CHECK_EQ_INT(run.batches, 3);
    CHECK_EQ_INT(run.sizes[0], 3);
    CHECK_EQ_INT(run.sizes[1], 3);
    CHECK_EQ_INT(run.sizes[2], 1);
    CHECK_EQ_INT(run.rows, 7);
    for (uint32_t i = 0; i < 7; i++)
        CHECK_EQ_INT(run.ks[i], (int32_t)i + 1);
    CHECK_EQ_INT(run.split_count, 1);
    CHECK(!run.ended_after[1][0]);
    CHECK(run.ended_after[2][0]);

    /* projected on k, one row per batch */
    sl_connector_option one[] = { { "table", "t", -1 }, { "rows_per_batch", "1", -1 } };
    run_scan(catalog, one, 2, true, &run);
    CHECK_EQ_INT(run.batches, 7);
    CHECK_EQ_INT(run.ks[6], 7);
    CHECK(!run.ended_after[5][0]);
    CHECK(run.ended_after[6][0]);
    sl_catalog_free(catalog);
}

/* partition_column: splits by first appearance (a = 0, b = 1, NULL = 2); a batch never
 * mixes splits; a split ends with the batch holding its last row. */
static void test_partitions(void)
{
    sl_table *t;
    sl_catalog *catalog = make_catalog(&t);
    append_rows(t, (const int32_t[]){ 1, 2, 3, 4 }, (const char *const[]){ "a", "a", "b", "a" }, 4);
    append_rows(t, (const int32_t[]){ 5, 6, 7 }, (const char *const[]){ "a", NULL, "b" }, 3);
    sl_connector_option options[] = { { "table", "t", -1 }, { "rows_per_batch", "2", -1 },
                                      { "partition_column", "P", -1 } };
    scan_run run;
    run_scan(catalog, options, 3, false, &run);
    CHECK_EQ_INT(run.split_count, 3);
    /* runs: [1 2] a, [3] b, [4 5] a (across chunks), [6] NULL, [7] b */
    CHECK_EQ_INT(run.batches, 5);
    const uint32_t sizes[] = { 2, 1, 2, 1, 1 };
    const uint32_t splits[] = { 0, 1, 0, 2, 1 };
    for (uint32_t i = 0; i < 5; i++) {
        CHECK_EQ_INT(run.sizes[i], sizes[i]);
        CHECK_EQ_INT(run.splits[i], splits[i]);
    }
    for (uint32_t i = 0; i < 7; i++)
        CHECK_EQ_INT(run.ks[i], (int32_t)i + 1);
    /* a ends after batch 2 (row 5), NULL after batch 3, b after batch 4 */
    CHECK(!run.ended_after[1][0] && !run.ended_after[1][1] && !run.ended_after[1][2]);
    CHECK(run.ended_after[2][0] && !run.ended_after[2][1] && !run.ended_after[2][2]);
    CHECK(run.ended_after[3][0] && !run.ended_after[3][1] && run.ended_after[3][2]);
    CHECK(run.ended_after[4][0] && run.ended_after[4][1] && run.ended_after[4][2]);
    sl_catalog_free(catalog);
}

/* An empty table: no batch, one split that has ended. */
static void test_empty(void)
{
    sl_table *t;
    sl_catalog *catalog = make_catalog(&t);
    sl_connector_option options[] = { { "table", "t", -1 }, { "partition_column", "p", -1 } };
    scan_run run;
    run_scan(catalog, options, 2, false, &run);
    CHECK_EQ_INT(run.batches, 0);
    CHECK_EQ_INT(run.split_count, 1);
    sl_catalog_free(catalog);
}

/* The scan holds the chunks it started with: rows appended (or the table dropped) while
 * it runs are not seen and do not disturb it. */
static void test_snapshot(void)
{
    sl_table *t;
    sl_catalog *catalog = make_catalog(&t);
    append_rows(t, (const int32_t[]){ 1, 2 }, (const char *const[]){ "a", "b" }, 2);
    const sl_connector *connector = sl_connector_find("table");
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_connector_option options[] = { { "table", "t", -1 }, { "rows_per_batch", "1", -1 } };
    sl_connector_spec spec = { "s", options, 2, NULL, 0, 0, catalog, NULL };
    sl_connector_bound bound;
    memset(&bound, 0, sizeof bound);
    sl_error err;
    CHECK_OK(connector->bind(&arena, &spec, &bound, &err));
    void *state = NULL;
    CHECK_OK(connector->scan->init(bound.bind_data, NULL, &state, &err));
    append_rows(t, (const int32_t[]){ 3 }, (const char *const[]){ "c" }, 1);
    CHECK_OK(sl_catalog_drop_table(catalog, "t", false, &err));
    uint32_t rows = 0;
    for (;;) {
        sl_batch *b = NULL;
        CHECK_OK(connector->scan->next(state, NULL, &b, &err));
        if (!b)
            break;
        CHECK_EQ_INT(SL_VECTOR_DATA(b->columns[0], int32_t)[sl_batch_row(b, 0)], (int32_t)rows + 1);
        rows += b->count;
        sl_batch_free(b);
    }
    CHECK_EQ_INT(rows, 2);
    connector->scan->free(state);
    /* a new scan of the same bind data finds the table gone */
    CHECK(connector->scan->init(bound.bind_data, NULL, &state, &err) == SL_ERR_CATALOG);
    CHECK(strstr(err.message, "no longer exists") != NULL);
    sl_arena_free(&arena);
    sl_catalog_free(catalog);
}

int main(void)
{
    CHECK_RUN(test_batches_across_chunks);
    CHECK_RUN(test_partitions);
    CHECK_RUN(test_empty);
    CHECK_RUN(test_snapshot);
    CHECK(sl_alloc_live_bytes() == 0);
    return CHECK_EXIT_CODE();
}
