/*
 * nested_loop_join.c — NESTED_LOOP_JOIN: joins children[0] (probe, streaming) with
 * children[1] (materialized) under an arbitrary condition (plan->condition over
 * [left ++ right]; NULL = cross product), for every join type of physical.h.
 *
 * Build (sink role, pipeline of children[1]): batches are appended to a row store.
 * Probe (streaming role): every active probe row is paired with the build rows one build
 * chunk (SL_BATCH_CAPACITY rows) at a time; join_pairs.c evaluates the condition on each
 * block of pairs in one vectorized call and produces the output of the join type. A
 * probe row whose outcome is settled (SEMI/ANTI matched, MARK TRUE) skips the remaining
 * chunks. Without a condition, SEMI/ANTI/MARK are settled by whether the build side is
 * empty. RIGHT/FULL: matched build rows are flagged; the last probe END emits the others
 * with NULL probe columns before END is forwarded.
 *
 * Memory: the row store and the matched flags reserve against exec->memory; a refused
 * reservation fails with SL_ERR_OOM naming the operator and the memory_limit.
 */
#include <pthread.h>

#include "exec/join_pairs.h"

#define NLJ_NAME "NESTED_LOOP_JOIN"

typedef struct sl_nlj_global {
    pthread_mutex_t lock;          /* serializes build sinks */
    sl_row_store rows;             /* children[1]'s rows */
    uint8_t *matched;              /* per build row (RIGHT/FULL) */
    size_t matched_capacity;
    sl_memory *memory;
    int64_t reserved;
} sl_nlj_global;

typedef struct sl_nlj_local {
    sl_join_probe *probe;          /* probe role only */
} sl_nlj_local;

static void nlj_free_global(const sl_physical_op *plan, void *global)
{
    sl_nlj_global *g = global;
    if (!g)
        return;
    sl_row_store_free(&g->rows);
    sl_free(g->matched);
    if (g->memory && g->reserved)
        sl_memory_release(g->memory, g->reserved);
    pthread_mutex_destroy(&g->lock);
    sl_free(g);
}

static sl_status nlj_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global, sl_error *err)
{
    if (plan->child_count != 2)
        return sl_error_set(err, SL_ERR_INTERNAL, NLJ_NAME " expects 2 children, has %u", plan->child_count);
    sl_nlj_global *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    pthread_mutex_init(&g->lock, NULL);
    g->memory = exec->memory;
    const sl_physical_op *build = plan->children[1];
    sl_status st = sl_row_store_init(&g->rows, build->types, build->column_count, exec->memory, NLJ_NAME, err);
    if (st != SL_OK) {
        nlj_free_global(plan, g);
        return st;
    }
    *global = g;
    return SL_OK;
}

static sl_status nlj_init_local(const sl_physical_op *plan, void *global, sl_exec_context *exec, void **local,
                                sl_error *err)
{
    sl_nlj_local *l = sl_calloc(1, sizeof *l);
    if (!l)
        return sl_error_oom(err);
    *local = l;
    return SL_OK;
}

static void nlj_free_local(const sl_physical_op *plan, void *local)
{
    sl_nlj_local *l = local;
    sl_join_probe_free(l->probe);
    sl_free(l);
}

static sl_status grow_matched(sl_nlj_global *g, size_t rows, sl_error *err)
{
    if (rows <= g->matched_capacity)
        return SL_OK;
    size_t cap = g->matched_capacity ? g->matched_capacity * 2 : 4096;
    while (cap < rows)
        cap *= 2;
    int64_t bytes = (int64_t)(cap - g->matched_capacity);
    if (g->memory && !sl_memory_try_reserve(g->memory, bytes))
        return sl_error_set(err, SL_ERR_OOM,
                            NLJ_NAME ": out of memory: the right side does not fit in memory_limit (%lld bytes) "
                            "and spilling to disk is not supported yet; raise memory_limit",
                            (long long)g->memory->limit);
    g->reserved += bytes;
    uint8_t *m = sl_realloc(g->matched, cap);
    if (!m)
        return sl_error_oom(err);
    memset(m + g->matched_capacity, 0, cap - g->matched_capacity);
    g->matched = m;
    g->matched_capacity = cap;
    return SL_OK;
}

static sl_status nlj_sink(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                          const sl_msg *msg, sl_error *err)
{
    if (msg->kind != SL_MSG_DATA || msg->batch->count == 0)
        return SL_OK;
    sl_nlj_global *g = global;
    pthread_mutex_lock(&g->lock);
    sl_status st = SL_OK;
    if (sl_join_needs_build_flags(plan->join_type))
        st = grow_matched(g, (size_t)g->rows.row_count + msg->batch->count, err);
    if (st == SL_OK)
        st = sl_row_store_append(&g->rows, msg->batch, err);
    pthread_mutex_unlock(&g->lock);
    return st;
}

static sl_status probe_batch(sl_op_context *ctx, const sl_physical_op *plan, sl_nlj_global *g, sl_join_probe *jp,
                             const sl_batch *in, sl_error *err)
{
    SL_TRY(sl_join_probe_begin(jp, in, &g->rows, g->matched, err));
    uint32_t build_rows = g->rows.row_count;
    sl_join_type type = plan->join_type;
    if (!plan->condition && (type == SL_JOIN_SEMI || type == SL_JOIN_ANTI || type == SL_JOIN_MARK)) {
        for (uint32_t i = 0; i < in->count; i++) {
            uint32_t row = sl_batch_row(in, i);
            jp->matches[row] = build_rows > 0;
            jp->mark[row] = build_rows > 0 ? SL_MARK_TRUE : SL_MARK_FALSE;
        }
        return sl_join_probe_finish(jp, ctx, err);
    }
    for (uint32_t i = 0; i < in->count; i++) {
        if (sl_exec_interrupted(ctx->exec))
            return sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
        SL_TRY(sl_join_probe_add_all(jp, ctx, sl_batch_row(in, i), false, err));
    }
    return sl_join_probe_finish(jp, ctx, err);
}

static sl_status nlj_push(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                          const sl_msg *msg, sl_error *err)
{
    sl_nlj_global *g = global;
    sl_nlj_local *l = local;
    if (msg->kind != SL_MSG_DATA)
        return sl_join_forward(ctx, plan, global, &g->rows, g->matched, msg, err);
    if (msg->batch->count == 0)
        return SL_OK;
    if (!l->probe)
        SL_TRY(sl_join_probe_new(plan, ctx->exec, &l->probe, err));
    return probe_batch(ctx, plan, g, l->probe, msg->batch, err);
}

const sl_operator_type sl_nested_loop_join_operator = {
    .name = NLJ_NAME,
    .init_global = nlj_init_global,
    .free_global = nlj_free_global,
    .init_local = nlj_init_local,
    .free_local = nlj_free_local,
    .push = nlj_push,
    .sink = nlj_sink,
};
