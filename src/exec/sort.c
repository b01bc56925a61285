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
    uint32_t *key_columns;
    uint32_t *order;             /* sorted row ids, after finalize */
    bool ready;
} sl_sort_global;

typedef struct sl_sort_local {
    sl_key_input keys;
    uint32_t *key_columns;
} sl_sort_local;

static void sort_free_global(const sl_physical_op *plan, void *global)
{
    sl_sort_global *g = global;
    if (!g)
        return;
    pthread_mutex_destroy(&g->lock);
    sl_row_store_free(&g->store);
    sl_sort_keys_free(&g->keys);
    sl_free(g->key_columns);
    sl_free(g->order);
    sl_free(g);
}

static sl_status sort_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global, sl_error *err)
{
    sl_sort_global *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    pthread_mutex_init(&g->lock, NULL);
    uint32_t n = plan->order_count, cols = plan->column_count;
    sl_expr **exprs = sl_calloc(n ? n : 1, sizeof *exprs);
    sl_type *types = sl_calloc(cols + n + 1, sizeof *types);
    bool *desc = sl_calloc(n + 1, sizeof *desc), *nulls_first = sl_calloc(n + 1, sizeof *nulls_first);
    g->key_columns = sl_calloc(n + 1, sizeof *g->key_columns);
    sl_status st = (exprs && types && desc && nulls_first && g->key_columns) ? SL_OK : sl_error_oom(err);
    sl_key_input layout;
    memset(&layout, 0, sizeof layout);
    if (st == SL_OK) {
        for (uint32_t i = 0; i < n; i++) {
            exprs[i] = plan->orders[i].expr;
            desc[i] = plan->orders[i].descending;
            nulls_first[i] = plan->orders[i].nulls_first;
        }
        memcpy(types, plan->types, sizeof *types * cols);
        st = sl_key_input_init(&layout, cols, exprs, n, NULL, g->key_columns, types + cols, err);
    }
    if (st == SL_OK)
        st = sl_row_store_init(&g->store, types, cols + layout.extra_count, exec ? exec->memory : NULL, "ORDER BY", err);
    if (st == SL_OK)
        st = sl_sort_keys_init(&g->keys, &g->store, g->key_columns, desc, nulls_first, n, err);
    sl_key_input_free(&layout);
    sl_free(exprs);
    sl_free(types);
    sl_free(desc);
    sl_free(nulls_first);
    if (st != SL_OK) {
        sort_free_global(plan, g);
        return st;
    }
    *global = g;
    return SL_OK;
}

static void sort_free_local(const sl_physical_op *plan, void *local)
{
    sl_sort_local *l = local;
    sl_key_input_free(&l->keys);
    sl_free(l->key_columns);
    sl_free(l);
}

static sl_status sort_init_local(const sl_physical_op *plan, void *global, sl_exec_context *exec, void **local,
                                 sl_error *err)
{
    sl_sort_local *l = sl_calloc(1, sizeof *l);
    if (!l)
        return sl_error_oom(err);
    sl_expr **exprs = sl_calloc(plan->order_count + 1, sizeof *exprs);
    l->key_columns = sl_calloc(plan->order_count + 1, sizeof *l->key_columns);
    sl_status st = exprs && l->key_columns ? SL_OK : sl_error_oom(err);
    if (st == SL_OK) {
        for (uint32_t i = 0; i < plan->order_count; i++)
            exprs[i] = plan->orders[i].expr;
        st = sl_key_input_init(&l->keys, plan->column_count, exprs, plan->order_count, &exec->eval, l->key_columns,
                               NULL, err);
    }
    sl_free(exprs);
    if (st != SL_OK) {
        sort_free_local(plan, l);
        return st;
    }
    *local = l;
    return SL_OK;
}

static sl_status sort_sink(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                           const sl_msg *msg, sl_error *err)
{
    if (msg->kind != SL_MSG_DATA || msg->batch->count == 0)
        return SL_OK;
    sl_sort_global *g = global;
    sl_sort_local *l = local;
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
    for (uint32_t at = 0; at < g->store.row_count; at += SL_BATCH_CAPACITY) {
        if (sl_pipeline_stop_requested(ctx))
            return SL_OK;
        if (sl_exec_interrupted(ctx->exec))
            return sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
        uint32_t n = g->store.row_count - at;
        if (n > SL_BATCH_CAPACITY)
            n = SL_BATCH_CAPACITY;
        sl_batch *b = NULL;
        SL_TRY(sl_row_store_gather_batch(&g->store, g->order + at, n, plan->column_count, &b, err));
        sl_status st = sl_emit_batch(ctx, b, err);
        sl_batch_free(b);
        SL_TRY(st);
    }
    return SL_OK;
}

const sl_operator_type sl_sort_operator = {
    .name = "SORT",
    .init_global = sort_init_global,
    .free_global = sort_free_global,
    .init_local = sort_init_local,
    .free_local = sort_free_local,
    .source = sort_source,
    .sink = sort_sink,
    .finalize = sort_finalize,
};
