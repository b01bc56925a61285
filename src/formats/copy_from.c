/*
 * copy_from.c — COPY table FROM 'file' (FORMAT csv|json, ...): bulk load into a catalog table.
 *
 * The table fixes the column types, so nothing is type-sniffed. For CSV the dialect and
 * header are still auto-detected unless given (like DuckDB), with the table's types
 * deciding whether the first row is a header; a trailing delimiter at the end of each
 * line (TPC-H .tbl files) is accepted. Batches go straight from the reader into
 * sl_table_append.
 */
#include "catalog/catalog.h"
#include "exec/operator.h"
#include "formats/csv.h"
#include "formats/json.h"
#include "formats/parquet.h"
#include "formats/arrow_ipc.h"

/* sl_table_append under the catalog lock (as INSERT does). */
static sl_status locked_append(sl_exec_context *exec, sl_table *table, const sl_batch *batch, sl_error *err)
{
    if (exec && exec->catalog)
        sl_catalog_lock(exec->catalog);
    sl_status st = sl_table_append(table, batch, err);
    if (exec && exec->catalog)
        sl_catalog_unlock(exec->catalog);
    return st;
}

/* Reads the next batch of an open reader into *out (NULL at the end). CSV and JSON add
 * the lines they skip (IGNORE_ERRORS) to *rejected; the other formats take NULL. */
typedef sl_status (*copy_next_fn)(void *reader, sl_batch **out, int64_t *rejected, sl_error *err);

/* A CSV reader that reports the bytes it reads to the statement's progress. */
typedef struct csv_progress_reader {
    sl_csv_reader *reader;
    sl_exec_context *exec;
    int64_t reported;
} csv_progress_reader;

static sl_status csv_next(void *reader, sl_batch **out, int64_t *rejected, sl_error *err)
{
    csv_progress_reader *r = reader;
    sl_status st = sl_csv_reader_next(r->reader, out, rejected, err);
    int64_t now = sl_csv_reader_bytes_read(r->reader);
    sl_exec_progress_add(r->exec, now - r->reported, 0);
    r->reported = now;
    return st;
}

static sl_status json_next(void *reader, sl_batch **out, int64_t *rejected, sl_error *err)
{
    return sl_json_reader_next(reader, out, rejected, err);
}

static sl_status parquet_next(void *reader, sl_batch **out, int64_t *rejected, sl_error *err)
{
    return sl_parquet_reader_next(reader, out, err);
}

static sl_status arrow_next(void *reader, sl_batch **out, int64_t *rejected, sl_error *err)
{
    return sl_arrow_ipc_reader_next(reader, out, err);
}

/* Appends every batch `next` reads from `reader` to the table, adding its rows to *loaded;
 * stops at the end, on the first error or when the query is interrupted. The caller frees
 * the reader. */
static sl_status append_all(sl_exec_context *exec, sl_table *table, copy_next_fn next, void *reader, int64_t *loaded,
                            int64_t *rejected, sl_error *err)
{
    for (;;) {
        if (exec && sl_exec_interrupted(exec))
            return sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
        sl_batch *batch = NULL;
        SL_TRY(next(reader, &batch, rejected, err));
        if (!batch)
            return SL_OK;
        sl_status st = locked_append(exec, table, batch, err);
        *loaded += batch->count;
        sl_batch_free(batch);
        SL_TRY(st);
    }
}

static sl_status copy_csv(sl_exec_context *exec, sl_table *table, const sl_copy_options *opts, const char **paths,
                          uint32_t path_count, const sl_type *types, const char **names, int64_t *loaded,
                          int64_t *rejected, sl_arena *arena, sl_error *err)
{
    sl_csv_dialect dialect;
    if (opts->auto_detect) {
        sl_copy_options sniff_opts = *opts;
        sniff_opts.column_count = table->column_count;
        sniff_opts.column_names = names;
        sniff_opts.column_types = (sl_type *)types;
        sniff_opts.name_count = sniff_opts.type_count = 0;
        sniff_opts.all_varchar = false;
        sl_csv_sniff_result sniffed;
        SL_TRY(sl_csv_sniff(arena, paths[0], &sniff_opts, &sniffed, err));
        dialect = sniffed.dialect;
    } else {
        memset(&dialect, 0, sizeof dialect);
        dialect.delimiter = opts->delimiter;
        dialect.quote = opts->quote;
        dialect.escape = opts->escape ? opts->escape : opts->quote;
        dialect.header = opts->header > 0;
        dialect.null_string = opts->null_string;
        dialect.skip = opts->skip;
    }
    dialect.allow_trailing_delimiter = true;
    sl_csv_reader_config config = {
        .paths = paths,
        .path_count = path_count,
        .dialect = dialect,
        .column_count = table->column_count,
        .types = types,
        .names = names,
        .ignore_errors = opts->ignore_errors,
    };
    sl_csv_reader *reader;
    SL_TRY(sl_csv_reader_open(&config, &reader, err));
    csv_progress_reader progress = { reader, exec, 0 };
    sl_exec_progress_add(exec, 0, sl_csv_reader_bytes_total(reader));
    sl_status st = append_all(exec, table, csv_next, &progress, loaded, rejected, err);
    sl_csv_reader_free(reader);
    return st;
}

static sl_status copy_json(sl_exec_context *exec, sl_table *table, const sl_copy_options *opts, const char **paths,
                           uint32_t path_count, const sl_type *types, const char **names, int64_t *loaded,
                           int64_t *rejected, sl_error *err)
{
    sl_json_reader_config config = {
        .paths = paths,
        .path_count = path_count,
        .column_count = table->column_count,
        .types = types,
        .names = names,
        .ignore_errors = opts->ignore_errors,
    };
    sl_json_reader *reader;
    SL_TRY(sl_json_reader_open(&config, &reader, err));
    sl_status st = append_all(exec, table, json_next, reader, loaded, rejected, err);
    sl_json_reader_free(reader);
    return st;
}

/* Parquet: columns are matched by position; the file's types are cast to the table's
 * only when equal (a mismatch is an error naming the column). */
static sl_status copy_parquet(sl_exec_context *exec, sl_table *table, const char **paths, uint32_t path_count,
                              int64_t *loaded, sl_arena *arena, sl_error *err)
{
    sl_pq_schema schema;
    SL_TRY(sl_parquet_read_schema(arena, paths[0], &schema, err));
    if (schema.column_count != table->column_count)
        return sl_error_set(err, SL_ERR_INVALID_INPUT, "%s has %u columns but table '%s' has %u", paths[0],
                            schema.column_count, table->name, table->column_count);
    for (uint32_t c = 0; c < table->column_count; c++)
        if (!sl_type_equal(schema.types[c], table->columns[c].type)) {
            char a[32], b[32];
            return sl_error_set(err, SL_ERR_INVALID_INPUT,
                                "%s: column %u ('%s') is %s but table column '%s' is %s; use INSERT INTO ... SELECT "
                                "... FROM read_parquet(...) to convert", paths[0], c + 1, schema.names[c],
                                sl_type_name(schema.types[c], a, sizeof a), table->columns[c].name,
                                sl_type_name(table->columns[c].type, b, sizeof b));
        }
    sl_parquet_reader *reader;
    SL_TRY(sl_parquet_reader_open(paths, path_count, &schema, NULL, 0, &reader, err));
    sl_status st = append_all(exec, table, parquet_next, reader, loaded, NULL, err);
    sl_parquet_reader_free(reader);
    return st;
}

/* Arrow IPC (file or stream format, told apart by content): columns are cast to the
 * table's types where they differ. */
static sl_status copy_arrow(sl_exec_context *exec, sl_table *table, const char **paths, uint32_t path_count,
                            const sl_type *types, const char **names, int64_t *loaded, sl_error *err)
{
    sl_arrow_ipc_reader_config config = {
        .paths = paths,
        .path_count = path_count,
        .column_count = table->column_count,
        .types = types,
        .names = names,
        .cast = true,
    };
    sl_arrow_ipc_reader *reader;
    SL_TRY(sl_arrow_ipc_reader_open(&config, &reader, err));
    sl_status st = append_all(exec, table, arrow_next, reader, loaded, NULL, err);
    sl_arrow_ipc_reader_free(reader);
    return st;
}

sl_status sl_copy_from(sl_exec_context *exec, sl_table *table, const sl_copy_options *opts, int64_t *rows_loaded,
                       int64_t *rows_rejected, sl_error *err)
{
    if (!opts->path)
        return sl_error_set(err, SL_ERR_INVALID_ARG, "COPY FROM needs a file name");
    sl_arena arena;
    sl_arena_init(&arena, 0);
    int64_t loaded = 0, rejected = 0;
    sl_status st;
    const char **paths = NULL;
    uint32_t path_count = 0;
    sl_type *types = sl_arena_alloc(&arena, (table->column_count + 1) * sizeof *types);
    const char **names = sl_arena_alloc(&arena, (table->column_count + 1) * sizeof *names);
    if (!types || !names) {
        st = sl_error_oom(err);
        goto done;
    }
    for (uint32_t c = 0; c < table->column_count; c++) {
        types[c] = table->columns[c].type;
        names[c] = table->columns[c].name;
    }
    st = sl_file_glob(&arena, opts->path, &paths, &path_count, err);
    if (st != SL_OK)
        goto done;
    if (sl_copy_effective_format(opts) == SL_COPY_FORMAT_PARQUET)
        st = copy_parquet(exec, table, paths, path_count, &loaded, &arena, err);
    else if (sl_copy_effective_format(opts) == SL_COPY_FORMAT_ARROW ||
             sl_copy_effective_format(opts) == SL_COPY_FORMAT_ARROWS)
        st = copy_arrow(exec, table, paths, path_count, types, names, &loaded, err);
    else if (opts->format == SL_COPY_FORMAT_JSON)
        st = copy_json(exec, table, opts, paths, path_count, types, names, &loaded, &rejected, err);
    else
        st = copy_csv(exec, table, opts, paths, path_count, types, names, &loaded, &rejected, &arena, err);
done:
    sl_arena_free(&arena);
    if (rows_loaded)
        *rows_loaded = loaded;
    if (rows_rejected)
        *rows_rejected = rejected;
    if (exec) {
        if (rejected)
            atomic_fetch_add(&exec->rows_rejected, rejected);
        exec->rows_affected = loaded;
    }
    return st;
}
