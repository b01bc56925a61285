/*
 * top_n.c — TOP_N: ORDER BY ... LIMIT n [OFFSET m] without sorting the whole input.
 *
 * Sink: batches are appended ([input columns ++ computed keys]) to a row store and every
 * new row is offered to a bounded max-heap of the best k = n + m rows, ordered by the
 * sort keys and then by arrival (row id), so the result equals a stable sort followed by
 * LIMIT. When the store grows past max(4k, 8192) rows, the rows still in the heap are
 * copied into a fresh store (in arrival order) and the rest is dropped, so memory stays
 * O(k). Finalize sorts the heap; the source emits rows m .. m+n-1. Cost O(N log k).
 *
 * Out of core: when even the k best rows outgrow the memory limit (a large OFFSET), the
 * operator turns into an external sort (sort_runs.h) whose runs keep their first k rows;
 * the source skips m rows of the merged runs and emits n.
 */
#include "exec/sort_runs.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct sl_top_n_global {
    pthread_mutex_t lock;
    sl_row_store store;
    sl_sort_keys keys;
    sl_order_layout layout;
    uint64_t k;                  /* limit + offset */
    uint32_t *heap;              /* row ids, max-heap */
    uint32_t heap_count;
    bool external;               /* the k rows did not fit: sorted runs on disk from now on */
    sl_sort_runs runs;
    sl_sort_merge *merge;
    bool ready;
} sl_top_n_global;

/* Sort order, ties broken by arrival. */
static int topn_compare(const sl_top_n_global *g, uint32_t a, uint32_t b)
{
    int c = sl_sort_keys_compare(&g->keys, a, b);
    if (c != 0)
        return c;
    return a < b ? -1 : a > b;
}

static void heap_sift_down(sl_top_n_global *g, uint32_t i)
{
    uint32_t n = g->heap_count;
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && topn_compare(g, g->heap[l], g->heap[m]) > 0)
            m = l;
        if (r < n && topn_compare(g, g->heap[r], g->heap[m]) > 0)
            m = r;
        if (m == i)
            return;
        uint32_t t = g->heap[i];
        g->heap[i] = g->heap[m];
        g->heap[m] = t;
        i = m;
    }
}

static void heap_sift_up(sl_top_n_global *g, uint32_t i)
{
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (topn_compare(g, g->heap[i], g->heap[p]) <= 0)
            return;
        uint32_t t = g->heap[i];
        g->heap[i] = g->heap[p];
        g->heap[p] = t;
        i = p;
    }
}

static int compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void topn_free_global(const sl_physical_op *plan, void *global)
{
    sl_top_n_global *g = global;
    if (!g)
        return;
    pthread_mutex_destroy(&g->lock);
    sl_row_store_free(&g->store);
    sl_sort_keys_free(&g->keys);
    sl_order_layout_free(&g->layout);
    sl_sort_runs_free(&g->runs);
    sl_sort_merge_free(g->merge);
    sl_free(g->heap);
    sl_free(g);
}

static sl_status topn_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global, sl_error *err)
{
    if (plan->limit < 0 || plan->offset < 0)
        return sl_error_set(err, SL_ERR_INTERNAL, "TOP_N needs a non-negative limit and offset");
    sl_top_n_global *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    pthread_mutex_init(&g->lock, NULL);
    g->k = (uint64_t)plan->limit + (uint64_t)plan->offset;
    sl_sort_runs_init(&g->runs, exec);
    g->runs.run_limit = g->k;
    sl_status st = SL_OK;
    if (g->k >= UINT32_MAX / 4)
        st = sl_error_set(err, SL_ERR_INTERNAL, "TOP_N limit %llu too large; plan a SORT instead", (unsigned long long)g->k);
    if (st == SL_OK)
        st = sl_order_layout_init(plan, exec, "ORDER BY ... LIMIT", &g->layout, &g->store, &g->keys, err);
    if (st == SL_OK) {
        g->heap = sl_malloc(sizeof *g->heap * (g->k + 1));
        if (!g->heap)
            st = sl_error_oom(err);
    }
    if (st != SL_OK) {
        topn_free_global(plan, g);
        return st;
    }
    *global = g;
    return SL_OK;
}

/* Keeps only the heap's rows: copies them, in arrival order, into a fresh store. When the
 * memory limit refuses the copy, *fits = false and the store is left as it was. */
static sl_status topn_compact(sl_top_n_global *g, bool *fits, sl_error *err)
{
    *fits = true;
    qsort(g->heap, g->heap_count, sizeof *g->heap, compare_u32);
    sl_row_store fresh;
    SL_TRY(sl_row_store_init(&fresh, g->store.types, g->store.column_count, g->store.memory, g->store.owner, err));
    sl_status st = SL_OK;
    for (uint32_t at = 0; at < g->heap_count && st == SL_OK; at += SL_BATCH_CAPACITY) {
        uint32_t n = g->heap_count - at < SL_BATCH_CAPACITY ? g->heap_count - at : SL_BATCH_CAPACITY;
        sl_batch *b = NULL;
        st = sl_row_store_gather_batch(&g->store, g->heap + at, n, g->store.column_count, &b, err);
        if (st == SL_OK) {
            uint32_t appended = 0;
            st = sl_row_store_append_some(&fresh, b, 0, &appended, err);
            sl_batch_free(b);
            if (st == SL_OK && appended < n) {
                *fits = false;
                sl_row_store_free(&fresh);
                return SL_OK;
            }
        }
    }
    sl_sort_keys keys;
    memset(&keys, 0, sizeof keys);
    if (st == SL_OK)
        st = sl_sort_keys_init(&keys, &fresh, g->layout.columns, g->layout.descending, g->layout.nulls_first,
                               g->layout.count, err);
    if (st == SL_OK)
        st = sl_sort_keys_update(&keys, &fresh, err);
    if (st != SL_OK) {
        sl_sort_keys_free(&keys);
        sl_row_store_free(&fresh);
        return st;
    }
    sl_row_store_free(&g->store);
    sl_sort_keys_free(&g->keys);
    g->store = fresh;
    g->keys = keys;
    for (uint32_t i = 0; i < g->heap_count; i++)
        g->heap[i] = i;
    for (uint32_t i = g->heap_count / 2; i-- > 0;)
        heap_sift_down(g, i);
    return SL_OK;
}

/* The memory limit refused more rows: from now on an external sort whose runs keep k
 * rows each. The rows held become the first run; batch's active rows from `from` on (if
 * batch is not NULL) follow. */
static sl_status topn_go_external(sl_top_n_global *g, const sl_batch *batch, uint32_t from, sl_error *err)
{
    g->external = true;
    SL_TRY(sl_sort_runs_spill(&g->runs, &g->store, &g->keys, err));
    return batch ? sl_sort_runs_append_from(&g->runs, &g->store, &g->keys, batch, from, err) : SL_OK;
}

static sl_status topn_add(sl_top_n_global *g, const sl_batch *batch, sl_error *err)
{
    if (g->external)
        return sl_sort_runs_append(&g->runs, &g->store, &g->keys, batch, err);
    uint32_t first = g->store.row_count, appended = 0;
    SL_TRY(sl_row_store_append_some(&g->store, batch, 0, &appended, err));
    if (appended < batch->count)
        return topn_go_external(g, batch, appended, err);
    SL_TRY(sl_sort_keys_update(&g->keys, &g->store, err));
    for (uint32_t r = first; r < g->store.row_count; r++) {
        if (g->heap_count < g->k) {
            g->heap[g->heap_count++] = r;
            heap_sift_up(g, g->heap_count - 1);
        } else if (topn_compare(g, r, g->heap[0]) < 0) {
            g->heap[0] = r;
            heap_sift_down(g, 0);
        }
    }
    uint64_t threshold = 4 * g->k > 8192 ? 4 * g->k : 8192;
    if (g->store.row_count > threshold) {
        bool fits = true;
        SL_TRY(topn_compact(g, &fits, err));
        if (!fits)
            return topn_go_external(g, NULL, 0, err);
    }
    return SL_OK;
}

static sl_status topn_sink(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                           const sl_msg *msg, sl_error *err)
{
    sl_top_n_global *g = global;
    if (msg->kind != SL_MSG_DATA || msg->batch->count == 0 || g->k == 0)
        return SL_OK;
    sl_order_local *l = local;
    sl_batch *extended = NULL;
    SL_TRY(sl_key_input_extend(&l->keys, msg->batch, &extended, err));
    pthread_mutex_lock(&g->lock);
    sl_status st = topn_add(g, extended ? extended : msg->batch, err);
    pthread_mutex_unlock(&g->lock);
    if (extended)
        sl_batch_free(extended);
    return st;
}

static sl_status topn_finalize(sl_exec_context *exec, const sl_physical_op *plan, void *global, sl_error *err)
{
    sl_top_n_global *g = global;
    if (g->external) {
        SL_TRY(sl_sort_runs_spill(&g->runs, &g->store, &g->keys, err));
        SL_TRY(sl_sort_merge_new(&g->runs, g->store.types, g->store.column_count, &g->keys, &g->merge, err));
        g->ready = true;
        return SL_OK;
    }
    qsort(g->heap, g->heap_count, sizeof *g->heap, compare_u32);   /* arrival order, then stable sort */
    SL_TRY(sl_sort_keys_sort(&g->keys, g->heap, g->heap_count, err));
    g->ready = true;
    return SL_OK;
}

static sl_status topn_source(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                             sl_error *err)
{
    sl_top_n_global *g = global;
    if (!g->ready)
        return sl_error_set(err, SL_ERR_INTERNAL, "TOP_N: source ran before finalize");
    if (g->merge) {
        uint64_t skip = (uint64_t)plan->offset, left = (uint64_t)plan->limit;
        while (left > 0) {
            if (sl_pipeline_stop_requested(ctx))
                return SL_OK;
            sl_batch *b = NULL;
            SL_TRY(sl_sort_merge_next(g->merge, plan->column_count, &b, err));
            if (!b)
                return SL_OK;
            uint32_t from = skip < b->count ? (uint32_t)skip : b->count;
            skip -= from;
            uint32_t n = b->count - from < left ? b->count - from : (uint32_t)left;
            sl_status st = SL_OK;
            if (n > 0 && (from > 0 || n < b->count)) {
                uint32_t sel[SL_BATCH_CAPACITY];
                for (uint32_t i = 0; i < n; i++)
                    sel[i] = from + i;
                st = sl_batch_set_selection(b, sel, n, err);
            }
            if (st == SL_OK && n > 0)
                st = sl_emit_batch(ctx, b, err);
            left -= n;
            sl_batch_free(b);
            SL_TRY(st);
        }
        return SL_OK;
    }
    if ((uint64_t)plan->offset >= g->heap_count)
        return SL_OK;
    return sl_order_emit(ctx, &g->store, g->heap + plan->offset, g->heap_count - (uint32_t)plan->offset,
                         plan->column_count, err);
}

const sl_operator_type sl_top_n_operator = {
    .name = "TOP_N",
    .init_global = topn_init_global,
    .free_global = topn_free_global,
    .init_local = sl_order_local_init,
    .free_local = sl_order_local_free,
    .source = topn_source,
    .sink = topn_sink,
    .finalize = topn_finalize,
};
