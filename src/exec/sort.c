/*
 * sort.c — SORT: ORDER BY over the whole input.
 *
 * Sink: every instance evaluates the non-column sort keys for its batches (local
 * expression states) and appends [input columns ++ computed keys] to the global row store
 * (under a mutex, ready for several instances). Finalize normalizes the key columns
 * (sort_keys.c) and sorts the row ids with a stable merge sort. Source: emits the rows in
 * sorted order, gathered into dense batches of up to SL_BATCH_CAPACITY rows, stopping
 * early when the pipeline above asks (LIMIT).
 */
#include "exec/sort_keys.h"

#include <pthread.h>

typedef struct sl_sort_global {
    pthread_mutex_t lock;
    sl_row_store store;
    sl_sort_keys keys;
    sl_order_layout layout;
    uint32_t *order;             /* sorted row ids, after finalize */
    bool ready;
} sl_sort_global;

static void sort_free_global(const sl_physical_op *plan, void *global)
{
    sl_sort_global *g = global;
    if (!g)
        return;
    pthread_mutex_destroy(&g->lock);
    sl_row_store_free(&g->store);
    sl_sort_keys_free(&g->keys);
    sl_order_layout_free(&g->layout);
    sl_free(g->order);
    sl_free(g);
}

static sl_status sort_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global, sl_error *err)
{
    sl_sort_global *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    pthread_mutex_init(&g->lock, NULL);
    sl_status st = sl_order_layout_init(plan, exec, "ORDER BY", &g->layout, &g->store, &g->keys, err);
    if (st != SL_OK) {
        sort_free_global(plan, g);
        return st;
    }
    *global = g;
    return SL_OK;
}

static sl_status sort_sink(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                           const sl_msg *msg, sl_error *err)
{
    if (msg->kind != SL_MSG_DATA || msg->batch->count == 0)
        return SL_OK;
    sl_sort_global *g = global;
    sl_order_local *l = local;
    sl_batch *extended = NULL;
    SL_TRY(sl_key_input_extend(&l->keys, msg->batch, &extended, err));
    pthread_mutex_lock(&g->lock);
    sl_status st = sl_row_store_append(&g->store, extended ? extended : msg->batch, err);
    pthread_mutex_unlock(&g->lock);
    if (extended)
        sl_batch_free(extended);
    return st;
}

static sl_status sort_finalize(sl_exec_context *exec, const sl_physical_op *plan, void *global, sl_error *err)
{
    sl_sort_global *g = global;
    SL_TRY(sl_sort_keys_update(&g->keys, &g->store, err));
    uint32_t n = g->store.row_count;
    g->order = sl_malloc(sizeof *g->order * (n ? n : 1));
    if (!g->order)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < n; i++)
        g->order[i] = i;
    SL_TRY(sl_sort_keys_sort(&g->keys, g->order, n, err));
    g->ready = true;
    return SL_OK;
}

static sl_status sort_source(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                             sl_error *err)
{
    sl_sort_global *g = global;
    if (!g->ready)
        return sl_error_set(err, SL_ERR_INTERNAL, "ORDER BY: source ran before the sort was finalized");
    return sl_order_emit(ctx, &g->store, g->order, g->store.row_count, plan->column_count, err);
}

const sl_operator_type sl_sort_operator = {
    .name = "SORT",
    .init_global = sort_init_global,
    .free_global = sort_free_global,
    .init_local = sl_order_local_init,
    .free_local = sl_order_local_free,
    .source = sort_source,
    .sink = sort_sink,
    .finalize = sort_finalize,
};
