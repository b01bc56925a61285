/*
 * read_arrow.c — the read_arrow table function over Arrow IPC files (arrow_ipc_read.c).
 *
 *   SELECT * FROM read_arrow('data/part*.arrow')
 *
 * Accepts the file format (.arrow, .feather v2; magic ARROW1) and the stream format
 * (.arrows), told apart by content. Bind expands the glob and takes the schema from the
 * first file; every other file must have the same column types. Files are read in
 * sorted order, record batch by record batch.
 */
#include "formats/arrow_ipc.h"
#include "formats/csv.h"
#include "plan/table_function.h"

typedef struct read_arrow_bind {
    const char **paths;
    uint32_t path_count;
    uint32_t column_count;
    sl_type *types;
    const char **names;
} read_arrow_bind;

static sl_status read_arrow_bind_fn(sl_arena *arena, const sl_table_function_args *args, void **bind_data,
                                    uint32_t *column_count, sl_type **types, const char ***names, sl_error *err)
{
    if (args->positional_count != 1 || args->positional[0].is_null ||
        args->positional[0].type.id != SL_TYPE_VARCHAR)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, args->position,
                               "read_arrow expects one file name or glob pattern, e.g. read_arrow('data.arrow')");
    if (args->named_count)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, args->position, "read_arrow has no option '%s'",
                               args->named_names[0]);
    read_arrow_bind *b = sl_arena_calloc(arena, sizeof *b);
    if (!b)
        return sl_error_oom(err);
    SL_TRY(sl_file_glob(arena, args->positional[0].v.str.data, &b->paths, &b->path_count, err));
    SL_TRY(sl_arrow_ipc_sniff(arena, b->paths[0], &b->column_count, &b->types, &b->names, err));
    *bind_data = b;
    *column_count = b->column_count;
    *types = b->types;
    *names = b->names;
    return SL_OK;
}

static sl_status read_arrow_init(const void *bind_data, sl_exec_context *exec, void **state, sl_error *err)
{
    const read_arrow_bind *b = bind_data;
    sl_arrow_ipc_reader_config config = {
        .paths = b->paths,
        .path_count = b->path_count,
        .column_count = b->column_count,
        .types = b->types,
        .names = b->names,
        .cast = false,
    };
    return sl_arrow_ipc_reader_open(&config, (sl_arrow_ipc_reader **)state, err);
}

static sl_status read_arrow_next(void *state, sl_exec_context *exec, sl_batch **out, sl_error *err)
{
    return sl_arrow_ipc_reader_next(state, out, err);
}

static void read_arrow_free(void *state)
{
    sl_arrow_ipc_reader_free(state);
}

const sl_table_function sl_read_arrow_function = {
    .name = "read_arrow",
    .bind = read_arrow_bind_fn,
    .init = read_arrow_init,
    .next = read_arrow_next,
    .free = read_arrow_free,
};
