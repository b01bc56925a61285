/*
 * sort.c — SORT: ORDER BY over the whole input.
 *
 * Sink: every instance evaluates the non-column sort keys for its batches (local
 * expression states) and appends [input columns ++ computed keys] to the global row store
 * (under a mutex, ready for several instances). Finalize normalizes the key columns
 * (sort_keys.c) and sorts the row ids with a stable merge sort. Source: emits the rows in
 * sorted order, gathered into dense batches of up to SL_BATCH_CAPACITY rows, stopping
 * early when the pipeline above asks (LIMIT).
 *
 * Out of core (sort_runs.h): when the memory limit refuses the row store more memory,
 * the rows held are sorted and written to disk as a run, and the store starts over.
 * Finalize then writes the rows still held as the last run, and the source streams the
 * k-way merge of the runs.
 */
#include "exec/sort_runs.h"

#include <pthread.h>

typedef struct sl_sort_global {
    pthread_mutex_t lock;
    sl_row_store store;
    sl_sort_keys keys;
    sl_order_layout layout;
    uint32_t *order;             /* sorted row ids, after finalize */
    sl_sort_runs runs;           /* sorted runs on disk, when the input outgrew memory */
    sl_sort_merge *merge;        /* after finalize, when there are runs */
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
    sl_sort_runs_free(&g->runs);
    sl_sort_merge_free(g->merge);
    sl_free(g->order);
    sl_free(g);
}

static sl_status sort_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global, sl_error *err)
{
    sl_sort_global *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    pthread_mutex_init(&g->lock, NULL);
    sl_sort_runs_init(&g->runs, exec);
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
    sl_status st = sl_sort_runs_append(&g->runs, &g->store, &g->keys, extended ? extended : msg->batch, err);
    pthread_mutex_unlock(&g->lock);
    if (extended)
        sl_batch_free(extended);
    return st;
}

static sl_status sort_finalize(sl_exec_context *exec, const sl_physical_op *plan, void *global, sl_error *err)
{
    sl_sort_global *g = global;
    if (g->runs.run_count > 0) {
        SL_TRY(sl_sort_runs_spill(&g->runs, &g->store, &g->keys, err));
        SL_TRY(sl_sort_merge_new(&g->runs, g->store.types, g->store.column_count, &g->keys, &g->merge, err));
        g->ready = true;
        return SL_OK;
    }
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
    if (g->merge) {
        for (;;) {
            if (sl_pipeline_stop_requested(ctx))
                return SL_OK;
            sl_batch *b = NULL;
            SL_TRY(sl_sort_merge_next(g->merge, plan->column_count, &b, err));
            if (!b)
                return SL_OK;
            sl_status st = sl_emit_batch(ctx, b, err);
            sl_batch_free(b);
            SL_TRY(st);
        }
    }
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
