/*
 * limit.c — LIMIT / OFFSET: passes rows offset .. offset+limit-1 of its input stream.
 *
 * The global state counts the rows seen by all pipeline instances (UNION ALL branches,
 * threads) with an atomic counter, so the limit holds across them. Once the limit is
 * reached the operator asks its pipeline to stop and drops further DATA; END and other
 * messages are forwarded. The emitted batch shares the input columns with a narrowed
 * selection vector.
 */
#include "exec/operator.h"

typedef struct sl_limit_global {
    atomic_llong seen;           /* input rows counted so far (offset rows included) */
} sl_limit_global;

static sl_status limit_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global, sl_error *err)
{
    if (plan->offset < 0)
        return sl_error_set(err, SL_ERR_RUNTIME, "OFFSET must not be negative");
    sl_limit_global *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    atomic_init(&g->seen, 0);
    *global = g;
    return SL_OK;
}

static void limit_free_global(const sl_physical_op *plan, void *global)
{
    sl_free(global);
}

static sl_status limit_push(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                            const sl_msg *msg, sl_error *err)
{
    if (msg->kind != SL_MSG_DATA)
        return sl_emit(ctx, msg, err);
    sl_limit_global *g = global;
    const sl_batch *in = msg->batch;
    int64_t end = plan->limit >= 0 ? plan->offset + plan->limit : INT64_MAX;
    if (in->count == 0)
        return SL_OK;
    int64_t start = atomic_fetch_add(&g->seen, (long long)in->count);
    if (start + (int64_t)in->count >= end)
        sl_pipeline_request_stop(ctx);
    /* active rows [a, b) of this batch pass */
    int64_t a = plan->offset > start ? plan->offset - start : 0;
    int64_t b = end - start < (int64_t)in->count ? end - start : (int64_t)in->count;
    if (a >= b)
        return SL_OK;
    if (a == 0 && b == in->count)
        return sl_emit(ctx, msg, err);
    uint32_t n = (uint32_t)(b - a);
    uint32_t *sel = sl_malloc(sizeof *sel * n);
    if (!sel)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < n; i++)
        sel[i] = sl_batch_row(in, (uint32_t)a + i);
    sl_status st = SL_OK;
    sl_batch *out = sl_batch_share(in);
    if (!out)
        st = sl_error_oom(err);
    if (st == SL_OK)
        st = sl_batch_set_selection(out, sel, n, err);
    if (st == SL_OK)
        st = sl_emit_batch(ctx, out, err);
    if (out)
        sl_batch_free(out);
    sl_free(sel);
    return st;
}

const sl_operator_type sl_limit_operator = {
    .name = "LIMIT",
    .init_global = limit_init_global,
    .free_global = limit_free_global,
    .push = limit_push,
};
