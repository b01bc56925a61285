/*
 * background.c — materialized views and sinks: continuous queries that run in the
 * background of a database (CREATE MATERIALIZED VIEW, CREATE SINK).
 *
 * A job is created by its CREATE statement (under the database's statement lock). Its
 * query is bound and planned again in an arena the job owns (the statement's arena ends
 * with the statement) and, when it reads a source, planned as a continuous query in
 * streaming form whatever execution_mode says, with its RESULT keeping the changelog
 * (sl_continuous_keep_changes). Each output batch is then delivered:
 *   materialized view  applied to the view's store (stream/view_scan.h), which SELECT
 *                      reads as a snapshot; then passed on to the sinks FROM the view
 *   sink               written to its file through the COPY TO writers, flushed at once:
 *                      CSV with a header or JSON lines; an updating query's rows carry
 *                      an `op` first ('+I', '-U', '+U', '-D', as EMIT CHANGES prints);
 *                      with connector = 'nats', published to a JetStream subject instead,
 *                      one message per row, acked before the write returns (connect/nats_sink.h)
 *
 * When to run. A job whose inputs all end (bounded sources, tables) runs to completion
 * inside CREATE, so the view is complete (equal to the batch result of its query) and
 * the sink's file written when CREATE returns; a failure then fails the CREATE. A job
 * reading an unbounded source gets a thread: loop { take the statement lock;
 * sl_continuous_poll; release it; deliver the batch; idle -> sl_continuous_idle_wait } so
 * other statements run between its rounds, as between the fetches of a live result. It
 * takes the statement lock with a timeout, checking its own interrupt flag, because DROP
 * and sluice_close stop it (set the flag, join the thread) while holding that lock.
 *
 * A job that fails stops and keeps the message: SHOW shows it, a SELECT from a failed
 * view reports "materialized view v failed: ...". A sink FROM a materialized view has no
 * query of its own: it first writes the view's current rows, then receives each change
 * the view applies (under the view job's lock, so no change is lost or doubled).
 *
 * Lifetimes: the database lists its jobs (db->jobs, statement lock); the catalog entry
 * (sl_stream_object) borrows the job and the view store. DROP stops the job, removes the
 * entry and frees the job; sluice_close stops every job before the catalog goes away.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "api/api_internal.h"
#include "exec/executor.h"
#include "connect/kafka_sink.h"
#include "connect/nats_sink.h"
#include "formats/copy.h"
#include "formats/csv.h"
#include "formats/file_output.h"
#include "formats/json.h"
#include "plan/physical.h"
#include "sql/binder.h"
#include "sql/parser.h"
#include "stream/registry.h"
#include "stream/view_scan.h"

typedef enum job_state {
    JOB_RUNNING,
    JOB_FINISHED,       /* every input ended */
    JOB_FAILED,         /* message says why */
    JOB_STOPPED         /* dropped or the database closed */
} job_state;

static const char *const job_state_names[] = { "running", "finished", "failed", "stopped" };

struct sl_background_job {
    sluice_database *db;
    struct sl_background_job *next;   /* db->jobs (statement lock) */
    char *name;
    sl_stream_object_kind kind;

    /* the query (none for a sink FROM a materialized view) */
    sl_arena arena;                   /* bound statement, plan, SQL text */
    sl_exec_context exec;
    atomic_bool interrupt;
    sl_continuous *query;
    uint64_t registry_id;             /* 0 = not registered */
    bool updating;                    /* the output is a changelog with retractions */
    pthread_t thread;
    bool has_thread;

    pthread_mutex_t lock;             /* state, message, rows, subscribers, the sink's writer */
    job_state state;
    char *message;
    int64_t rows;                     /* changes applied (view) / rows written (sink) */

    /* materialized view */
    sl_view_store *store;
    struct sl_background_job **subscribers;   /* sinks FROM this view */
    size_t subscriber_count, subscriber_capacity;

    /* sink */
    char *path;
    char *format;
    sl_csv_writer *csv;
    sl_json_writer *json;
    char *server;                     /* connector = 'nats': the URL (path = the subject) */
    sl_nats_sink *nats;
    const struct sl_kafka_sink_options *kafka_options;   /* connector = 'kafka': during CREATE only */
    sl_kafka_sink *kafka;
    bool op_column;                   /* rows are written with `op` first */
    struct sl_background_job *from_view;
};

/* ------------------------------------------------------------------ state */

static void job_set_failed(sl_background_job *job, const char *message)
{
    pthread_mutex_lock(&job->lock);
    if (job->state == JOB_RUNNING) {
        job->state = JOB_FAILED;
        sl_free(job->message);
        job->message = sl_strdup(message);
    }
    pthread_mutex_unlock(&job->lock);
    if (job->store)
        sl_view_store_fail(job->store, message);
}

/* ------------------------------------------------------------------ sinks */

static const char *change_name(int8_t change)
{
    switch (change) {
    case SL_CHANGE_UPDATE_BEFORE: return "-U";
    case SL_CHANGE_UPDATE_AFTER: return "+U";
    case SL_CHANGE_DELETE: return "-D";
    default: return "+I";
    }
}

/* Writes the active rows of batch (op column first when the sink has one) and flushes.
 * Caller holds job->lock. */
static sl_status sink_write_locked(sl_background_job *job, const sl_batch *batch, sl_error *err)
{
    if (job->kafka) {   /* upserts / Debezium events, acknowledged before the write returns */
        int64_t produced = 0;
        sl_status st = sl_kafka_sink_write(job->kafka, batch, &produced, err);
        job->rows += produced;
        return st;
    }
    if (job->nats) {   /* one message per row, "op" / Debezium events written by the sink */
        int64_t published = 0;
        sl_status st = sl_nats_sink_write(job->nats, batch, &published, err);
        job->rows += published;
        return st;
    }
    sl_batch *dense = sl_batch_compact(batch, err);
    if (!dense)
        return err && err->code != SL_OK ? err->code : sl_error_oom(err);
    sl_batch *rows = dense, *with_op = NULL;
    sl_status st = SL_OK;
    if (job->op_column) {
        with_op = sl_batch_new(dense->column_count + 1);
        sl_vector *op = sl_vector_new(sl_type_make(SL_TYPE_VARCHAR), dense->count ? dense->count : 1);
        st = with_op && op ? SL_OK : sl_error_oom(err);
        for (uint32_t r = 0; r < dense->count && st == SL_OK; r++)
            st = sl_vector_set_string(op, r, change_name(dense->change ? dense->change[r] : SL_CHANGE_INSERT), 2,
                                      err);
        if (st == SL_OK) {
            sl_batch_set_column(with_op, 0, op);
            op = NULL;
            for (uint32_t c = 0; c < dense->column_count; c++)
                sl_batch_set_column(with_op, c + 1, sl_vector_ref(dense->columns[c]));
            with_op->length = with_op->count = dense->count;
            rows = with_op;
        }
        if (op)
            sl_vector_unref(op);
    }
    if (st == SL_OK) {
        sl_file_output *out = job->csv ? sl_csv_writer_output(job->csv) : sl_json_writer_output(job->json);
        st = job->csv ? sl_csv_writer_write(job->csv, rows, err) : sl_json_writer_write(job->json, rows, err);
        if (st == SL_OK)
            st = sl_file_output_flush(out, err);
        if (st == SL_OK)
            job->rows += rows->count;
    }
    sl_batch_free(with_op);
    sl_batch_free(dense);
    return st;
}

/* Delivers a batch to a running sink; a write error fails the sink (not the caller). */
static void sink_deliver(sl_background_job *sink, const sl_batch *batch)
{
    pthread_mutex_lock(&sink->lock);
    sl_error err;
    sl_error_clear(&err);
    sl_status st = sink->state == JOB_RUNNING ? sink_write_locked(sink, batch, &err) : SL_OK;
    pthread_mutex_unlock(&sink->lock);
    if (st != SL_OK)
        job_set_failed(sink, err.message);
}

/* Opens the sink's file at CREATE (a bad path is the CREATE's error) and makes it direct:
 * every flush is visible at `path`. names: the query's columns. */
static sl_status sink_open(sl_background_job *job, uint32_t column_count, const char *const *names, sl_error *err)
{
    if (job->kafka_options) {
        const struct sl_kafka_sink_options *options = job->kafka_options;
        job->kafka_options = NULL;   /* the statement's arena */
        return sl_kafka_sink_open(options, column_count, names, job->op_column, &job->kafka, err);
    }
    if (job->server) {
        sl_nats_sink_options options = { job->name, job->server, job->path,
                                         strcmp(job->format, "json") == 0 ? SL_NATS_SINK_JSON : SL_NATS_SINK_DEBEZIUM_JSON,
                                         job->op_column };
        return sl_nats_sink_open(&options, column_count, names, &job->nats, err);
    }
    uint32_t n = column_count + (job->op_column ? 1 : 0);
    const char **all = sl_malloc((n ? n : 1) * sizeof *all);
    if (!all)
        return sl_error_oom(err);
    uint32_t at = 0;
    if (job->op_column)
        all[at++] = "op";
    for (uint32_t c = 0; c < column_count; c++)
        all[at++] = names[c];
    sl_status st;
    if (strcmp(job->format, "json") == 0) {
        st = sl_json_writer_open(job->path, n, all, &job->json, err);
        if (st == SL_OK)
            st = sl_file_output_make_direct(sl_json_writer_output(job->json), err);
        if (st == SL_OK)
            st = sl_file_output_flush(sl_json_writer_output(job->json), err);
    } else {
        sl_copy_options options;
        sl_copy_options_init(&options);
        options.header = 1;
        st = sl_csv_writer_open(job->path, &options, n, all, &job->csv, err);
        if (st == SL_OK)
            st = sl_file_output_make_direct(sl_csv_writer_output(job->csv), err);
        if (st == SL_OK)
            st = sl_file_output_flush(sl_csv_writer_output(job->csv), err);
    }
    sl_free(all);
    return st;
}

/* Closes the sink's file (its content stays). */
static void sink_close(sl_background_job *job)
{
    sl_error ignored;
    if (job->csv)
        sl_csv_writer_commit(job->csv, &ignored);
    if (job->json)
        sl_json_writer_commit(job->json, &ignored);
    job->csv = NULL;
    job->json = NULL;
    sl_nats_sink_close(job->nats);
    job->nats = NULL;
    sl_kafka_sink_close(job->kafka);
    job->kafka = NULL;
}

/* ------------------------------------------------------------------ delivery */

/* Hands one output batch of the job's query on: to the view's store and the sinks that
 * follow it, or to the sink's file. */
static sl_status job_deliver(sl_background_job *job, const sl_batch *batch, sl_error *err)
{
    sl_status st = SL_OK;
    pthread_mutex_lock(&job->lock);
    if (job->kind == SL_STREAM_OBJECT_MATERIALIZED_VIEW) {
        st = sl_view_store_apply(job->store, batch, err);
        if (st == SL_OK) {
            job->rows += batch->count;
            for (size_t i = 0; i < job->subscriber_count; i++)
                sink_deliver(job->subscribers[i], batch);
        }
    } else {
        st = sink_write_locked(job, batch, err);
    }
    pthread_mutex_unlock(&job->lock);
    return st;
}

/* Takes the statement lock, giving up (false) once the job is told to stop. */
static bool lock_statements(sl_background_job *job)
{
    for (;;) {
        if (atomic_load(&job->interrupt))
            return false;
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec += 20 * 1000 * 1000;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        int rc = pthread_mutex_timedlock(&job->db->statement_lock, &deadline);
        if (rc == 0)
            return true;
        if (rc != ETIMEDOUT)
            return false;
    }
}

/* Drives the query until it ends, fails or is stopped. locked: the caller holds the
 * statement lock (a bounded job inside CREATE); else each round takes it. Returns the
 * failure (also recorded in the job). */
static sl_status job_drive(sl_background_job *job, bool locked, sl_error *err)
{
    for (;;) {
        if (!locked && !lock_statements(job))
            break;
        sl_batch *batch = NULL;
        bool finished = false, idle = false;
        sl_status st = sl_continuous_poll(job->query, &batch, &finished, &idle, err);
        if (!locked)
            pthread_mutex_unlock(&job->db->statement_lock);
        if (st == SL_OK && batch) {
            st = job_deliver(job, batch, err);
            sl_batch_free(batch);
            if (st == SL_OK)
                continue;
        }
        if (st != SL_OK) {
            if (st == SL_ERR_CANCELLED && !locked && atomic_load(&job->interrupt))
                break;
            job_set_failed(job, err ? err->message : "failed");
            return st;
        }
        if (finished) {
            pthread_mutex_lock(&job->lock);
            if (job->state == JOB_RUNNING)
                job->state = JOB_FINISHED;
            for (size_t i = 0; i < job->subscriber_count; i++) {
                pthread_mutex_lock(&job->subscribers[i]->lock);
                if (job->subscribers[i]->state == JOB_RUNNING)
                    job->subscribers[i]->state = JOB_FINISHED;
                pthread_mutex_unlock(&job->subscribers[i]->lock);
            }
            pthread_mutex_unlock(&job->lock);
            return SL_OK;
        }
        if (idle)
            sl_continuous_idle_wait();
    }
    pthread_mutex_lock(&job->lock);
    if (job->state == JOB_RUNNING)
        job->state = JOB_STOPPED;
    pthread_mutex_unlock(&job->lock);
    return SL_OK;
}

static void *job_main(void *arg)
{
    sl_background_job *job = arg;
    sl_error err;
    sl_error_clear(&err);
    job_drive(job, false, &err);
    return NULL;
}

/* ------------------------------------------------------------------ lifetime */

/* Stops the job's thread (sets its interrupt, joins). The caller may hold the statement
 * lock: the thread gives up waiting for it once interrupted. */
static void job_stop(sl_background_job *job)
{
    atomic_store(&job->interrupt, true);
    if (job->has_thread) {
        pthread_join(job->thread, NULL);
        job->has_thread = false;
    }
    pthread_mutex_lock(&job->lock);
    if (job->state == JOB_RUNNING)
        job->state = JOB_STOPPED;
    pthread_mutex_unlock(&job->lock);
}

/* Releases the query, its registration and arena (the job's results stay). */
static void job_release_query(sl_background_job *job)
{
    if (job->registry_id)
        sl_query_registry_remove(job->db->queries, job->registry_id);
    job->registry_id = 0;
    sl_continuous_free(job->query);
    job->query = NULL;
    sl_arena_free(&job->arena);
}

/* Frees a stopped job (no thread). */
static void job_free(sl_background_job *job)
{
    if (!job)
        return;
    job_release_query(job);
    sink_close(job);
    sl_view_store_free(job->store);
    sl_free(job->subscribers);
    pthread_mutex_destroy(&job->lock);
    sl_free(job->message);
    sl_free(job->path);
    sl_free(job->server);
    sl_free(job->format);
    sl_free(job->name);
    sl_free(job);
}

static sl_background_job *job_new(sluice_database *db, const char *name, sl_stream_object_kind kind)
{
    sl_background_job *job = sl_calloc(1, sizeof *job);
    if (!job)
        return NULL;
    job->db = db;
    job->kind = kind;
    job->name = sl_strdup(name);
    sl_arena_init(&job->arena, 0);
    atomic_init(&job->interrupt, false);
    pthread_mutex_init(&job->lock, NULL);
    if (!job->name) {
        job_free(job);
        return NULL;
    }
    return job;
}

static void exec_init(sl_background_job *job)
{
    sluice_database *db = job->db;
    sl_exec_context *exec = &job->exec;
    memset(exec, 0, sizeof *exec);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    exec->eval.now_micros = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
    exec->memory = &db->memory;
    exec->catalog = db->catalog;
    exec->queries = db->queries;
    exec->interrupt = &job->interrupt;
    exec->temp_directory = sl_arena_strdup(&job->arena, db->settings.temp_directory ? db->settings.temp_directory : ".tmp");
    int64_t threads = db->settings.threads;
    exec->threads = threads < 1 ? 1 : threads > 1024 ? 1024 : (uint32_t)threads;
    atomic_init(&exec->rows_rejected, 0);
}

/* The name is free for a new object (the catalog checks again when the entry is made). */
static sl_status check_name_free(sl_catalog *catalog, const char *name, sl_error *err)
{
    const char *what = sl_catalog_find_table(catalog, name)    ? "Table"
                       : sl_catalog_find_view(catalog, name)   ? "View"
                       : sl_catalog_find_source(catalog, name) ? "Source"
                                                               : NULL;
    sl_stream_object *o = sl_catalog_find_stream_object(catalog, name);
    if (o)
        what = o->kind == SL_STREAM_OBJECT_SINK ? "Sink" : "Materialized view";
    if (what)
        return sl_error_set(err, SL_ERR_CATALOG, "%s with name \"%s\" already exists", what, name);
    return SL_OK;
}

/* Binds and plans the job's query (bound->view_sql) in the job's arena and starts it;
 * *columns receive its output schema (arena). */
static sl_status job_start_query(sl_background_job *job, sluice_connection *conn, const sl_bound_statement *bound,
                                 uint32_t *column_count, const char ***names, sl_type **types, bool *bounded,
                                 sl_physical_op **batch_root, sl_error *err)
{
    sluice_database *db = job->db;
    *batch_root = NULL;
    char *sql = sl_arena_strdup(&job->arena, bound->view_sql);
    if (!sql)
        return sl_error_oom(err);
    sl_ast_stmt *stmt = NULL;
    size_t end = 0;
    SL_TRY(sl_parse_statement(&job->arena, sql, 0, &stmt, &end, err));
    if (!stmt || stmt->kind != SL_AST_STMT_SELECT)
        return sl_error_set(err, SL_ERR_INTERNAL, "%s: not a query", job->name);
    sl_plan_context ctx = { &job->arena, 0 };
    sl_bind_options options = { NULL, 0, &job->exec.eval };
    sl_bound_statement *query = NULL;
    SL_TRY(sl_bind_statement(&ctx, db->catalog, stmt, sql, &options, &query, err));
    sl_physical_op *root = NULL;
    bool continuous = false;
    SL_TRY(sl_plan_background_query(db, &ctx, query, &root, &continuous, bounded, err));
    *column_count = root->column_count;
    *names = root->names;
    *types = root->types;
    if (!continuous) {   /* tables only: a batch query, run once */
        *batch_root = root;
        *bounded = true;
        return SL_OK;
    }
    job->updating = !root->children[0]->append_only;
    (void)conn;
    SL_TRY(sl_continuous_start(&job->exec, root, &job->query, err));
    sl_continuous_keep_changes(job->query);
    return sl_query_registry_add(db->queries, job->query, &job->registry_id, err);
}

/* CREATE SINK s FROM v: writes v's rows, then follows v's changes while v runs. */
static sl_status sink_follow_view(sl_background_job *sink, sl_background_job *view, const sl_bound_statement *bound,
                                  sl_error *err)
{
    pthread_mutex_lock(&view->lock);
    bool running = view->state == JOB_RUNNING;
    sl_status st = SL_OK;
    if (view->state == JOB_FAILED)
        st = sl_error_set(err, SL_ERR_INVALID_ARG, "materialized view %s failed: %s", view->name,
                          view->message ? view->message : "");
    sink->op_column = running && view->updating;
    if (st == SL_OK)
        st = sink_open(sink, bound->column_count, bound->names, err);
    sl_batch **rows = NULL;
    size_t count = 0;
    if (st == SL_OK)
        st = sl_view_store_rows(view->store, &rows, &count, err);
    for (size_t i = 0; i < count; i++) {
        if (st == SL_OK)
            st = sink_write_locked(sink, rows[i], err);
        sl_batch_free(rows[i]);
    }
    sl_free(rows);
    if (st == SL_OK && running) {
        st = sl_array_reserve((void **)&view->subscribers, &view->subscriber_capacity, view->subscriber_count + 1,
                              sizeof *view->subscribers, err);
        if (st == SL_OK) {
            view->subscribers[view->subscriber_count++] = sink;
            sink->from_view = view;
        }
    }
    if (st == SL_OK && !running)
        sink->state = JOB_FINISHED;
    pthread_mutex_unlock(&view->lock);
    return st;
}

sl_status sl_background_create(sluice_connection *conn, const sl_bound_statement *bound, sl_error *err)
{
    sluice_database *db = conn->database;
    bool sink = bound->kind == SL_BOUND_CREATE_SINK;
    if (bound->if_not_exists && sl_catalog_find_stream_object(db->catalog, bound->table_name))
        return SL_OK;
    SL_TRY(check_name_free(db->catalog, bound->table_name, err));
    sl_background_job *job =
        job_new(db, bound->table_name, sink ? SL_STREAM_OBJECT_SINK : SL_STREAM_OBJECT_MATERIALIZED_VIEW);
    if (!job)
        return sl_error_oom(err);
    exec_init(job);
    sl_status st = SL_OK;
    uint32_t column_count = bound->column_count;
    const char **names = bound->names;
    sl_type *types = bound->types;
    bool bounded = true;
    sl_physical_op *batch_root = NULL;
    if (sink && (!(job->path = sl_strdup(bound->path)) || !(job->format = sl_strdup(bound->stream_format))))
        st = sl_error_oom(err);
    if (st == SL_OK && sink && bound->sink_server && !(job->server = sl_strdup(bound->sink_server)))
        st = sl_error_oom(err);
    if (sink)
        job->kafka_options = bound->kafka_sink;

    if (st == SL_OK && bound->stream_from) {
        sl_stream_object *view = sl_catalog_find_stream_object(db->catalog, bound->stream_from);
        if (!view || !view->job)
            st = sl_error_set(err, SL_ERR_CATALOG, "materialized view %s does not exist", bound->stream_from);
        else
            st = sink_follow_view(job, view->job, bound, err);
    } else if (st == SL_OK) {
        st = job_start_query(job, conn, bound, &column_count, &names, &types, &bounded, &batch_root, err);
        if (st == SL_OK && sink) {
            job->op_column = job->updating;
            st = sink_open(job, column_count, names, err);
        }
        if (st == SL_OK && !sink && !(job->store = sl_view_store_new(job->name, column_count, types)))
            st = sl_error_oom(err);
        if (st == SL_OK && batch_root) {   /* tables only: run the batch query now */
            sl_batch **batches = NULL;
            size_t count = 0;
            job->exec.interrupt = &conn->interrupt;
            st = sl_executor_run(&job->exec, batch_root, &batches, &count, err);
            for (size_t i = 0; i < count; i++) {
                if (st == SL_OK)
                    st = job_deliver(job, batches[i], err);
                sl_batch_free(batches[i]);
            }
            sl_free(batches);
            if (st == SL_OK)
                job->state = JOB_FINISHED;
        } else if (st == SL_OK && bounded) {   /* every input ends: fill it before CREATE returns */
            job->exec.interrupt = &conn->interrupt;
            st = job_drive(job, true, err);
        }
    }
    sl_stream_object def;
    memset(&def, 0, sizeof def);
    sl_column_def *columns = NULL;
    if (st == SL_OK) {
        columns = sl_calloc(column_count ? column_count : 1, sizeof *columns);
        if (!columns)
            st = sl_error_oom(err);
        for (uint32_t c = 0; c < column_count && columns; c++) {
            columns[c].name = (char *)names[c];
            columns[c].type = types[c];
        }
        def.name = (char *)bound->table_name;
        def.kind = job->kind;
        def.definition = (char *)(bound->stream_from ? bound->stream_from : bound->view_sql);
        def.column_count = column_count;
        def.columns = columns;
        def.store = job->store;
        def.job = job;
    }
    if (st == SL_OK)
        st = sl_catalog_create_stream_object(db->catalog, &def, err);
    sl_free(columns);
    bool done = job->state != JOB_RUNNING;   /* read before a thread may change it */
    if (st == SL_OK && !done && job->query && !bounded) {
        if (pthread_create(&job->thread, NULL, job_main, job) != 0) {
            sl_catalog_remove_stream_object(db->catalog, job->name);
            st = sl_error_set(err, SL_ERR_IO, "cannot start the background thread of %s", job->name);
        } else {
            job->has_thread = true;
        }
    }
    if (st != SL_OK) {
        if (job->from_view) {   /* undo the subscription */
            sl_background_job *view = job->from_view;
            pthread_mutex_lock(&view->lock);
            view->subscriber_count--;
            pthread_mutex_unlock(&view->lock);
        }
        job_free(job);
        return st;
    }
    if (!job->has_thread)
        job_release_query(job);   /* ran to its end inside CREATE, or has no query */
    if (done)
        sink_close(job);
    job->next = db->jobs;
    db->jobs = job;
    return SL_OK;
}

/* ------------------------------------------------------------------ DROP, close */

static void unlink_job(sluice_database *db, sl_background_job *job)
{
    for (sl_background_job **p = &db->jobs; *p; p = &(*p)->next)
        if (*p == job) {
            *p = job->next;
            return;
        }
}

sl_status sl_background_drop(sluice_database *db, const char *name, bool sink, bool if_exists, sl_error *err)
{
    const char *kind = sink ? "Sink" : "Materialized view";
    sl_stream_object *o = sl_catalog_find_stream_object(db->catalog, name);
    if (!o) {
        if (if_exists)
            return SL_OK;
        return sl_error_set(err, SL_ERR_CATALOG, "%s with name %s does not exist!", kind, name);
    }
    if ((o->kind == SL_STREAM_OBJECT_SINK) != sink)
        return sl_error_set(err, SL_ERR_CATALOG, "\"%s\" is a %s, not a %s: use DROP %s", name,
                            sink ? "materialized view" : "sink", sink ? "sink" : "materialized view",
                            sink ? "MATERIALIZED VIEW" : "SINK");
    sl_background_job *job = o->job;
    pthread_mutex_lock(&job->lock);
    size_t followers = job->subscriber_count;
    const char *follower = followers ? job->subscribers[0]->name : NULL;
    sl_status st = followers ? sl_error_set(err, SL_ERR_CATALOG,
                                            "sink %s reads materialized view %s: drop the sink first", follower, name)
                             : SL_OK;
    pthread_mutex_unlock(&job->lock);
    SL_TRY(st);
    job_stop(job);
    if (job->from_view) {
        sl_background_job *view = job->from_view;
        pthread_mutex_lock(&view->lock);
        for (size_t i = 0; i < view->subscriber_count; i++)
            if (view->subscribers[i] == job) {
                memmove(&view->subscribers[i], &view->subscribers[i + 1],
                        (view->subscriber_count - i - 1) * sizeof *view->subscribers);
                view->subscriber_count--;
                break;
            }
        pthread_mutex_unlock(&view->lock);
    }
    sl_catalog_remove_stream_object(db->catalog, name);
    unlink_job(db, job);
    job_free(job);
    return SL_OK;
}

sl_status sl_background_check_drop(sluice_database *db, const char *name, sl_error *err)
{
    for (sl_background_job *job = db->jobs; job; job = job->next) {
        pthread_mutex_lock(&job->lock);
        bool running = job->state == JOB_RUNNING;
        pthread_mutex_unlock(&job->lock);
        if (!job->query || !running)
            continue;
        uint32_t n = sl_continuous_operator_count(job->query);
        for (uint32_t i = 0; i < n; i++) {
            const sl_op_metrics *metrics = NULL;
            const sl_physical_op *op = sl_continuous_operator(job->query, i, &metrics);
            if ((op->source_name && strcasecmp(op->source_name, name) == 0) ||
                (op->table && strcasecmp(op->table->name, name) == 0))
                return sl_error_set(err, SL_ERR_CATALOG, "%s %s reads \"%s\": drop it first",
                                    job->kind == SL_STREAM_OBJECT_SINK ? "sink" : "materialized view", job->name,
                                    name);
        }
    }
    return SL_OK;
}

void sl_background_stop_all(sluice_database *db)
{
    for (sl_background_job *job = db->jobs; job; job = job->next)
        atomic_store(&job->interrupt, true);
    for (sl_background_job *job = db->jobs; job; job = job->next)
        job_stop(job);
    while (db->jobs) {
        sl_background_job *job = db->jobs;
        db->jobs = job->next;
        sl_catalog_remove_stream_object(db->catalog, job->name);
        job_free(job);
    }
}

/* ------------------------------------------------------------------ SHOW */

sl_status sl_background_show(sluice_database *db, bool sinks, sluice_result **out, sl_error *err)
{
    const char **list = NULL;
    size_t n = 0;
    SL_TRY(sl_catalog_list_stream_objects(db->catalog, sinks ? SL_STREAM_OBJECT_SINK : SL_STREAM_OBJECT_MATERIALIZED_VIEW,
                                          &list, &n, err));
    enum { MAX_COLUMNS = 6 };
    static const char *view_names[] = { "name", "state", "rows", "error", "definition" };
    static const char *sink_names[] = { "name", "state", "rows", "path", "format", "error" };
    uint32_t column_count = sinks ? 6 : 5;
    sl_type types[MAX_COLUMNS];
    for (uint32_t c = 0; c < column_count; c++)
        types[c] = sl_type_make(c == 2 ? SL_TYPE_BIGINT : SL_TYPE_VARCHAR);
    sluice_result *r = sl_result_new(column_count, sinks ? sink_names : view_names, types);
    sl_batch *batch = r ? sl_batch_new_typed(types, column_count, n ? (uint32_t)n : 1) : NULL;
    sl_status st = r && batch ? SL_OK : sl_error_oom(err);
    if (st == SL_OK && !(r->batches = sl_calloc(1, sizeof *r->batches)))
        st = sl_error_oom(err);
    for (size_t i = 0; i < n && st == SL_OK; i++) {
        sl_stream_object *o = sl_catalog_find_stream_object(db->catalog, list[i]);
        sl_background_job *job = o->job;
        uint32_t row = (uint32_t)i;
        pthread_mutex_lock(&job->lock);
        const char *cells[MAX_COLUMNS] = { o->name, job_state_names[job->state], NULL, NULL, NULL, NULL };
        if (sinks) {
            cells[3] = job->path;
            cells[4] = job->format;
            cells[5] = job->message;
        } else {
            cells[3] = job->message;
            cells[4] = o->definition;
        }
        int64_t rows = sinks ? job->rows : (job->store ? sl_view_store_row_count(job->store) : 0);
        for (uint32_t c = 0; c < column_count && st == SL_OK; c++) {
            if (c == 2)
                ((int64_t *)batch->columns[c]->data)[row] = rows;
            else if (cells[c])
                st = sl_vector_set_string(batch->columns[c], row, cells[c], (uint32_t)strlen(cells[c]), err);
            else
                st = sl_vector_set_null(batch->columns[c], row, err);
        }
        pthread_mutex_unlock(&job->lock);
    }
    sl_free(list);
    if (st == SL_OK) {
        batch->length = batch->count = (uint32_t)n;
        r->returns_rows = true;
        if (n) {
            r->batches[0] = batch;
            r->batch_count = 1;
            batch = NULL;
        }
    }
    sl_batch_free(batch);
    if (st != SL_OK) {
        sluice_result_free(r);
        return st;
    }
    *out = r;
    return SL_OK;
}
