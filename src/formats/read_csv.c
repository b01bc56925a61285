/*
 * read_csv.c — the read_csv / read_csv_auto table function.
 *
 *   SELECT * FROM read_csv('data/x*.csv', header = true, delim = '|', columns = {...})
 *
 * Bind expands the glob, parses the options (copy_options.c) and sniffs the first file
 * (csv_sniff.c) to fix the schema; every file must share it (same column count, and the
 * same header names when files have headers). The scan is an sl_csv_reader over all files
 * in order; rows skipped under ignore_errors go to exec->rows_rejected, and the bytes read
 * to the statement's progress (sl_exec_progress_add).
 */
#include "formats/csv.h"
#include "plan/table_function.h"

typedef struct read_csv_bind {
    const char **paths;
    uint32_t path_count;
    sl_csv_sniff_result schema;
    bool ignore_errors;
    bool check_names;             /* names came from the first file's header */
} read_csv_bind;

/* Shared by read_csv and read_json: the single positional path argument. */
static sl_status path_argument(const char *fn, const sl_table_function_args *args, const char **path, sl_error *err)
{
    if (args->positional_count != 1 || args->positional[0].is_null ||
        args->positional[0].type.id != SL_TYPE_VARCHAR)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, args->position,
                               "%s expects one file name or glob pattern as its first argument, e.g. %s('data.csv')",
                               fn, fn);
    *path = args->positional[0].v.str.data;
    return SL_OK;
}

static sl_status read_csv_bind_fn(sl_arena *arena, const sl_table_function_args *args, void **bind_data,
                                  uint32_t *column_count, sl_type **types, const char ***names, sl_error *err)
{
    const char *path = NULL;
    SL_TRY(path_argument("read_csv", args, &path, err));
    sl_copy_options opts;
    sl_copy_options_init(&opts);
    for (uint32_t i = 0; i < args->named_count; i++) {
        sl_status st = sl_copy_option_set(arena, &opts, args->named_names[i], &args->named_values[i], err);
        if (st != SL_OK) {
            if (err && err->position < 0)
                err->position = args->position;
            return st;
        }
    }
    if (opts.format != SL_COPY_FORMAT_CSV)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, args->position, "read_csv only reads CSV; use read_json");
    read_csv_bind *b = sl_arena_calloc(arena, sizeof *b);
    if (!b)
        return sl_error_oom(err);
    SL_TRY(sl_file_glob(arena, path, &b->paths, &b->path_count, err));
    SL_TRY(sl_csv_sniff(arena, b->paths[0], &opts, &b->schema, err));
    b->ignore_errors = opts.ignore_errors;
    b->check_names = b->schema.dialect.header && b->path_count > 1 && opts.name_count == 0 && opts.column_count == 0;
    *bind_data = b;
    *column_count = b->schema.column_count;
    *types = b->schema.types;
    *names = b->schema.names;
    return SL_OK;
}

typedef struct read_csv_state {
    sl_csv_reader *reader;
    int64_t reported;            /* bytes already added to the progress */
} read_csv_state;

static void read_csv_free(void *state)
{
    read_csv_state *s = state;
    if (!s)
        return;
    sl_csv_reader_free(s->reader);
    sl_free(s);
}

static sl_status read_csv_init(const void *bind_data, sl_exec_context *exec, void **state, sl_error *err)
{
    const read_csv_bind *b = bind_data;
    sl_csv_reader_config config = {
        .paths = b->paths,
        .path_count = b->path_count,
        .dialect = b->schema.dialect,
        .column_count = b->schema.column_count,
        .types = b->schema.types,
        .names = b->schema.names,
        .ignore_errors = b->ignore_errors,
        .check_header_names = b->check_names,
    };
    read_csv_state *s = sl_calloc(1, sizeof *s);
    if (!s)
        return sl_error_oom(err);
    sl_status st = sl_csv_reader_open(&config, &s->reader, err);
    if (st != SL_OK) {
        read_csv_free(s);
        return st;
    }
    sl_exec_progress_add(exec, 0, sl_csv_reader_bytes_total(s->reader));
    *state = s;
    return SL_OK;
}

static sl_status read_csv_next(void *state, sl_exec_context *exec, sl_batch **out, sl_error *err)
{
    read_csv_state *s = state;
    int64_t rejected = 0;
    sl_status st = sl_csv_reader_next(s->reader, out, &rejected, err);
    if (rejected && exec)
        atomic_fetch_add(&exec->rows_rejected, rejected);
    int64_t now = sl_csv_reader_bytes_read(s->reader);
    sl_exec_progress_add(exec, now - s->reported, 0);
    s->reported = now;
    return st;
}

const sl_table_function sl_read_csv_function = {
    .name = "read_csv",
    .bind = read_csv_bind_fn,
    .init = read_csv_init,
    .next = read_csv_next,
    .free = read_csv_free,
};
