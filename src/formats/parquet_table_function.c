/*
 * parquet_table_function.c — the read_parquet / parquet_scan table function.
 *
 *   SELECT * FROM read_parquet('data/part-*.parquet')
 *
 * Bind expands the glob (sorted order) and reads the first file's footer for the schema;
 * every other file must have the same column names and types (checked when it is opened).
 * Projection pushdown: init_projected hands the planner's column list to the reader, which
 * then reads and decodes only those column chunks. Filter pushdown: init_filtered also hands
 * it the planner's simple `column op constant` conjuncts, so row groups whose min/max
 * statistics rule one out are skipped (the FILTER above still checks every row read).
 * Progress: the files' bytes, in proportion to the row groups read
 * (sl_parquet_reader_fraction).
 */
#include "formats/csv.h"
#include "formats/parquet.h"
#include "plan/table_function.h"

#include <sys/stat.h>

typedef struct read_parquet_bind {
    const char **paths;
    uint32_t path_count;
    sl_pq_schema schema;
} read_parquet_bind;

static sl_status read_parquet_bind_fn(sl_arena *arena, const sl_table_function_args *args, void **bind_data,
                                      uint32_t *column_count, sl_type **types, const char ***names, sl_error *err)
{
    if (args->positional_count != 1 || args->positional[0].is_null ||
        args->positional[0].type.id != SL_TYPE_VARCHAR)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, args->position,
                               "read_parquet expects one file name or glob pattern, e.g. read_parquet('data.parquet')");
    for (uint32_t i = 0; i < args->named_count; i++)
        if (strcmp(args->named_names[i], "binary_as_string") != 0)
            return sl_error_set_at(err, SL_ERR_INVALID_ARG, args->position,
                                   "unknown read_parquet option '%s'", args->named_names[i]);
    read_parquet_bind *b = sl_arena_calloc(arena, sizeof *b);
    if (!b)
        return sl_error_oom(err);
    SL_TRY(sl_file_glob(arena, args->positional[0].v.str.data, &b->paths, &b->path_count, err));
    SL_TRY(sl_parquet_read_schema(arena, b->paths[0], &b->schema, err));
    if (b->schema.column_count == 0)
        return sl_error_set(err, SL_ERR_INVALID_INPUT, "%s: Parquet file has no columns", b->paths[0]);
    *bind_data = b;
    *column_count = b->schema.column_count;
    *types = b->schema.types;
    *names = b->schema.names;
    return SL_OK;
}

/* The first file's row count times the number of files. */
static double read_parquet_estimate_rows(const void *bind_data)
{
    const read_parquet_bind *b = bind_data;
    return (double)b->schema.row_count * (double)b->path_count;
}

typedef struct read_parquet_state {
    sl_parquet_reader *reader;
    int64_t total;               /* bytes of the files (progress units) */
    int64_t reported;            /* units already added to the progress */
} read_parquet_state;

static void read_parquet_free(void *state)
{
    read_parquet_state *s = state;
    if (!s)
        return;
    sl_parquet_reader_free(s->reader);
    sl_free(s);
}

/* *state := the scan state over reader r (taken over, also on failure). */
static sl_status read_parquet_state_new(const read_parquet_bind *b, sl_exec_context *exec, sl_parquet_reader *r,
                                        void **state, sl_error *err)
{
    read_parquet_state *s = sl_calloc(1, sizeof *s);
    if (!s) {
        sl_parquet_reader_free(r);
        return sl_error_oom(err);
    }
    s->reader = r;
    for (uint32_t i = 0; i < b->path_count; i++) {
        struct stat st;
        if (stat(b->paths[i], &st) == 0)
            s->total += (int64_t)st.st_size;
    }
    sl_exec_progress_add(exec, 0, s->total);
    *state = s;
    return SL_OK;
}

static sl_status read_parquet_init(const void *bind_data, sl_exec_context *exec, void **state, sl_error *err)
{
    const read_parquet_bind *b = bind_data;
    sl_parquet_reader *r = NULL;
    SL_TRY(sl_parquet_reader_open(b->paths, b->path_count, &b->schema, NULL, 0, &r, err));
    return read_parquet_state_new(b, exec, r, state, err);
}

static sl_status read_parquet_init_projected(const void *bind_data, sl_exec_context *exec, const uint32_t *columns,
                                             uint32_t column_count, void **state, sl_error *err)
{
    const read_parquet_bind *b = bind_data;
    if (!columns)
        return sl_error_set(err, SL_ERR_INTERNAL, "read_parquet: projected scan without a column list");
    sl_parquet_reader *r = NULL;
    SL_TRY(sl_parquet_reader_open(b->paths, b->path_count, &b->schema, columns, column_count, &r, err));
    return read_parquet_state_new(b, exec, r, state, err);
}

static sl_status read_parquet_init_filtered(const void *bind_data, sl_exec_context *exec, const uint32_t *columns,
                                            uint32_t column_count, const sl_table_filter *filters,
                                            uint32_t filter_count, void **state, sl_error *err)
{
    const read_parquet_bind *b = bind_data;
    sl_parquet_reader *r = NULL;
    SL_TRY(sl_parquet_reader_open(b->paths, b->path_count, &b->schema, columns, column_count, &r, err));
    sl_pq_filter *pf = sl_malloc(sizeof *pf * (filter_count + 1));
    if (!pf) {
        sl_parquet_reader_free(r);
        return sl_error_oom(err);
    }
    static const sl_pq_filter_op ops[] = {
        [SL_TABLE_FILTER_EQ] = SL_PQ_FILTER_EQ, [SL_TABLE_FILTER_LT] = SL_PQ_FILTER_LT,
        [SL_TABLE_FILTER_LE] = SL_PQ_FILTER_LE, [SL_TABLE_FILTER_GT] = SL_PQ_FILTER_GT,
        [SL_TABLE_FILTER_GE] = SL_PQ_FILTER_GE,
    };
    for (uint32_t i = 0; i < filter_count; i++) {
        pf[i].column = filters[i].column;
        pf[i].op = ops[filters[i].op];
        pf[i].value = filters[i].value;
    }
    sl_status st = sl_parquet_reader_set_filters(r, pf, filter_count, err);
    sl_free(pf);
    if (st != SL_OK) {
        sl_parquet_reader_free(r);
        return st;
    }
    return read_parquet_state_new(b, exec, r, state, err);
}

static sl_status read_parquet_next(void *state, sl_exec_context *exec, sl_batch **out, sl_error *err)
{
    read_parquet_state *s = state;
    SL_TRY(sl_parquet_reader_next(s->reader, out, err));
    int64_t now = *out ? (int64_t)(sl_parquet_reader_fraction(s->reader) * (double)s->total) : s->total;
    sl_exec_progress_add(exec, now - s->reported, 0);
    s->reported = now;
    return SL_OK;
}

const sl_table_function sl_read_parquet_function = {
    .name = "read_parquet",
    .bind = read_parquet_bind_fn,
    .init = read_parquet_init,
    .init_projected = read_parquet_init_projected,
    .init_filtered = read_parquet_init_filtered,
    .next = read_parquet_next,
    .free = read_parquet_free,
    .estimate_rows = read_parquet_estimate_rows,
};
