/*
 * projection.c — PROJECTION: evaluates one expression per output column.
 *
 * The output batch has the input's physical length and shares its selection vector and
 * change column: expressions are computed at the active rows only, and a column
 * reference passes the input vector through without copying.
 */
#include "exec/operator.h"

typedef struct sl_projection_local {
    int64_t watermark;           /* the input's last watermark, for CURRENT_WATERMARK() */
    uint32_t count;
    sl_expr_state **states;
} sl_projection_local;

static void projection_free_local(const sl_physical_op *plan, void *local)
{
    sl_projection_local *l = local;
    for (uint32_t i = 0; i < l->count; i++)
        sl_expr_state_free(l->states[i]);
    sl_free(l->states);
    sl_free(l);
}

static sl_status projection_init_local(const sl_physical_op *plan, void *global, sl_exec_context *exec,
                                       void **local, sl_error *err)
{
    sl_projection_local *l = sl_calloc(1, sizeof *l);
    if (!l)
        return sl_error_oom(err);
    l->states = sl_calloc(plan->expr_count ? plan->expr_count : 1, sizeof *l->states);
    if (!l->states) {
        sl_free(l);
        return sl_error_oom(err);
    }
    l->watermark = SL_WATERMARK_NONE;
    sl_eval_context eval = exec->eval;
    eval.watermark = &l->watermark;
    for (uint32_t i = 0; i < plan->expr_count; i++) {
        l->states[i] = sl_expr_state_new(plan->exprs[i], &eval);
        if (!l->states[i]) {
            projection_free_local(plan, l);
            return sl_error_oom(err);
        }
        l->count = i + 1;
    }
    *local = l;
    return SL_OK;
}

static sl_status projection_push(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                                 const sl_msg *msg, sl_error *err)
{
    sl_projection_local *l = local;
    if (msg->kind == SL_MSG_WATERMARK)
        l->watermark = msg->watermark;
    if (msg->kind != SL_MSG_DATA)
        return sl_emit(ctx, msg, err);
    const sl_batch *in = msg->batch;
    if (in->count == 0)
        return SL_OK;
    sl_batch *out = sl_batch_new(plan->expr_count);
    if (!out)
        return sl_error_oom(err);
    out->length = in->length;
    out->count = in->count;
    sl_status st = SL_OK;
    for (uint32_t i = 0; i < plan->expr_count && st == SL_OK; i++) {
        sl_vector *v = NULL;
        st = sl_expr_evaluate(l->states[i], in, &v, err);
        if (st == SL_OK)
            sl_batch_set_column(out, i, v);
    }
    if (st == SL_OK && in->sel) {
        if (in->sel_buffer) {
            out->sel = in->sel;
            out->sel_buffer = sl_buffer_ref(in->sel_buffer);
        } else {
            st = sl_batch_set_selection(out, in->sel, in->count, err);
        }
    }
    if (st == SL_OK && in->change) {
        if (in->change_buffer) {
            out->change = in->change;
            out->change_buffer = sl_buffer_ref(in->change_buffer);
        } else {
            st = sl_error_set(err, SL_ERR_INTERNAL, "PROJECTION: change column without an owning buffer");
        }
    }
    if (st == SL_OK)
        st = sl_emit_batch(ctx, out, err);
    sl_batch_free(out);
    return st;
}

const sl_operator_type sl_projection_operator = {
    .name = "PROJECTION",
    .init_local = projection_init_local,
    .free_local = projection_free_local,
    .push = projection_push,
};
