/*
 * read_json.c — the read_json / read_json_auto / read_ndjson table function.
 *
 *   SELECT * FROM read_json('events/x*.json', columns = {'id': 'BIGINT', 'ts': 'TIMESTAMP'})
 *
 * Bind expands the glob and, unless columns are given, sniffs keys and types from the
 * first file's first sample_size records (json_read.c). The scan reads every file in
 * order (newline-delimited or a top-level array, per file); rows skipped under
 * ignore_errors go to exec->rows_rejected.
 */
#include "formats/csv.h"
#include "formats/json.h"
#include "plan/table_function.h"

typedef struct read_json_bind {
    const char **paths;
    uint32_t path_count;
    uint32_t column_count;
    sl_type *types;
    const char **names;
    bool ignore_errors;
} read_json_bind;

static sl_status read_json_bind_fn(sl_arena *arena, const sl_table_function_args *args, void **bind_data,
                                   uint32_t *column_count, sl_type **types, const char ***names, sl_error *err)
{
    if (args->positional_count != 1 || args->positional[0].is_null ||
        args->positional[0].type.id != SL_TYPE_VARCHAR)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, args->position,
                               "read_json expects one file name or glob pattern, e.g. read_json('data.json')");
    const char *path = args->positional[0].v.str.data;
    sl_copy_options opts;
    sl_copy_options_init(&opts);
    opts.format = SL_COPY_FORMAT_JSON;
    for (uint32_t i = 0; i < args->named_count; i++) {
        const char *name = args->named_names[i];
        if (!strcmp(name, "format") || !strcmp(name, "records"))
            continue; /* read_json(..., format = 'newline_delimited' | 'array', records = true): both detected */
        if (!strcmp(name, "header") || !strcmp(name, "delim") || !strcmp(name, "quote") || !strcmp(name, "escape"))
            return sl_error_set_at(err, SL_ERR_INVALID_ARG, args->position, "option '%s' is for read_csv, not read_json",
                                   name);
        sl_status st = sl_copy_option_set(arena, &opts, name, &args->named_values[i], err);
        if (st != SL_OK) {
            if (err && err->position < 0)
                err->position = args->position;
            return st;
        }
    }
    read_json_bind *b = sl_arena_calloc(arena, sizeof *b);
    if (!b)
        return sl_error_oom(err);
    SL_TRY(sl_file_glob(arena, path, &b->paths, &b->path_count, err));
    if (opts.column_count) {
        b->column_count = opts.column_count;
        b->types = opts.column_types;
        b->names = opts.column_names;
    } else {
        SL_TRY(sl_json_sniff(arena, b->paths[0], &opts, &b->column_count, &b->types, &b->names, err));
        for (uint32_t c = 0; c < opts.type_count && c < b->column_count; c++)
            b->types[c] = opts.types[c];
    }
    b->ignore_errors = opts.ignore_errors;
    *bind_data = b;
    *column_count = b->column_count;
    *types = b->types;
    *names = b->names;
    return SL_OK;
}

static sl_status read_json_init(const void *bind_data, sl_exec_context *exec, void **state, sl_error *err)
{
    const read_json_bind *b = bind_data;
    sl_json_reader_config config = {
        .paths = b->paths,
        .path_count = b->path_count,
        .column_count = b->column_count,
        .types = b->types,
        .names = b->names,
        .ignore_errors = b->ignore_errors,
    };
    return sl_json_reader_open(&config, (sl_json_reader **)state, err);
}

static sl_status read_json_next(void *state, sl_exec_context *exec, sl_batch **out, sl_error *err)
{
    int64_t rejected = 0;
    sl_status st = sl_json_reader_next(state, out, &rejected, err);
    if (rejected && exec)
        atomic_fetch_add(&exec->rows_rejected, rejected);
    return st;
}

static void read_json_free(void *state)
{
    sl_json_reader_free(state);
}

const sl_table_function sl_read_json_function = {
    .name = "read_json",
    .bind = read_json_bind_fn,
    .init = read_json_init,
    .next = read_json_next,
    .free = read_json_free,
};
