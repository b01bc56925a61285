/*
 * parquet_table_function.c — the read_parquet / parquet_scan table function.
 *
 *   SELECT * FROM read_parquet('data/part-*.parquet')
 *
 * Bind expands the glob (sorted order) and reads the first file's footer for the schema;
 * every other file must have the same column names and types (checked when it is opened).
 * The scan decodes all columns of the schema: the TABLE_FUNCTION operator prunes unused
 * columns after the function (it has no projection hook yet), so projection pushdown into
 * the decoder is not done at this level (sl_parquet_reader_open already takes a column list).
 */
#include "formats/csv.h"
#include "formats/parquet.h"
#include "plan/table_function.h"

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

static sl_status read_parquet_init(const void *bind_data, sl_exec_context *exec, void **state, sl_error *err)
{
    const read_parquet_bind *b = bind_data;
    return sl_parquet_reader_open(b->paths, b->path_count, &b->schema, NULL, 0, (sl_parquet_reader **)state, err);
}

static sl_status read_parquet_next(void *state, sl_exec_context *exec, sl_batch **out, sl_error *err)
{
    return sl_parquet_reader_next(state, out, err);
}

static void read_parquet_free(void *state)
{
    sl_parquet_reader_free(state);
}

const sl_table_function sl_read_parquet_function = {
    .name = "read_parquet",
    .bind = read_parquet_bind_fn,
    .init = read_parquet_init,
    .next = read_parquet_next,
    .free = read_parquet_free,
};
