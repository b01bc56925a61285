/*
 * window_aggregate.c — WINDOW_AGGREGATE: a windowed GROUP BY over an unbounded input that
 * emits each window once, when the watermark closes it (EMIT ON WINDOW CLOSE).
 *
 * Plan: as HASH_AGGREGATE (groups plan->exprs ++ aggregates plan->aggregates, the same
 * output types), plus plan->window_end_group, the group key holding window_end (a
 * TIMESTAMP). plan/streaming.c plants this operator where a HASH_AGGREGATE groups by the
 * window_end of a window TVF; it runs only in streaming plans, as a push stage.
 *
 * State: one group table per open window, kept in an array sorted by window_end, so the
 * windows a watermark closes are a prefix of the array. A window holds an sl_hash_table
 * of its groups (all group keys, window_end included, so the output key columns are the
 * table's key chunks) and its DISTINCT sets; the aggregate states and the folding of
 * rows are HASH_AGGREGATE's own (aggregate_states.h), so a window's result equals what
 * HASH_AGGREGATE computes over that window's rows in batch mode — every aggregate,
 * FILTER, DISTINCT and ORDER BY included.
 *
 * DATA: window_end is evaluated per row; rows whose window_end <= the last watermark
 * received belong to a window already emitted: they are late, reported with
 * sl_late_rows_report (the event time reported is the row's window_end: that is the time
 * this operator compares with the watermark) and dropped. The other rows are grouped by
 * window_end (a batch nearly always touches one or two windows) and each group of rows is
 * folded into its window's table. A NULL window_end (no window) is kept in a window that
 * only END closes. The input must be append-only (the planner guarantees it); a
 * retraction is an SL_ERR_INTERNAL error.
 * WATERMARK(w): every window with window_end <= w is emitted — all its groups, in the
 * order they were created, as dense batches — and freed; then the watermark is forwarded.
 * END: the remaining windows are emitted in window_end order, then END is forwarded.
 * Metrics: state_rows = groups held, state_bytes = bytes the windows' tables reserved.
 */
#include "exec/aggregate_states.h"
#include "stream/late_rows.h"

#include <stdlib.h>

#define WAGG_NAME "WINDOW_AGGREGATE"
#define NO_WINDOW_END INT64_MAX   /* the window of rows whose window_end is NULL */

typedef struct sl_agg_window {
    int64_t end;
    sl_hash_table table;         /* groups of this window */
    bool table_ready;
    sl_agg_distinct distinct;    /* DISTINCT sets of `table` */
} sl_agg_window;

typedef struct sl_window_agg_global {
    sl_agg_layout layout;
    sl_memory *memory;
    sl_agg_window **windows;     /* sorted by end */
    size_t window_count;
    size_t window_capacity;
    int64_t watermark;           /* last received */
} sl_window_agg_global;

typedef struct sl_window_agg_local {
    sl_agg_folder fold;
    sl_expr_state *end_state;    /* plan->exprs[window_end_group] */
    size_t capacity;
    int64_t *ends;               /* per active row */
    uint32_t *order;             /* active-row indexes sorted by (end, index) */
    uint32_t *sel;               /* physical rows of one window */
    uint32_t *late;
    int64_t *late_times;
} sl_window_agg_local;

/* ------------------------------------------------------------------ windows */

static void window_free(const sl_physical_op *plan, const sl_agg_layout *layout, sl_agg_window *w)
{
    if (!w)
        return;
    if (w->table_ready) {
        sl_agg_table_destroy_states(plan, layout, &w->table);
        sl_hash_table_free(&w->table);
    }
    sl_agg_distinct_free(layout, &w->distinct);
    sl_free(w);
}

/* The window with window_end `end`, created (empty) at its place in the sorted array. */
static sl_status window_for(const sl_physical_op *plan, sl_window_agg_global *g, int64_t end, sl_agg_window **out,
                            sl_error *err)
{
    size_t a = 0, b = g->window_count;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (g->windows[mid]->end < end)
            a = mid + 1;
        else
            b = mid;
    }
    if (a < g->window_count && g->windows[a]->end == end) {
        *out = g->windows[a];
        return SL_OK;
    }
    SL_TRY(sl_array_reserve((void **)&g->windows, &g->window_capacity, g->window_count + 1, sizeof *g->windows,
                            err));
    sl_agg_window *w = sl_calloc(1, sizeof *w);
    if (!w)
        return sl_error_oom(err);
    w->end = end;
    sl_status st = sl_agg_table_init(plan, &g->layout, 0, g->memory, WAGG_NAME, &w->table, err);
    w->table_ready = st == SL_OK;
    if (st == SL_OK)
        st = sl_agg_distinct_init(plan, &g->layout, g->memory, WAGG_NAME, &w->distinct, err);
    if (st != SL_OK) {
        window_free(plan, &g->layout, w);
        return st;
    }
    memmove(g->windows + a + 1, g->windows + a, sizeof *g->windows * (g->window_count - a));
    g->windows[a] = w;
    g->window_count++;
    *out = w;
    return SL_OK;
}

static void update_state_metrics(sl_op_context *ctx, const sl_window_agg_global *g)
{
    int64_t groups = 0, bytes = (int64_t)(g->window_capacity * sizeof *g->windows);
    for (size_t i = 0; i < g->window_count; i++) {
        const sl_agg_window *w = g->windows[i];
        groups += (int64_t)w->table.entry_count;
        bytes += (int64_t)sizeof *w + w->table.reserved + sl_agg_distinct_reserved(&g->layout, &w->distinct);
        for (uint32_t p = 0; p < w->table.partition_count; p++)
            bytes += w->table.partitions[p].keys.reserved;
    }
    sl_op_metrics *m = sl_op_metrics_of(ctx);
    atomic_store(&m->state_rows, groups);
    atomic_store(&m->state_bytes, bytes);
}

/* ------------------------------------------------------------------ setup */

static void wagg_free_global(const sl_physical_op *plan, void *global)
{
    sl_window_agg_global *g = global;
    if (!g)
        return;
    for (size_t i = 0; i < g->window_count; i++)
        window_free(plan, &g->layout, g->windows[i]);
    sl_free(g->windows);
    sl_agg_layout_free(&g->layout);
    sl_free(g);
}

static sl_status wagg_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global, sl_error *err)
{
    if (plan->child_count != 1)
        return sl_error_set(err, SL_ERR_INTERNAL, WAGG_NAME " expects 1 child, has %u", plan->child_count);
    if (plan->window_end_group >= plan->expr_count ||
        plan->exprs[plan->window_end_group]->type.id != SL_TYPE_TIMESTAMP)
        return sl_error_set(err, SL_ERR_INTERNAL, WAGG_NAME ": group key %u is not a TIMESTAMP window_end",
                            plan->window_end_group);
    sl_window_agg_global *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    g->memory = exec ? exec->memory : NULL;
    g->watermark = SL_WATERMARK_NONE;
    sl_status st = sl_agg_layout_init(plan, WAGG_NAME, &g->layout, err);
    if (st != SL_OK) {
        wagg_free_global(plan, g);
        return st;
    }
    *global = g;
    return SL_OK;
}

static void wagg_free_local(const sl_physical_op *plan, void *local)
{
    (void)plan;
    sl_window_agg_local *l = local;
    if (!l)
        return;
    sl_agg_folder_free(&l->fold);
    if (l->end_state)
        sl_expr_state_free(l->end_state);
    sl_free(l->ends);
    sl_free(l->order);
    sl_free(l->sel);
    sl_free(l->late);
    sl_free(l->late_times);
    sl_free(l);
}

static sl_status wagg_init_local(const sl_physical_op *plan, void *global, sl_exec_context *exec, void **local,
                                 sl_error *err)
{
    (void)global;
    sl_window_agg_local *l = sl_calloc(1, sizeof *l);
    if (!l)
        return sl_error_oom(err);
    sl_status st = sl_agg_folder_init(plan, exec, &l->fold, err);
    if (st == SL_OK && !(l->end_state = sl_expr_state_new(plan->exprs[plan->window_end_group], &exec->eval)))
        st = sl_error_oom(err);
    if (st != SL_OK) {
        wagg_free_local(plan, l);
        return st;
    }
    *local = l;
    return SL_OK;
}

static sl_status reserve_local(sl_window_agg_local *l, uint32_t rows, sl_error *err)
{
    if (rows <= l->capacity)
        return SL_OK;
    sl_free(l->ends);
    sl_free(l->order);
    sl_free(l->sel);
    sl_free(l->late);
    sl_free(l->late_times);
    l->capacity = 0;
    l->ends = sl_malloc(sizeof *l->ends * rows);
    l->order = sl_malloc(sizeof *l->order * rows);
    l->sel = sl_malloc(sizeof *l->sel * rows);
    l->late = sl_malloc(sizeof *l->late * rows);
    l->late_times = sl_malloc(sizeof *l->late_times * rows);
    if (!l->ends || !l->order || !l->sel || !l->late || !l->late_times)
        return sl_error_oom(err);
    l->capacity = rows;
    return SL_OK;
}

/* ------------------------------------------------------------------ data */

typedef struct sl_end_row {
    int64_t end;
    uint32_t index;
} sl_end_row;

static int compare_end_rows(const void *x, const void *y)
{
    const sl_end_row *a = x, *b = y;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Sorts order[0..n) (increasing active-row indexes) by (ends[i], i): nothing to do when
 * the ends are already ordered (the usual case: one window per batch), else a qsort. */
static sl_status sort_by_end(const int64_t *ends, uint32_t *order, uint32_t n, sl_error *err)
{
    bool sorted = true;
    for (uint32_t i = 1; i < n && sorted; i++)
        sorted = ends[order[i - 1]] <= ends[order[i]];
    if (sorted)
        return SL_OK;
    sl_end_row *rows = sl_malloc(sizeof *rows * n);
    if (!rows)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < n; i++)
        rows[i] = (sl_end_row){ ends[order[i]], order[i] };
    qsort(rows, n, sizeof *rows, compare_end_rows);
    for (uint32_t i = 0; i < n; i++)
        order[i] = rows[i].index;
    sl_free(rows);
    return SL_OK;
}

static sl_status wagg_data(sl_op_context *ctx, const sl_physical_op *plan, sl_window_agg_global *g,
                           sl_window_agg_local *l, const sl_batch *in, sl_error *err)
{
    uint32_t n = in->count;
    if (in->change)
        for (uint32_t i = 0; i < n; i++)
            if (in->change[sl_batch_row(in, i)] < 0)
                return sl_error_set(err, SL_ERR_INTERNAL,
                                    WAGG_NAME ": the input carries retractions (it must be append-only)");
    SL_TRY(reserve_local(l, n, err));
    sl_vector *end_vector = NULL;
    SL_TRY(sl_expr_evaluate(l->end_state, in, &end_vector, err));
    const int64_t *end = SL_VECTOR_DATA(end_vector, int64_t);
    uint32_t kept = 0, late = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sl_batch_row(in, i);
        int64_t e = sl_vector_is_valid(end_vector, r) ? end[r] : NO_WINDOW_END;
        if (e != NO_WINDOW_END && g->watermark != SL_WATERMARK_NONE && e <= g->watermark) {
            l->late[late] = r;
            l->late_times[late++] = e;
            continue;
        }
        l->ends[i] = e;
        l->order[kept++] = i;
    }
    sl_vector_unref(end_vector);
    sl_status st = SL_OK;
    if (late > 0)
        st = sl_late_rows_report(ctx, plan, plan->children[0], in, l->late, l->late_times, late, g->watermark, err);
    if (st == SL_OK)
        st = sort_by_end(l->ends, l->order, kept, err);
    for (uint32_t a = 0; a < kept && st == SL_OK;) {
        int64_t e = l->ends[l->order[a]];
        uint32_t b = a;
        while (b < kept && l->ends[l->order[b]] == e) {
            l->sel[b - a] = sl_batch_row(in, l->order[b]);
            b++;
        }
        sl_agg_window *w = NULL;
        st = window_for(plan, g, e, &w, err);
        if (st == SL_OK) {
            if (b - a == n) {
                st = sl_agg_fold(plan, &g->layout, &l->fold, in, &w->table, NULL, &w->distinct, err);
            } else {
                sl_batch *part = sl_batch_share(in);
                st = part ? sl_batch_set_selection(part, l->sel, b - a, err) : sl_error_oom(err);
                if (st == SL_OK)
                    st = sl_agg_fold(plan, &g->layout, &l->fold, part, &w->table, NULL, &w->distinct, err);
                sl_batch_free(part);
            }
        }
        a = b;
    }
    if (st == SL_OK)
        update_state_metrics(ctx, g);
    return st;
}

/* ------------------------------------------------------------------ closing */

/* Emits window w's groups, chunk by chunk of its table (keys shared, results finalized). */
static sl_status emit_window(sl_op_context *ctx, const sl_physical_op *plan, sl_window_agg_global *g,
                             sl_agg_window *w, sl_error *err)
{
    uint8_t **payloads = sl_malloc(sizeof *payloads * SL_BATCH_CAPACITY);
    if (!payloads)
        return sl_error_oom(err);
    sl_status st = SL_OK;
    for (uint32_t p = 0; p < w->table.partition_count && st == SL_OK; p++) {
        const sl_hash_partition *part = &w->table.partitions[p];
        for (size_t c = 0; c < part->keys.chunk_count && st == SL_OK; c++) {
            const sl_batch *chunk = part->keys.chunks[c];
            uint32_t count = chunk->length;
            for (uint32_t i = 0; i < count; i++)
                payloads[i] = g->layout.payload_size
                                  ? sl_hash_table_payload(&w->table, p, (uint32_t)(c * SL_BATCH_CAPACITY + i))
                                  : NULL;
            st = sl_agg_emit_groups(ctx, plan, &g->layout, chunk->columns, payloads, count, err);
        }
    }
    sl_free(payloads);
    return st;
}

/* Emits and frees every window with end <= w (all of them for END), in end order. */
static sl_status close_windows(sl_op_context *ctx, const sl_physical_op *plan, sl_window_agg_global *g, int64_t w,
                               bool all, sl_error *err)
{
    size_t closed = 0;
    sl_status st = SL_OK;
    while (closed < g->window_count && (all || g->windows[closed]->end <= w) && st == SL_OK) {
        if (g->windows[closed]->end == NO_WINDOW_END && !all)
            break;
        st = emit_window(ctx, plan, g, g->windows[closed], err);
        window_free(plan, &g->layout, g->windows[closed]);
        closed++;
    }
    if (closed > 0) {
        memmove(g->windows, g->windows + closed, sizeof *g->windows * (g->window_count - closed));
        g->window_count -= closed;
        update_state_metrics(ctx, g);
    }
    return st;
}

static sl_status wagg_push(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                           const sl_msg *msg, sl_error *err)
{
    sl_window_agg_global *g = global;
    switch (msg->kind) {
    case SL_MSG_DATA:
        if (msg->batch->count == 0)
            return SL_OK;
        return wagg_data(ctx, plan, g, local, msg->batch, err);
    case SL_MSG_WATERMARK:
        if (msg->watermark > g->watermark)
            g->watermark = msg->watermark;
        SL_TRY(close_windows(ctx, plan, g, g->watermark, false, err));
        return sl_emit(ctx, msg, err);
    case SL_MSG_END:
        SL_TRY(close_windows(ctx, plan, g, INT64_MAX, true, err));
        return sl_emit(ctx, msg, err);
    default:
        return sl_emit(ctx, msg, err);
    }
}

const sl_operator_type sl_window_aggregate_operator = {
    .name = WAGG_NAME,
    .init_global = wagg_init_global,
    .free_global = wagg_free_global,
    .init_local = wagg_init_local,
    .free_local = wagg_free_local,
    .push = wagg_push,
};
