/*
 * result.c — RESULT: the final sink of a query; collects the batches that reach it.
 *
 * Every non-empty DATA batch is kept dense: a batch without a selection vector is shared
 * (its column references are taken, nothing copied); a batch with one is compacted into
 * new dense vectors. Each pipeline instance collects into its local state and hands its
 * batches to the global state in combine (in pipeline order), so output order is the
 * order of the single-threaded execution. The executor moves the batches out with
 * sl_result_take (result.h).
 */
#include "exec/result.h"

typedef struct sl_result_batches {
    sl_batch **items;
    size_t count;
    size_t capacity;
} sl_result_batches;

static void batches_clear(sl_result_batches *b)
{
    for (size_t i = 0; i < b->count; i++)
        sl_batch_free(b->items[i]);
    sl_free(b->items);
    memset(b, 0, sizeof *b);
}

static sl_status result_init_state(const sl_physical_op *plan, sl_exec_context *exec, void **state, sl_error *err)
{
    sl_result_batches *b = sl_calloc(1, sizeof *b);
    if (!b)
        return sl_error_oom(err);
    *state = b;
    return SL_OK;
}

static sl_status result_init_local(const sl_physical_op *plan, void *global, sl_exec_context *exec, void **local,
                                   sl_error *err)
{
    return result_init_state(plan, exec, local, err);
}

static void result_free_state(const sl_physical_op *plan, void *state)
{
    batches_clear(state);
    sl_free(state);
}

static sl_status result_sink(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                             const sl_msg *msg, sl_error *err)
{
    if (msg->kind != SL_MSG_DATA || msg->batch->count == 0)
        return SL_OK;
    sl_result_batches *l = local;
    const sl_batch *in = msg->batch;
    SL_TRY(sl_array_reserve((void **)&l->items, &l->capacity, l->count + 1, sizeof *l->items, err));
    sl_batch *kept;
    if (in->sel || in->count != in->length) {
        kept = sl_batch_compact(in, err);
        if (!kept)
            return err && err->code != SL_OK ? err->code : sl_error_oom(err);
    } else {
        kept = sl_batch_share(in);
        if (!kept)
            return sl_error_oom(err);
    }
    l->items[l->count++] = kept;
    return SL_OK;
}

static sl_status result_combine(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                                sl_error *err)
{
    sl_result_batches *g = global, *l = local;
    SL_TRY(sl_array_reserve((void **)&g->items, &g->capacity, g->count + l->count, sizeof *g->items, err));
    if (l->count)
        memcpy(g->items + g->count, l->items, l->count * sizeof *l->items);
    g->count += l->count;
    l->count = 0;
    return SL_OK;
}

void sl_result_take(void *global, sl_batch ***batches, size_t *batch_count)
{
    sl_result_batches *g = global;
    *batches = g->items;
    *batch_count = g->count;
    memset(g, 0, sizeof *g);
}

const sl_operator_type sl_result_operator = {
    .name = "RESULT",
    .init_global = result_init_state,
    .free_global = result_free_state,
    .init_local = result_init_local,
    .free_local = result_free_state,
    .sink = result_sink,
    .combine = result_combine,
};
