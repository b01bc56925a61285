/*
 * filter.c — FILTER: keeps the rows where the predicate is TRUE, without copying.
 *
 * The predicate narrows the batch's selection (sl_expr_select); the emitted batch shares
 * the input's columns and carries the new selection vector. A batch where every row
 * passes is forwarded as is; one where none passes is dropped. Other messages are
 * forwarded unchanged.
 */
#include "exec/operator.h"

typedef struct sl_filter_local {
    int64_t watermark;           /* the input's last watermark, for CURRENT_WATERMARK() */
    sl_expr_state *predicate;
    uint32_t *sel;
    size_t sel_capacity;
} sl_filter_local;

static sl_status filter_init_local(const sl_physical_op *plan, void *global, sl_exec_context *exec, void **local,
                                   sl_error *err)
{
    if (!plan->predicate)
        return sl_error_set(err, SL_ERR_INTERNAL, "FILTER without a predicate");
    sl_filter_local *l = sl_calloc(1, sizeof *l);
    if (!l)
        return sl_error_oom(err);
    l->watermark = SL_WATERMARK_NONE;
    sl_eval_context eval = exec->eval;
    eval.watermark = &l->watermark;
    l->predicate = sl_expr_state_new(plan->predicate, &eval);
    if (!l->predicate) {
        sl_free(l);
        return sl_error_oom(err);
    }
    *local = l;
    return SL_OK;
}

static void filter_free_local(const sl_physical_op *plan, void *local)
{
    sl_filter_local *l = local;
    sl_expr_state_free(l->predicate);
    sl_free(l->sel);
    sl_free(l);
}

static sl_status filter_push(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                             const sl_msg *msg, sl_error *err)
{
    sl_filter_local *l = local;
    if (msg->kind == SL_MSG_WATERMARK)
        l->watermark = msg->watermark;
    if (msg->kind != SL_MSG_DATA)
        return sl_emit(ctx, msg, err);
    const sl_batch *in = msg->batch;
    if (in->count == 0)
        return SL_OK;
    SL_TRY(sl_array_reserve((void **)&l->sel, &l->sel_capacity, in->count, sizeof *l->sel, err));
    uint32_t n = 0;
    SL_TRY(sl_expr_select(l->predicate, in, l->sel, &n, err));
    if (n == 0)
        return SL_OK;
    if (n == in->count)
        return sl_emit(ctx, msg, err);
    sl_batch *out = sl_batch_share(in);
    if (!out)
        return sl_error_oom(err);
    sl_status st = sl_batch_set_selection(out, l->sel, n, err);
    if (st == SL_OK)
        st = sl_emit_batch(ctx, out, err);
    sl_batch_free(out);
    return st;
}

const sl_operator_type sl_filter_operator = {
    .name = "FILTER",
    .init_local = filter_init_local,
    .free_local = filter_free_local,
    .push = filter_push,
};
