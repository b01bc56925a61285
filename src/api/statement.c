/*
 * statement.c — runs one SQL statement end to end:
 *
 *   text ─► sl_parse_statement ─► sl_bind_statement ─► sl_optimize ─► sl_physical_plan
 *        ─► sl_executor_run (with a RESULT / INSERT / COPY_TO sink on top) ─► sluice_result
 *
 * DDL and settings are carried out here directly against the catalog and the database.
 * Everything a statement allocates for planning lives in one arena freed when the
 * statement ends; the result owns its batches (which own their vectors) and copies of
 * its column names, so it outlives the arena.
 *
 * Statements of one database run one at a time (db->statement_lock); parallelism lives
 * inside a statement.
 */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "api/api_internal.h"
#include "api/settings.h"
#include "exec/executor.h"
#include "plan/streaming.h"
#include "formats/copy.h"
#include "plan/optimizer.h"
#include "plan/physical.h"
#include "sql/binder.h"
#include "sql/parser.h"
#include "formats/record.h"
#include "stream/late_rows.h"

static int64_t now_micros(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* A result of one VARCHAR column whose rows are the given lines. */
static sl_status text_result(const char *column, char **lines, size_t line_count, sluice_result **out, sl_error *err)
{
    sl_type type = sl_type_make(SL_TYPE_VARCHAR);
    const char *names[1] = { column };
    sluice_result *r = sl_result_new(1, names, &type);
    if (!r)
        return sl_error_oom(err);
    r->returns_rows = true;
    size_t batch_count = (line_count + SL_BATCH_CAPACITY - 1) / SL_BATCH_CAPACITY;
    r->batches = sl_calloc(batch_count ? batch_count : 1, sizeof(sl_batch *));
    if (!r->batches) {
        sluice_result_free(r);
        return sl_error_oom(err);
    }
    for (size_t b = 0; b < batch_count; b++) {
        size_t first = b * SL_BATCH_CAPACITY;
        uint32_t n = (uint32_t)(line_count - first < SL_BATCH_CAPACITY ? line_count - first : SL_BATCH_CAPACITY);
        sl_batch *batch = sl_batch_new_typed(&type, 1, n);
        if (!batch) {
            sluice_result_free(r);
            return sl_error_oom(err);
        }
        r->batches[r->batch_count++] = batch;
        for (uint32_t i = 0; i < n; i++) {
            const char *line = lines[first + i];
            sl_status st = sl_vector_set_string(batch->columns[0], i, line, (uint32_t)strlen(line), err);
            if (st != SL_OK) {
                sluice_result_free(r);
                return st;
            }
        }
        batch->length = batch->count = n;
    }
    *out = r;
    return SL_OK;
}

/* Splits text into lines (in place) and makes a one-column result of them. */
static sl_status lines_result(const char *column, char *text, sluice_result **out, sl_error *err)
{
    size_t count = 0, cap = 64;
    char **lines = sl_malloc(cap * sizeof *lines);
    if (!lines)
        return sl_error_oom(err);
    char *p = text;
    while (*p) {
        char *nl = strchr(p, '\n');
        if (count == cap) {
            char **grown = sl_realloc(lines, cap * 2 * sizeof *lines);
            if (!grown) {
                sl_free(lines);
                return sl_error_oom(err);
            }
            lines = grown;
            cap *= 2;
        }
        lines[count++] = p;
        if (!nl)
            break;
        *nl = 0;
        p = nl + 1;
    }
    sl_status st = text_result(column, lines, count, out, err);
    sl_free(lines);
    return st;
}

static sl_status plan_query(sl_plan_context *ctx, sl_logical_op *logical, sl_physical_op **out, sl_error *err)
{
    sl_logical_op *optimized = NULL;
    SL_TRY(sl_optimize(ctx, logical, &optimized, err));
    return sl_physical_plan(ctx, optimized, out, err);
}

/* Puts a sink of `kind` on top of a physical plan. */
static sl_physical_op *add_sink(sl_arena *arena, sl_physical_kind kind, sl_physical_op *child)
{
    sl_physical_op *sink = sl_physical_new(arena, kind, 1);
    if (!sink)
        return NULL;
    sink->children[0] = child;
    if (kind == SL_POP_RESULT) {
        sink->column_count = child->column_count;
        sink->types = child->types;
        sink->names = child->names;
    } else {
        static const char *count_name = "Count";
        sink->column_count = 1;
        sink->types = sl_arena_alloc(arena, sizeof(sl_type));
        if (!sink->types)
            return NULL;
        sink->types[0] = sl_type_make(SL_TYPE_BIGINT);
        sink->names = &count_name;
    }
    sink->estimated_rows = child->estimated_rows;
    return sink;
}

static void exec_context_init(sl_exec_context *exec, sluice_connection *conn, const sl_value *params,
                              uint32_t param_count)
{
    memset(exec, 0, sizeof *exec);
    exec->eval.params = params;
    exec->eval.param_count = param_count;
    exec->eval.now_micros = now_micros();
    exec->memory = &conn->database->memory;
    exec->catalog = conn->database->catalog;
    exec->queries = conn->database->queries;
    exec->interrupt = &conn->interrupt;
    exec->progress = &conn->progress;
    exec->temp_directory = conn->database->settings.temp_directory;
    int64_t threads = conn->database->settings.threads;
    exec->threads = threads < 1 ? 1 : threads > 1024 ? 1024 : (uint32_t)threads;
    atomic_init(&exec->rows_rejected, 0);
}

/* Runs a plan whose root is a sink; for RESULT fills a row-returning result. */
static sl_status run_plan(sl_exec_context *exec, sl_physical_op *root, const sl_bound_statement *bound,
                          sluice_result **out, sl_error *err)
{
    sl_batch **batches = NULL;
    size_t batch_count = 0;
    SL_TRY(sl_executor_run(exec, root, &batches, &batch_count, err));
    sluice_result *r;
    if (root->kind == SL_POP_RESULT) {
        r = sl_result_new(bound->column_count, bound->names, bound->types);
        if (r)
            r->returns_rows = true;
    } else {
        r = sl_result_new(0, NULL, NULL);
    }
    if (!r) {
        for (size_t i = 0; i < batch_count; i++)
            sl_batch_free(batches[i]);
        sl_free(batches);
        return sl_error_oom(err);
    }
    r->batches = batches;
    r->batch_count = batch_count;
    r->rows_changed = exec->rows_affected;
    long long rejected = atomic_load(&exec->rows_rejected);
    long long spilled = atomic_load(&exec->spill.bytes_written), files = atomic_load(&exec->spill.files_created);
    char spill[96] = "";
    if (files > 0)
        snprintf(spill, sizeof spill, "spilled %.1f MiB to disk in %lld file%s", (double)spilled / (1024.0 * 1024.0),
                 files, files == 1 ? "" : "s");
    if (rejected > 0)
        r->message = sl_asprintf("skipped %lld malformed row%s (ignore_errors)%s%s", rejected,
                                 rejected == 1 ? "" : "s", spill[0] ? "; " : "", spill);
    else if (spill[0])
        r->message = sl_strdup(spill);
    *out = r;
    return SL_OK;
}

/* Whether the plan under `root` runs as a continuous query (src/stream/README.md), and if
 * so turns it into its streaming form. */
static sl_status plan_continuous(sluice_connection *conn, sl_plan_context *ctx, const sl_bound_statement *bound,
                                 sl_physical_op **root, bool *continuous, sl_error *err)
{
    *continuous = false;
    bool unbounded = false;
    bool reads_source = sl_plan_reads_source(*root, &unbounded);
    bool emit = bound->emit_changes || bound->emit_on_window_close;
    if (!reads_source) {
        if (emit)
            return sl_error_set_at(err, SL_ERR_INVALID_ARG, bound->position,
                                   "EMIT %s needs a query over a source (CREATE SOURCE)",
                                   bound->emit_changes ? "CHANGES" : "ON WINDOW CLOSE");
        return SL_OK;
    }
    sl_execution_mode mode = conn->database->settings.execution_mode;
    if (mode == SL_EXECUTION_BATCH && unbounded)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, bound->position,
                               "the query reads an unbounded source, which a batch query cannot finish: SET "
                               "execution_mode = 'auto' to run it continuously, or bound the source (max_events, "
                               "number_of_rows)");
    if (!unbounded && !emit && mode != SL_EXECUTION_STREAMING)
        return SL_OK;
    sl_streaming_options options = { conn->database->catalog, !unbounded,
                                     bound->emit_changes || conn->database->settings.emit_changes,
                                     bound->emit_on_window_close };
    SL_TRY(sl_plan_streaming(ctx, root, &options, err));
    *continuous = true;
    return SL_OK;
}

static sl_status run_query(sluice_connection *conn, sl_plan_context *ctx, const sl_bound_statement *bound,
                           sl_exec_context *exec, sluice_result **out, sl_error *err)
{
    sl_physical_op *physical = NULL;
    SL_TRY(plan_query(ctx, bound->plan, &physical, err));
    sl_physical_op *root = add_sink(ctx->arena, SL_POP_RESULT, physical);
    if (!root)
        return sl_error_oom(err);
    bool continuous = false;
    SL_TRY(plan_continuous(conn, ctx, bound, &root, &continuous, err));
    if (!continuous)
        return run_plan(exec, root, bound, out, err);
    sluice_result *r = sl_result_new(root->column_count, root->names, root->types);
    if (!r)
        return sl_error_oom(err);
    r->returns_rows = true;
    r->continuous = true;
    sl_status st = sl_live_start(conn->database, exec, root, &r->live, err);
    if (st != SL_OK) {
        sluice_result_free(r);
        return st;
    }
    *out = r;
    return SL_OK;
}

sl_status sl_plan_background_query(sluice_database *db, sl_plan_context *ctx, const sl_bound_statement *bound,
                                   sl_physical_op **root, bool *continuous, bool *bounded, sl_error *err)
{
    sl_physical_op *physical = NULL;
    SL_TRY(plan_query(ctx, bound->plan, &physical, err));
    if (!(*root = add_sink(ctx->arena, SL_POP_RESULT, physical)))
        return sl_error_oom(err);
    bool unbounded = false;
    *continuous = sl_plan_reads_source(*root, &unbounded);
    *bounded = !unbounded;
    if (!*continuous)
        return SL_OK;
    sl_streaming_options options = { db->catalog, !unbounded, false, false };
    return sl_plan_streaming(ctx, root, &options, err);
}

static sl_status run_explain(sluice_connection *conn, sl_plan_context *ctx, const sl_bound_statement *bound,
                             sluice_result **out, sl_error *err)
{
    const sl_bound_statement *inner = bound->explained;
    if (!inner->plan)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, inner->position,
                               "EXPLAIN needs a statement with a query plan (SELECT, INSERT, CREATE TABLE AS, COPY TO)");
    sl_physical_op *physical = NULL;
    SL_TRY(plan_query(ctx, inner->plan, &physical, err));
    sl_physical_kind sink = SL_POP_RESULT;
    if (inner->kind == SL_BOUND_INSERT || inner->kind == SL_BOUND_CREATE_TABLE_AS)
        sink = SL_POP_INSERT;
    else if (inner->kind == SL_BOUND_COPY_TO)
        sink = SL_POP_COPY_TO;
    sl_physical_op *root = add_sink(ctx->arena, sink, physical);
    if (!root)
        return sl_error_oom(err);
    bool continuous = false;   /* a continuous query shows its streaming plan */
    SL_TRY(plan_continuous(conn, ctx, inner, &root, &continuous, err));
    char *text = NULL;
    SL_TRY(sl_executor_explain(root, &text, err));
    sl_status st = lines_result("physical_plan", text, out, err);
    sl_free(text);
    return st;
}

static sl_status empty_result(sluice_result **out, int64_t rows_changed, sl_error *err)
{
    sluice_result *r = sl_result_new(0, NULL, NULL);
    if (!r)
        return sl_error_oom(err);
    r->rows_changed = rows_changed;
    *out = r;
    return SL_OK;
}

/* Text of a constant setting value (numbers and strings as written). */
static sl_status value_text(const sl_value *v, char *buf, size_t cap)
{
    if (v->type.id == SL_TYPE_VARCHAR)
        snprintf(buf, cap, "%.*s", (int)v->v.str.length, v->v.str.data);
    else
        sl_value_format(v, buf, cap);
    return SL_OK;
}

/* COPY options of a bound statement into the formats module's option struct. */
static sl_status copy_options(sl_arena *arena, const sl_bound_statement *bound, sl_copy_options *options,
                              sl_error *err)
{
    sl_copy_options_init(options);
    options->path = bound->path;
    for (uint32_t i = 0; i < bound->option_count; i++) {
        sl_status st = sl_copy_option_set(arena, options, bound->options[i].name, &bound->options[i].value, err);
        if (st != SL_OK) {
            if (err && err->position < 0)
                err->position = bound->options[i].position;
            return st;
        }
    }
    return SL_OK;
}

static sl_status run_bound(sluice_connection *conn, sl_plan_context *ctx, sl_bound_statement *bound,
                           const sl_value *params, uint32_t param_count, sluice_result **out, sl_error *err)
{
    sluice_database *db = conn->database;
    sl_exec_context exec;
    exec_context_init(&exec, conn, params, param_count);

    switch (bound->kind) {
    case SL_BOUND_SELECT:
        return run_query(conn, ctx, bound, &exec, out, err);

    case SL_BOUND_EXPLAIN:
        return run_explain(conn, ctx, bound, out, err);

    case SL_BOUND_CREATE_TABLE:
        if (bound->or_replace)
            SL_TRY(sl_catalog_drop_table(db->catalog, bound->table_name, true, err));
        SL_TRY(sl_catalog_create_table(db->catalog, bound->table_name, bound->column_defs, bound->column_def_count,
                                       bound->if_not_exists, NULL, err));
        return empty_result(out, 0, err);

    case SL_BOUND_CREATE_TABLE_AS: {
        if (bound->if_not_exists && sl_catalog_find_table(db->catalog, bound->table_name))
            return empty_result(out, 0, err);
        sl_physical_op *physical = NULL;
        SL_TRY(plan_query(ctx, bound->plan, &physical, err));
        if (bound->or_replace)
            SL_TRY(sl_catalog_drop_table(db->catalog, bound->table_name, true, err));
        sl_table *table = NULL;
        SL_TRY(sl_catalog_create_table(db->catalog, bound->table_name, bound->column_defs, bound->column_def_count,
                                       false, &table, err));
        sl_physical_op *root = add_sink(ctx->arena, SL_POP_INSERT, physical);
        if (!root)
            return sl_error_oom(err);
        root->target = table;
        bool continuous = false;   /* runs to the end of its (bounded) sources, or until interrupted */
        sl_status st = plan_continuous(conn, ctx, bound, &root, &continuous, err);
        if (st == SL_OK)
            st = run_plan(&exec, root, bound, out, err);
        if (st != SL_OK) {
            sl_error ignored;
            sl_catalog_drop_table(db->catalog, bound->table_name, true, &ignored);
        }
        return st;
    }

    case SL_BOUND_CREATE_VIEW:
        SL_TRY(sl_catalog_create_view(db->catalog, bound->table_name, bound->view_sql, bound->view_aliases,
                                      bound->view_alias_count, bound->or_replace, err));
        return empty_result(out, 0, err);

    case SL_BOUND_DROP:
        for (uint32_t i = 0; i < bound->drop_count; i++) {
            if (bound->drop_kind == SL_AST_OBJECT_TABLE || bound->drop_kind == SL_AST_OBJECT_SOURCE)
                SL_TRY(sl_background_check_drop(db, bound->drop_names[i], err));   /* a running job reads it */
            if (bound->drop_kind == SL_AST_OBJECT_VIEW)
                SL_TRY(sl_catalog_drop_view(db->catalog, bound->drop_names[i], bound->if_exists, err));
            else if (bound->drop_kind == SL_AST_OBJECT_MATERIALIZED_VIEW || bound->drop_kind == SL_AST_OBJECT_SINK)
                SL_TRY(sl_background_drop(db, bound->drop_names[i], bound->drop_kind == SL_AST_OBJECT_SINK,
                                          bound->if_exists, err));   /* api/background.c */
            else if (bound->drop_kind == SL_AST_OBJECT_SOURCE)
                SL_TRY(sl_catalog_drop_source(db->catalog, bound->drop_names[i], bound->if_exists, err));
            else
                SL_TRY(sl_catalog_drop_table(db->catalog, bound->drop_names[i], bound->if_exists, err));
        }
        return empty_result(out, 0, err);

    case SL_BOUND_INSERT: {
        sl_physical_op *physical = NULL;
        SL_TRY(plan_query(ctx, bound->plan, &physical, err));
        sl_physical_op *root = add_sink(ctx->arena, SL_POP_INSERT, physical);
        if (!root)
            return sl_error_oom(err);
        root->target = bound->table;
        bool continuous = false;   /* runs to the end of its (bounded) sources, or until interrupted */
        SL_TRY(plan_continuous(conn, ctx, bound, &root, &continuous, err));
        return run_plan(&exec, root, bound, out, err);
    }

    case SL_BOUND_COPY_FROM: {
        sl_copy_options options;
        SL_TRY(copy_options(ctx->arena, bound, &options, err));
        if (bound->copy_column_count > 0 && bound->copy_column_count != bound->table->column_count)
            return sl_error_set_at(err, SL_ERR_INVALID_ARG, bound->position,
                                   "COPY FROM with a column list must name every column of \"%s\"; load into a "
                                   "staging table and INSERT ... SELECT the columns you need",
                                   bound->table->name);
        int64_t loaded = 0;
        SL_TRY(sl_copy_from(&exec, bound->table, &options, &loaded, NULL, err));
        SL_TRY(empty_result(out, loaded, err));
        long long rejected = atomic_load(&exec.rows_rejected);
        if (rejected > 0)
            (*out)->message = sl_asprintf("skipped %lld malformed row%s (ignore_errors)", rejected,
                                          rejected == 1 ? "" : "s");
        return SL_OK;
    }

    case SL_BOUND_COPY_TO: {
        sl_copy_options *options = sl_arena_calloc(ctx->arena, sizeof *options);
        if (!options)
            return sl_error_oom(err);
        SL_TRY(copy_options(ctx->arena, bound, options, err));
        sl_physical_op *physical = NULL;
        SL_TRY(plan_query(ctx, bound->plan, &physical, err));
        sl_physical_op *root = add_sink(ctx->arena, SL_POP_COPY_TO, physical);
        if (!root)
            return sl_error_oom(err);
        root->copy = options;
        bool continuous = false;   /* runs to the end of its (bounded) sources, or until interrupted */
        SL_TRY(plan_continuous(conn, ctx, bound, &root, &continuous, err));
        return run_plan(&exec, root, bound, out, err);
    }

    case SL_BOUND_SET: {
        if (bound->setting_default)
            SL_TRY(sl_setting_reset(db, bound->setting_name, err));
        else {
            char text[1024];
            value_text(&bound->setting_value, text, sizeof text);
            SL_TRY(sl_setting_set(db, bound->setting_name, text, err));
        }
        return empty_result(out, 0, err);
    }

    case SL_BOUND_RESET:
        if (bound->setting_name) {
            SL_TRY(sl_setting_reset(db, bound->setting_name, err));
        } else {
            SL_TRY(sl_setting_reset(db, "threads", err));
            SL_TRY(sl_setting_reset(db, "memory_limit", err));
            SL_TRY(sl_setting_reset(db, "temp_directory", err));
        }
        return empty_result(out, 0, err);

    case SL_BOUND_SHOW: {
        char *value = NULL;
        SL_TRY(sl_setting_get(db, bound->setting_name, &value, err));
        sl_status st = text_result(bound->setting_name, &value, 1, out, err);
        sl_free(value);
        return st;
    }

    case SL_BOUND_CREATE_SOURCE:   /* sources are in-memory catalog entries (not persisted) */
        for (uint32_t i = 0; i < bound->source->option_count; i++)   /* stream/late_rows.h */
            if (strcmp(bound->source->options[i].name, "late_rows_table") == 0)
                SL_TRY(sl_late_rows_create(db->catalog, bound->source->options[i].value, err));
            else if (strcmp(bound->source->options[i].name, "dead_letter_table") == 0)   /* formats/record.h */
                SL_TRY(sl_dead_letter_table_create(db->catalog, bound->source->options[i].value, err));
        if (bound->or_replace)
            SL_TRY(sl_catalog_drop_source(db->catalog, bound->source->name, true, err));
        SL_TRY(sl_catalog_create_source(db->catalog, bound->source, bound->if_not_exists, err));
        return empty_result(out, 0, err);

    case SL_BOUND_CREATE_MATERIALIZED_VIEW:   /* background jobs: api/background.c */
    case SL_BOUND_CREATE_SINK:
        SL_TRY(sl_background_create(conn, bound, err));
        return empty_result(out, 0, err);

    case SL_BOUND_SHOW_STREAMS:
        return sl_background_show(db, bound->drop_kind == SL_AST_OBJECT_SINK, out, err);
    }
    return sl_error_set(err, SL_ERR_INTERNAL, "unknown bound statement kind %d", (int)bound->kind);
}

sl_status sl_run_statement(sluice_connection *conn, const char *sql, size_t offset, size_t *end,
                           const sl_value *params, uint32_t param_count, sluice_result **out, sl_error *err)
{
    *out = NULL;
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_ast_stmt *stmt = NULL;
    sl_status st = sl_parse_statement(&arena, sql, offset, &stmt, end, err);
    if (st != SL_OK || !stmt) {
        sl_arena_free(&arena);
        return st;
    }
    sluice_database *db = conn->database;
    pthread_mutex_lock(&db->statement_lock);
    atomic_store(&conn->interrupt, false);
    atomic_store(&conn->progress.done, 0);
    atomic_store(&conn->progress.total, 0);

    sl_plan_context ctx = { &arena, 0 };
    sl_eval_context eval = { params, param_count, now_micros(), NULL };
    sl_bind_options options = { params, param_count, &eval };
    sl_bound_statement *bound = NULL;
    st = sl_bind_statement(&ctx, db->catalog, stmt, sql, &options, &bound, err);
    if (st == SL_OK) {
        st = run_bound(conn, &ctx, bound, params, param_count, out, err);
        /* Persist what the statement changed (also after a failure: the catalog may hold
         * part of it, e.g. the first tables of a DROP list). A statement error wins. */
        sl_error sync_err;
        sl_error_clear(&sync_err);
        if (sl_storage_sync(db->storage, db->catalog, &sync_err) != SL_OK && st == SL_OK) {
            if (err)
                *err = sync_err;
            st = sync_err.code;
            sluice_result_free(*out);
            *out = NULL;
        }
    }
    if (st == SL_OK && *out)
        (*out)->connection = conn;
    if (st == SL_OK && *out && (*out)->live)   /* the plan lives on with the running query */
        sl_live_adopt_arena((*out)->live, &arena);

    pthread_mutex_unlock(&db->statement_lock);
    sl_arena_free(&arena);
    return st;
}

/* ------------------------------------------------------------------ public entry points */

sluice_status sluice_query_first(sluice_connection *conn, const char *sql, const char **rest, sluice_result **out)
{
    if (!conn || !sql)
        return SLUICE_ERROR_INVALID_ARGUMENT;
    sl_error err;
    sl_error_clear(&err);
    size_t end = 0;
    sluice_result *result = NULL;
    if (sl_run_statement(conn, sql, 0, &end, NULL, 0, &result, &err) != SL_OK)
        return sl_api_fail(conn, &err);
    sl_error_clear(&conn->error);
    if (rest)
        *rest = sql + end;
    if (out)
        *out = result;
    else
        sluice_result_free(result);
    return SLUICE_OK;
}

sluice_status sluice_query(sluice_connection *conn, const char *sql, sluice_result **out)
{
    if (!conn || !sql)
        return SLUICE_ERROR_INVALID_ARGUMENT;
    sl_error err;
    sl_error_clear(&err);
    size_t offset = 0;
    sluice_result *last = NULL;
    for (;;) {
        size_t end = offset;
        sluice_result *result = NULL;
        if (sl_run_statement(conn, sql, offset, &end, NULL, 0, &result, &err) != SL_OK) {
            sluice_result_free(last);
            return sl_api_fail(conn, &err);
        }
        if (!result)
            break;
        sluice_result_free(last);
        last = result;
        if (end <= offset)
            break;
        offset = end;
    }
    sl_error_clear(&conn->error);
    if (out)
        *out = last;
    else
        sluice_result_free(last);
    return SLUICE_OK;
}
