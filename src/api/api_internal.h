/*
 * api_internal.h — what the public handles (include/sluice.h) hold, shared by the files
 * of src/api: database.c (databases, connections, settings), statement.c (running one
 * statement end to end), result.c (results, chunks, Arrow export) and prepared.c.
 */
#ifndef SL_API_INTERNAL_H
#define SL_API_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "sluice.h"
#include "catalog/catalog.h"
#include "exec/operator.h"
#include "storage/storage.h"
#include "vector/batch.h"
#include "vector/value.h"

/* SET execution_mode: when a query over sources runs as a continuous query. */
typedef enum sl_execution_mode {
    SL_EXECUTION_AUTO,        /* continuous when it reads an unbounded source */
    SL_EXECUTION_BATCH,       /* never (an unbounded source is an error) */
    SL_EXECUTION_STREAMING    /* always, when it reads a source */
} sl_execution_mode;

/* Settings changed with SET, shown with SHOW. Database-wide. */
typedef struct sl_settings {
    int64_t threads;
    int64_t memory_limit;
    char *temp_directory;
    sl_execution_mode execution_mode;
    bool emit_changes;         /* updating continuous results print their changelog */
} sl_settings;

struct sl_query_registry;
typedef struct sl_background_job sl_background_job;

struct sluice_database {
    sl_catalog *catalog;
    struct sl_query_registry *queries;   /* running continuous queries (system tables) */
    sl_storage *storage;       /* NULL for an in-memory database */
    sl_memory memory;
    sl_settings settings;
    pthread_mutex_t lock;      /* guards settings */
    pthread_mutex_t statement_lock; /* statements run one at a time */
    sl_background_job *jobs;   /* materialized views and sinks (background.c); statement lock */
    atomic_int connection_count;
};

struct sluice_connection {
    sluice_database *database;
    sl_error error;            /* last failed call */
    char error_text[SL_ERROR_MESSAGE_MAX + 64];
    atomic_bool interrupt;
    sl_progress progress;      /* of the running statement (sluice_query_progress) */
};

/* live.c: a continuous query's result, produced while the caller reads it. */
typedef struct sl_live_query sl_live_query;

struct sluice_result {
    bool returns_rows;
    sl_live_query *live;       /* NULL, or the running continuous query producing more batches */
    bool continuous;           /* produced by a continuous query (live, or was) */
    uint32_t column_count;
    char **names;
    sl_type *types;
    char **type_names;
    sl_batch **batches;        /* owned */
    size_t batch_count;
    size_t next_batch;         /* fetch cursor */
    int64_t rows_changed;
    char *message;             /* NULL or informational text */
    sluice_connection *connection;
};

struct sluice_chunk {
    sl_batch *batch;           /* owned */
};

/* Records err as the connection's last error and converts the status. */
sluice_status sl_api_fail(sluice_connection *conn, const sl_error *err);
sluice_status sl_api_status(sl_status st);

struct sl_physical_op;
struct sl_exec_context;
/* Starts the streaming plan `root` (RESULT on top); exec is copied. */
sl_status sl_live_start(sluice_database *db, struct sl_exec_context *exec, const struct sl_physical_op *root,
                        sl_live_query **out, sl_error *err);
/* Moves the statement's arena (plan, names) into the live query; *arena is left empty. */
void sl_live_adopt_arena(sl_live_query *q, sl_arena *arena);
/* The next output batch (caller frees) or NULL once the query ended. */
sl_status sl_live_next(sl_live_query *q, sl_batch **out, sl_error *err);
/* As sl_live_next, waiting at most timeout_ms (-1: no limit): NULL when nothing came. */
sl_status sl_live_poll(sl_live_query *q, int timeout_ms, sl_batch **out, sl_error *err);
bool sl_live_ended(const sl_live_query *q);
bool sl_live_is_updating(const sl_live_query *q);
sl_status sl_live_snapshot(sl_live_query *q, sl_batch ***batches, size_t *count, sl_error *err);
void sl_live_progress(sl_live_query *q, sluice_progress *progress);
int64_t sl_live_rows_rejected(const sl_live_query *q);
void sl_live_free(sl_live_query *q);

/* background.c: materialized views and sinks (CREATE MATERIALIZED VIEW / SINK). All are
 * called with the statement lock held, except sl_background_stop_all (sluice_close). */
struct sl_bound_statement;
struct sl_plan_context;
sl_status sl_background_create(sluice_connection *conn, const struct sl_bound_statement *bound, sl_error *err);
sl_status sl_background_drop(sluice_database *db, const char *name, bool sink, bool if_exists, sl_error *err);
/* SHOW MATERIALIZED VIEWS / SHOW SINKS: name, state (running / finished / failed /
 * stopped), rows, ... and the error of a failed job. */
sl_status sl_background_show(sluice_database *db, bool sinks, sluice_result **out, sl_error *err);
/* Fails when a running (not failed or finished) job reads the table or source `name` (DROP must wait for it). */
sl_status sl_background_check_drop(sluice_database *db, const char *name, sl_error *err);
/* Stops every job and frees them (their catalog entries go too). */
void sl_background_stop_all(sluice_database *db);
/* statement.c: plans a bound query for a background job with RESULT on top. When it reads
 * a source it is planned as a continuous query in streaming form whatever execution_mode
 * says (*continuous; *bounded when every source ends); else it is a batch plan. */
sl_status sl_plan_background_query(sluice_database *db, struct sl_plan_context *ctx,
                                   const struct sl_bound_statement *bound, struct sl_physical_op **root,
                                   bool *continuous, bool *bounded, sl_error *err);

/* Creates an empty result with the given columns (names and types copied). NULL on OOM. */
sluice_result *sl_result_new(uint32_t column_count, const char *const *names, const sl_type *types);
/* Runs the first statement found at sql+offset. *end receives the offset after it;
 * *out receives NULL when no statement remains. params: prepared-statement values. */
sl_status sl_run_statement(sluice_connection *conn, const char *sql, size_t offset, size_t *end,
                           const sl_value *params, uint32_t param_count, sluice_result **out, sl_error *err);

#endif
