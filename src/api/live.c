/*
 * live.c — the result of a continuous query, produced while the caller reads it.
 *
 * sl_run_statement plans a query over an unbounded source (or any source with
 * execution_mode = 'streaming' or an EMIT clause) into a streaming plan and starts it
 * (exec/executor.h, sl_continuous). The result then owns a live query: the statement's
 * arena (plan, bound names), the execution context, and the running executor. Each
 * sluice_result_fetch (or Arrow stream get_next) drives the sources until a batch of
 * output is ready, holding the database's statement lock while it works, so other
 * connections' statements run between fetches. sluice_interrupt() cancels it.
 */
#include <time.h>

#include "api/api_internal.h"

#include "exec/executor.h"
#include "stream/registry.h"

struct sl_live_query {
    sl_arena arena;              /* the statement's plan and names */
    sl_exec_context exec;
    sl_continuous *query;
    sluice_database *database;
    uint64_t id;                 /* in the database's query registry; 0 = not registered */
    bool ended;
};

sl_status sl_live_start(sluice_database *db, sl_exec_context *exec, const sl_physical_op *root,
                        sl_live_query **out, sl_error *err)
{
    *out = NULL;
    sl_live_query *q = sl_calloc(1, sizeof *q);
    if (!q)
        return sl_error_oom(err);
    q->exec = *exec;
    q->database = db;
    sl_status st = sl_continuous_start(&q->exec, root, &q->query, err);
    if (st == SL_OK)
        st = sl_query_registry_add(db->queries, q->query, &q->id, err);
    if (st != SL_OK) {
        sl_continuous_free(q->query);
        sl_free(q);
        return st;
    }
    *out = q;
    return SL_OK;
}

void sl_live_adopt_arena(sl_live_query *q, sl_arena *arena)
{
    q->arena = *arena;
    sl_arena_init(arena, 0);
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

sl_status sl_live_next(sl_live_query *q, sl_batch **out, sl_error *err)
{
    return sl_live_poll(q, -1, out, err);
}

sl_status sl_live_poll(sl_live_query *q, int timeout_ms, sl_batch **out, sl_error *err)
{
    *out = NULL;
    if (q->ended)
        return SL_OK;
    int64_t deadline = timeout_ms >= 0 ? monotonic_ms() + timeout_ms : INT64_MAX;
    /* one round at a time under the statement lock, waits outside it */
    for (;;) {
        bool finished = false, idle = false;
        pthread_mutex_lock(&q->database->statement_lock);
        sl_status st = sl_continuous_poll(q->query, out, &finished, &idle, err);
        pthread_mutex_unlock(&q->database->statement_lock);
        if (st != SL_OK || finished) {
            q->ended = true;
            return st;
        }
        if (*out || monotonic_ms() >= deadline)
            return SL_OK;
        if (idle)
            sl_continuous_idle_wait();
    }
}

bool sl_live_ended(const sl_live_query *q) { return q->ended; }

bool sl_live_is_updating(const sl_live_query *q) { return sl_continuous_is_updating(q->query); }

sl_status sl_live_snapshot(sl_live_query *q, sl_batch ***batches, size_t *count, sl_error *err)
{
    pthread_mutex_lock(&q->database->statement_lock);
    sl_status st = sl_continuous_snapshot(q->query, batches, count, err);
    pthread_mutex_unlock(&q->database->statement_lock);
    return st;
}

void sl_live_progress(sl_live_query *q, sluice_progress *p)
{
    memset(p, 0, sizeof *p);
    uint32_t n = sl_continuous_operator_count(q->query);
    for (uint32_t i = 0; i < n; i++) {
        const sl_op_metrics *m = NULL;
        const sl_physical_op *plan = sl_continuous_operator(q->query, i, &m);
        sl_op_metrics *metrics = (sl_op_metrics *)m;
        p->state_rows += (uint64_t)atomic_load(&metrics->state_rows);
        p->state_bytes += (uint64_t)atomic_load(&metrics->state_bytes);
        if (plan->child_count == 0) {
            p->source_rows += (uint64_t)atomic_load(&metrics->rows_out);
            int64_t wm = atomic_load(&metrics->watermark);
            if (plan->source_name && wm != SL_WATERMARK_NONE && wm != SL_WATERMARK_END &&
                (!p->has_watermark || wm < p->watermark_micros)) {
                p->has_watermark = true;
                p->watermark_micros = wm;
            }
        }
    }
}

int64_t sl_live_rows_rejected(const sl_live_query *q)
{
    return atomic_load(&((sl_live_query *)q)->exec.rows_rejected);
}

void sl_live_free(sl_live_query *q)
{
    if (!q)
        return;
    if (q->id)
        sl_query_registry_remove(q->database->queries, q->id);
    sl_continuous_free(q->query);
    sl_arena_free(&q->arena);
    sl_free(q);
}
