/*
 * window.c — WINDOW: computes window functions (OVER (PARTITION BY ... ORDER BY ... frame)).
 *
 * Sink: the input is materialized in a row store as [input columns ++ computed
 * partition/order/argument expressions]. Finalize, for each window expression: normalize
 * (partition keys, order keys) with sort_keys.c, stable-sort the row ids, walk each
 * partition in order and write the result of every row into a full-length result vector
 * indexed by row id. Source: emits the rows in arrival order with one extra column per
 * window expression (output = child columns ++ window results).
 *
 * Functions: row_number, rank, dense_rank, percent_rank, cume_dist, ntile(n),
 * lag/lead(x [, offset [, default]]), first_value, last_value, and every aggregate
 * (sl_aggregate_function) over ROWS or RANGE frames. Frames whose start is UNBOUNDED
 * PRECEDING (the default frame, whole partitions, running totals) are computed with one
 * running state per partition, O(n); other (sliding) frames re-aggregate each row's frame,
 * O(n * frame width). RANGE frames with offsets need a numeric/temporal first ORDER BY key.
 *
 * Out of core: when the input outgrows memory_limit the expressions are computed one at
 * a time over external sorts (see "out of core" below); one partition must fit in memory.
 */
#include "exec/sort_runs.h"

#include <math.h>

#include "expr/function.h"

typedef struct sl_window_layout {
    uint32_t partition_first;    /* index into key_columns */
    uint32_t order_first;
    uint32_t arg_first;
    bool has_filter;             /* aggregate FILTER (WHERE ...): key_columns[filter] */
    uint32_t filter;
} sl_window_layout;

typedef struct sl_window_global {
    sl_row_store store;
    uint32_t key_count;          /* all expressions materialized (partitions, orders, args) */
    sl_expr **key_exprs;
    uint32_t *key_columns;       /* store column per key expr */
    sl_window_layout *layouts;   /* per window expr */
    sl_vector **results;         /* per window expr: store.row_count slots */
    uint32_t base_columns;       /* input columns ++ computed keys */
    bool external;               /* out of core (see "out of core" below) */
    sl_sort_runs runs;           /* the current phase's external sort */
    sl_sort_keys sort_keys;      /* its keys, over store */
    sl_sort_merge *merge;        /* the final merge (arrival order), after finalize */
    bool ready;
} sl_window_global;

typedef struct sl_window_local {
    sl_key_input keys;
    uint32_t *key_columns;
} sl_window_local;

static void window_free_global(const sl_physical_op *plan, void *global)
{
    sl_window_global *g = global;
    if (!g)
        return;
    sl_row_store_free(&g->store);
    sl_sort_runs_free(&g->runs);
    sl_sort_keys_free(&g->sort_keys);
    sl_sort_merge_free(g->merge);
    if (g->results)
        for (uint32_t i = 0; i < plan->expr_count; i++)
            if (g->results[i])
                sl_vector_unref(g->results[i]);
    sl_free(g->results);
    sl_free(g->key_exprs);
    sl_free(g->key_columns);
    sl_free(g->layouts);
    sl_free(g);
}

/* Lists every expression to materialize: per window expr its partitions, orders, args. */
static sl_status window_collect(const sl_physical_op *plan, sl_window_global *g, sl_error *err)
{
    uint32_t total = 0;
    for (uint32_t i = 0; i < plan->expr_count; i++) {
        const sl_expr *w = plan->exprs[i];
        if (w->kind != SL_EXPR_WINDOW || !w->window)
            return sl_error_set(err, SL_ERR_INTERNAL, "WINDOW: expression %u is not a window function", i);
        total += w->window->partition_count + w->window->order_count + w->arg_count + (w->filter ? 1 : 0);
    }
    g->key_exprs = sl_calloc(total + 1, sizeof *g->key_exprs);
    g->key_columns = sl_calloc(total + 1, sizeof *g->key_columns);
    g->layouts = sl_calloc(plan->expr_count + 1, sizeof *g->layouts);
    g->results = sl_calloc(plan->expr_count + 1, sizeof *g->results);
    if (!g->key_exprs || !g->key_columns || !g->layouts || !g->results)
        return sl_error_oom(err);
    uint32_t k = 0;
    for (uint32_t i = 0; i < plan->expr_count; i++) {
        const sl_expr *w = plan->exprs[i];
        g->layouts[i].partition_first = k;
        for (uint32_t j = 0; j < w->window->partition_count; j++)
            g->key_exprs[k++] = w->window->partitions[j];
        g->layouts[i].order_first = k;
        for (uint32_t j = 0; j < w->window->order_count; j++)
            g->key_exprs[k++] = w->window->orders[j].expr;
        g->layouts[i].arg_first = k;
        for (uint32_t j = 0; j < w->arg_count; j++)
            g->key_exprs[k++] = w->args[j];
        if (w->filter) {
            g->layouts[i].has_filter = true;
            g->layouts[i].filter = k;
            g->key_exprs[k++] = w->filter;
        }
    }
    g->key_count = k;
    return SL_OK;
}

static sl_status window_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global, sl_error *err)
{
    if (plan->child_count != 1 || plan->column_count < plan->expr_count)
        return sl_error_set(err, SL_ERR_INTERNAL, "WINDOW: malformed plan");
    sl_window_global *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    uint32_t input_columns = plan->column_count - plan->expr_count;
    sl_status st = window_collect(plan, g, err);
    sl_type *types = NULL;
    sl_key_input layout;
    memset(&layout, 0, sizeof layout);
    if (st == SL_OK) {
        types = sl_calloc(input_columns + g->key_count + 1, sizeof *types);
        if (!types)
            st = sl_error_oom(err);
    }
    if (st == SL_OK) {
        memcpy(types, plan->children[0]->types, sizeof *types * input_columns);
        st = sl_key_input_init(&layout, input_columns, g->key_exprs, g->key_count, NULL, g->key_columns,
                               types + input_columns, err);
    }
    if (st == SL_OK)
        st = sl_row_store_init(&g->store, types, input_columns + layout.extra_count, exec ? exec->memory : NULL,
                               "window function", err);
    sl_key_input_free(&layout);
    sl_free(types);
    g->base_columns = g->store.column_count;
    sl_sort_runs_init(&g->runs, exec);
    if (st != SL_OK) {
        window_free_global(plan, g);
        return st;
    }
    *global = g;
    return SL_OK;
}

static void window_free_local(const sl_physical_op *plan, void *local)
{
    sl_window_local *l = local;
    sl_key_input_free(&l->keys);
    sl_free(l->key_columns);
    sl_free(l);
}

static sl_status window_init_local(const sl_physical_op *plan, void *global, sl_exec_context *exec, void **local,
                                   sl_error *err)
{
    sl_window_global *g = global;
    sl_window_local *l = sl_calloc(1, sizeof *l);
    if (!l)
        return sl_error_oom(err);
    l->key_columns = sl_calloc(g->key_count + 1, sizeof *l->key_columns);
    sl_status st = l->key_columns ? SL_OK : sl_error_oom(err);
    if (st == SL_OK)
        st = sl_key_input_init(&l->keys, plan->column_count - plan->expr_count, g->key_exprs, g->key_count,
                               &exec->eval, l->key_columns, NULL, err);
    if (st != SL_OK) {
        window_free_local(plan, l);
        return st;
    }
    *local = l;
    return SL_OK;
}

static sl_status window_go_external(const sl_physical_op *plan, sl_window_global *g, sl_error *err);

static sl_status window_sink(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                             const sl_msg *msg, sl_error *err)
{
    if (msg->kind != SL_MSG_DATA || msg->batch->count == 0)
        return SL_OK;
    sl_window_global *g = global;
    sl_window_local *l = local;
    sl_batch *extended = NULL;
    SL_TRY(sl_key_input_extend(&l->keys, msg->batch, &extended, err));
    const sl_batch *in = extended ? extended : msg->batch;
    sl_status st;
    if (g->external) {
        st = sl_sort_runs_append(&g->runs, &g->store, &g->sort_keys, in, err);
    } else {
        uint32_t appended = 0;
        st = sl_row_store_append_some(&g->store, in, 0, &appended, err);
        if (st == SL_OK && appended < in->count) {
            st = window_go_external(plan, g, err);
            if (st == SL_OK)
                st = sl_sort_runs_append_from(&g->runs, &g->store, &g->sort_keys, in, appended, err);
        }
    }
    if (extended)
        sl_batch_free(extended);
    return st;
}

/* ------------------------------------------------------------------ per-expression evaluation */

typedef struct sl_window_eval {
    sl_window_global *g;
    sl_row_store *store;         /* the rows: g->store, or one stretch of partitions (out of core) */
    const sl_expr *w;
    const sl_window_layout *layout;
    sl_sort_keys keys;           /* partition keys ++ order keys */
    uint32_t partition_count;
    uint32_t order_count;
    uint32_t *order;             /* sorted row ids */
    sl_vector *out;
    sl_exec_context *exec;
} sl_window_eval;

static sl_status set_int_result(sl_vector *out, uint32_t row, int64_t v, sl_error *err)
{
    switch ((sl_type_id)out->type.id) {
    case SL_TYPE_TINYINT: SL_VECTOR_DATA(out, int8_t)[row] = (int8_t)v; break;
    case SL_TYPE_SMALLINT: SL_VECTOR_DATA(out, int16_t)[row] = (int16_t)v; break;
    case SL_TYPE_INTEGER: SL_VECTOR_DATA(out, int32_t)[row] = (int32_t)v; break;
    case SL_TYPE_BIGINT: SL_VECTOR_DATA(out, int64_t)[row] = v; break;
    case SL_TYPE_DOUBLE: SL_VECTOR_DATA(out, double)[row] = (double)v; break;
    default: return sl_error_set(err, SL_ERR_INTERNAL, "window function: unexpected integer result type");
    }
    return SL_OK;
}

static sl_status set_double_result(sl_vector *out, uint32_t row, double v, sl_error *err)
{
    if (out->type.id == SL_TYPE_DOUBLE)
        SL_VECTOR_DATA(out, double)[row] = v;
    else if (out->type.id == SL_TYPE_REAL)
        SL_VECTOR_DATA(out, float)[row] = (float)v;
    else
        return sl_error_set(err, SL_ERR_INTERNAL, "window function: unexpected floating result type");
    return SL_OK;
}

/* Result row `row` := store column `column` at store row `src` (value copy, strings shared). */
static sl_status copy_value(sl_window_eval *ev, uint32_t arg, uint32_t src, uint32_t row, sl_error *err)
{
    uint32_t column = ev->g->key_columns[ev->layout->arg_first + arg];
    if (!sl_type_equal(ev->store->types[column], ev->out->type))
        return sl_error_set(err, SL_ERR_INTERNAL, "window function %s: argument type differs from result type",
                            ev->w->window_function);
    return sl_row_store_gather(ev->store, &src, 1, column, ev->out, row, err);
}

/* Constant integer argument (ntile buckets, lag offset); `fallback` when absent. */
static sl_status const_int_arg(sl_window_eval *ev, uint32_t arg, int64_t fallback, int64_t *out, bool *is_null,
                               sl_error *err)
{
    *is_null = false;
    if (arg >= ev->w->arg_count) {
        *out = fallback;
        return SL_OK;
    }
    sl_value v;
    SL_TRY(sl_expr_evaluate_constant(ev->w->args[arg], &ev->exec->eval, &v, err));
    if (v.is_null)
        *is_null = true;
    else if (v.type.id == SL_TYPE_DOUBLE || v.type.id == SL_TYPE_REAL)
        *out = (int64_t)v.v.f64;
    else
        *out = v.v.i64;
    sl_value_free(&v);
    return SL_OK;
}

static bool peers(const sl_window_eval *ev, uint32_t a, uint32_t b)
{
    return sl_sort_keys_compare_range(&ev->keys, ev->partition_count, ev->order_count, a, b) == 0;
}

/* Ranking and navigation functions over partition positions [ps, pe) of ev->order. */
static sl_status window_ranking(sl_window_eval *ev, const char *name, uint32_t ps, uint32_t pe, sl_error *err)
{
    uint32_t *o = ev->order;
    uint32_t n = pe - ps;
    if (!strcmp(name, "ntile")) {
        int64_t buckets;
        bool is_null;
        SL_TRY(const_int_arg(ev, 0, 1, &buckets, &is_null, err));
        if (!is_null && buckets <= 0)
            return sl_error_set(err, SL_ERR_RUNTIME, "argument of ntile must be greater than zero");
        for (uint32_t i = ps; i < pe; i++) {
            if (is_null) {
                SL_TRY(sl_vector_set_null(ev->out, o[i], err));
                continue;
            }
            uint64_t j = i - ps, size = n / (uint64_t)buckets, rem = n % (uint64_t)buckets, b;
            if (j < rem * (size + 1))
                b = j / (size + 1) + 1;
            else
                b = (j - rem * (size + 1)) / (size ? size : 1) + rem + 1;
            SL_TRY(set_int_result(ev->out, o[i], (int64_t)b, err));
        }
        return SL_OK;
    }
    if (!strcmp(name, "lag") || !strcmp(name, "lead")) {
        int64_t offset = 0;
        bool is_null;
        SL_TRY(const_int_arg(ev, 1, 1, &offset, &is_null, err));
        if (!strcmp(name, "lag"))
            offset = -offset;
        for (uint32_t i = ps; i < pe; i++) {
            int64_t src = (int64_t)i + offset;
            if (!is_null && src >= ps && src < pe) {
                SL_TRY(copy_value(ev, 0, o[src], o[i], err));
            } else if (ev->w->arg_count >= 3 && !is_null) {
                SL_TRY(copy_value(ev, 2, o[i], o[i], err));  /* default, evaluated per row */
            } else {
                SL_TRY(sl_vector_set_null(ev->out, o[i], err));
            }
        }
        return SL_OK;
    }
    uint32_t group_start = ps, dense = 0;
    for (uint32_t i = ps; i < pe;) {
        uint32_t group_end = i + 1;
        while (group_end < pe && peers(ev, o[i], o[group_end]))
            group_end++;
        group_start = i;
        dense++;
        for (uint32_t j = group_start; j < group_end; j++) {
            uint32_t row = o[j];
            if (!strcmp(name, "row_number"))
                SL_TRY(set_int_result(ev->out, row, j - ps + 1, err));
            else if (!strcmp(name, "rank"))
                SL_TRY(set_int_result(ev->out, row, group_start - ps + 1, err));
            else if (!strcmp(name, "dense_rank"))
                SL_TRY(set_int_result(ev->out, row, dense, err));
            else if (!strcmp(name, "percent_rank"))
                SL_TRY(set_double_result(ev->out, row, n > 1 ? (double)(group_start - ps) / (n - 1) : 0.0, err));
            else if (!strcmp(name, "cume_dist"))
                SL_TRY(set_double_result(ev->out, row, (double)(group_end - ps) / n, err));
            else
                return sl_error_set(err, SL_ERR_CATALOG, "unknown window function %s", name);
        }
        i = group_end;
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ frames */

typedef struct sl_frame_bounds {
    bool rows;                   /* ROWS (else RANGE) */
    sl_frame_bound_kind start_kind, end_kind;
    double start_offset, end_offset;
} sl_frame_bounds;

static sl_status frame_offset(sl_window_eval *ev, const sl_expr *e, double *out, sl_error *err)
{
    *out = 0;
    if (!e)
        return SL_OK;
    sl_value v;
    SL_TRY(sl_expr_evaluate_constant(e, &ev->exec->eval, &v, err));
    if (v.is_null) {
        sl_value_free(&v);
        return sl_error_set(err, SL_ERR_RUNTIME, "frame offset must not be NULL");
    }
    switch ((sl_type_id)v.type.id) {
    case SL_TYPE_REAL:
    case SL_TYPE_DOUBLE: *out = v.v.f64; break;
    case SL_TYPE_INTERVAL:
        *out = ((double)v.v.interval.months * 30 + v.v.interval.days) * 86400e6 + (double)v.v.interval.micros;
        if (ev->order_count && ev->keys.keys[ev->partition_count].type.id == SL_TYPE_DATE)
            *out /= 86400e6;
        break;
    case SL_TYPE_DECIMAL: *out = (double)v.v.i64 / (double)sl_pow10_i64[v.type.scale]; break;
    default: *out = (double)v.v.i64; break;
    }
    sl_value_free(&v);
    /* DECIMAL order keys compare as unscaled integers: scale the offset alike */
    if (ev->order_count && ev->keys.keys[ev->partition_count].type.id == SL_TYPE_DECIMAL)
        *out *= pow(10.0, ev->keys.keys[ev->partition_count].type.scale);
    if (*out < 0)
        return sl_error_set(err, SL_ERR_RUNTIME, "frame starting or ending offset must not be negative");
    return SL_OK;
}

/* Frame [*fs, *fe) (positions) of position i in partition [ps, pe). peer_s/peer_e: i's
 * peer group. */
static void frame_of(const sl_window_eval *ev, const sl_frame_bounds *fb, uint32_t ps, uint32_t pe, uint32_t i,
                     uint32_t peer_s, uint32_t peer_e, int64_t *fs, int64_t *fe)
{
    const uint32_t *o = ev->order;
    for (int side = 0; side < 2; side++) {
        sl_frame_bound_kind kind = side ? fb->end_kind : fb->start_kind;
        double off = side ? fb->end_offset : fb->start_offset;
        int64_t pos;
        switch (kind) {
        case SL_BOUND_UNBOUNDED_PRECEDING: pos = ps; break;
        case SL_BOUND_UNBOUNDED_FOLLOWING: pos = pe; break;
        case SL_BOUND_CURRENT_ROW: pos = fb->rows ? (side ? i + 1 : i) : (side ? peer_e : peer_s); break;
        default: {
            bool preceding = kind == SL_BOUND_PRECEDING;
            if (fb->rows) {
                int64_t x = preceding ? (int64_t)i - (int64_t)off : (int64_t)i + (int64_t)off;
                pos = side ? x + 1 : x;
                break;
            }
            /* RANGE offset over the first order key: value bound, direction-aware */
            const sl_sort_key_column *k = &ev->keys.keys[ev->partition_count];
            if (k->is_null[o[i]]) {
                pos = side ? peer_e : peer_s;
                break;
            }
            double v = sl_sort_keys_numeric(&ev->keys, ev->partition_count, o[i]);
            bool toward_start = preceding;
            double bound = (toward_start != k->descending) ? v - off : v + off;
            /* first position whose value is beyond the bound (start) / past it (end) */
            int64_t j = side ? i : ps;
            int64_t lo = ps, hi = pe;
            (void)j;
            while (lo < hi) {
                int64_t mid = lo + (hi - lo) / 2;
                uint32_t r = o[mid];
                bool before;
                if (k->is_null[r]) {
                    before = k->nulls_first;
                } else {
                    double x = sl_sort_keys_numeric(&ev->keys, ev->partition_count, r);
                    if (!k->descending)
                        before = side ? x <= bound : x < bound;
                    else
                        before = side ? x >= bound : x > bound;
                }
                if (before)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            pos = lo;
            break;
        }
        }
        if (pos < ps)
            pos = ps;
        if (pos > pe)
            pos = pe;
        if (side)
            *fe = pos;
        else
            *fs = pos;
    }
}

static sl_status agg_update_rows(sl_window_eval *ev, void *state, uint32_t from, uint32_t to, sl_error *err)
{
    const sl_expr *w = ev->w;
    sl_vector *args[16];
    if (w->arg_count > 16)
        return sl_error_set(err, SL_ERR_INTERNAL, "window aggregate with more than 16 arguments");
    for (uint32_t p = from; p < to; p++) {
        uint32_t row = ev->order[p], slot = row % SL_BATCH_CAPACITY;
        const sl_batch *chunk = ev->store->chunks[row / SL_BATCH_CAPACITY];
        if (ev->layout->has_filter) {
            const sl_vector *f = chunk->columns[ev->g->key_columns[ev->layout->filter]];
            if (!sl_vector_is_valid(f, slot) || !SL_VECTOR_DATA(f, uint8_t)[slot])
                continue; /* FILTER (WHERE ...) not true: the row does not feed the aggregate */
        }
        for (uint32_t a = 0; a < w->arg_count; a++)
            args[a] = chunk->columns[ev->g->key_columns[ev->layout->arg_first + a]];
        void *states[1] = { state };
        SL_TRY(w->aggregate->update(w, states, args, &slot, 1, err));
    }
    return SL_OK;
}

static sl_status window_aggregate(sl_window_eval *ev, const sl_frame_bounds *fb, uint32_t ps, uint32_t pe,
                                  void *state, sl_error *err)
{
    const sl_aggregate_function *fn = ev->w->aggregate;
    bool running = fb->start_kind == SL_BOUND_UNBOUNDED_PRECEDING;
    uint32_t added = ps;     /* running: rows [ps, added) folded into state */
    if (running)
        fn->init(ev->w, state);
    sl_status st = SL_OK;
    for (uint32_t i = ps; i < pe && st == SL_OK;) {
        uint32_t peer_e = i + 1;
        while (peer_e < pe && peers(ev, ev->order[i], ev->order[peer_e]))
            peer_e++;
        uint32_t peer_s = i;
        for (uint32_t j = peer_s; j < peer_e && st == SL_OK; j++) {
            int64_t fs, fe;
            frame_of(ev, fb, ps, pe, j, peer_s, peer_e, &fs, &fe);
            void *states[1] = { state };
            if (running) {
                if (fe > added) {
                    st = agg_update_rows(ev, state, added, (uint32_t)fe, err);
                    added = (uint32_t)fe;
                }
                if (st == SL_OK && fe < added) {
                    /* end moved backwards (cannot happen for monotone frames): recompute */
                    if (fn->destroy)
                        fn->destroy(ev->w, state);
                    fn->init(ev->w, state);
                    st = agg_update_rows(ev, state, ps, (uint32_t)fe, err);
                    added = (uint32_t)fe;
                }
                if (st == SL_OK)
                    st = fn->finalize(ev->w, states, 1, ev->out, ev->order[j], err);
            } else {
                fn->init(ev->w, state);
                if (fs < fe)
                    st = agg_update_rows(ev, state, (uint32_t)fs, (uint32_t)fe, err);
                if (st == SL_OK)
                    st = fn->finalize(ev->w, states, 1, ev->out, ev->order[j], err);
                if (fn->destroy)
                    fn->destroy(ev->w, state);
            }
        }
        i = peer_e;
    }
    if (running && fn->destroy)
        fn->destroy(ev->w, state);
    return st;
}

static sl_status window_value(sl_window_eval *ev, const sl_frame_bounds *fb, bool first, uint32_t ps, uint32_t pe,
                              sl_error *err)
{
    for (uint32_t i = ps; i < pe;) {
        uint32_t peer_e = i + 1;
        while (peer_e < pe && peers(ev, ev->order[i], ev->order[peer_e]))
            peer_e++;
        for (uint32_t j = i; j < peer_e; j++) {
            int64_t fs, fe;
            frame_of(ev, fb, ps, pe, j, i, peer_e, &fs, &fe);
            if (fs >= fe)
                SL_TRY(sl_vector_set_null(ev->out, ev->order[j], err));
            else
                SL_TRY(copy_value(ev, 0, ev->order[first ? fs : fe - 1], ev->order[j], err));
        }
        i = peer_e;
    }
    return SL_OK;
}

/* The evaluation of window expression `index` over the rows of `store`. */
typedef struct sl_window_run {
    sl_window_eval ev;
    sl_frame_bounds fb;
    void *state;                 /* aggregate state (window aggregates) */
} sl_window_run;

static void window_run_free(sl_window_run *run)
{
    sl_free(run->state);
    sl_free(run->ev.order);
    sl_sort_keys_free(&run->ev.keys);
    if (run->ev.out)
        sl_vector_unref(run->ev.out);
    memset(run, 0, sizeof *run);
}

/* Prepares the evaluation of expression `index` over store: normalized (partition, order)
 * keys, the identity row order, a result vector of store->row_count slots, the frame. */
static sl_status window_run_init(sl_window_run *run, sl_exec_context *exec, const sl_physical_op *plan,
                                 sl_window_global *g, uint32_t index, sl_row_store *store, sl_error *err)
{
    memset(run, 0, sizeof *run);
    const sl_expr *w = plan->exprs[index];
    const sl_window_spec *spec = w->window;
    sl_window_eval *ev = &run->ev;
    ev->g = g;
    ev->store = store;
    ev->w = w;
    ev->exec = exec;
    ev->layout = &g->layouts[index];
    ev->partition_count = spec->partition_count;
    ev->order_count = spec->order_count;
    uint32_t n = store->row_count, nk = spec->partition_count + spec->order_count;
    bool *desc = sl_calloc(nk + 1, sizeof *desc), *nulls_first = sl_calloc(nk + 1, sizeof *nulls_first);
    ev->order = sl_malloc(sizeof *ev->order * (n ? n : 1));
    ev->out = sl_vector_new(w->type, n ? n : 1);
    sl_status st = desc && nulls_first && ev->order && ev->out ? SL_OK : sl_error_oom(err);
    if (st == SL_OK) {
        for (uint32_t j = 0; j < spec->order_count; j++) {
            desc[spec->partition_count + j] = spec->orders[j].descending;
            nulls_first[spec->partition_count + j] = spec->orders[j].nulls_first;
        }
        st = sl_sort_keys_init(&ev->keys, store, g->key_columns + ev->layout->partition_first, desc, nulls_first,
                               nk, err);
    }
    sl_free(desc);
    sl_free(nulls_first);
    if (st == SL_OK)
        st = sl_sort_keys_update(&ev->keys, store, err);
    if (st == SL_OK)
        for (uint32_t i = 0; i < n; i++)
            ev->order[i] = i;
    sl_frame_bounds *fb = &run->fb;
    if (spec->has_frame) {
        fb->rows = spec->frame_unit == SL_FRAME_ROWS;
        fb->start_kind = spec->start_kind;
        fb->end_kind = spec->end_kind;
        if (st == SL_OK)
            st = frame_offset(ev, spec->start_offset, &fb->start_offset, err);
        if (st == SL_OK)
            st = frame_offset(ev, spec->end_offset, &fb->end_offset, err);
        if (st == SL_OK && !fb->rows &&
            ((fb->start_kind == SL_BOUND_PRECEDING || fb->start_kind == SL_BOUND_FOLLOWING) ||
             (fb->end_kind == SL_BOUND_PRECEDING || fb->end_kind == SL_BOUND_FOLLOWING))) {
            if (spec->order_count != 1 || ev->keys.keys[spec->partition_count].cls == SL_KEY_STRING)
                st = sl_error_set(err, SL_ERR_RUNTIME,
                                  "RANGE with offset PRECEDING/FOLLOWING requires exactly one numeric or temporal ORDER BY column");
        }
    } else {
        fb->rows = false;
        fb->start_kind = SL_BOUND_UNBOUNDED_PRECEDING;
        fb->end_kind = spec->order_count ? SL_BOUND_CURRENT_ROW : SL_BOUND_UNBOUNDED_FOLLOWING;
    }
    if (st == SL_OK && !w->window_function) {
        if (!w->aggregate)
            st = sl_error_set(err, SL_ERR_INTERNAL, "window expression without function or aggregate");
        else if (!(run->state = sl_calloc(1, w->aggregate->state_size ? w->aggregate->state_size : 1)))
            st = sl_error_oom(err);
    }
    if (st != SL_OK)
        window_run_free(run);
    return st;
}

/* Position of the first row of the partition that holds position `to - 1` of the order
 * (0 when positions [0, to) are one partition). */
static uint32_t window_last_partition_start(const sl_window_eval *ev, uint32_t to)
{
    uint32_t ps = to ? to - 1 : 0;
    while (ps > 0 && sl_sort_keys_compare_range(&ev->keys, 0, ev->partition_count, ev->order[ps - 1],
                                                ev->order[ps]) == 0)
        ps--;
    return ps;
}

/* Evaluates the partitions that make up order positions [from, to) (partition-aligned). */
static sl_status window_run_partitions(sl_window_run *run, uint32_t from, uint32_t to, sl_error *err)
{
    sl_window_eval *ev = &run->ev;
    const sl_expr *w = ev->w;
    for (uint32_t ps = from; ps < to;) {
        if (sl_exec_interrupted(ev->exec))
            return sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
        uint32_t pe = ps + 1;
        while (pe < to && sl_sort_keys_compare_range(&ev->keys, 0, ev->partition_count, ev->order[ps], ev->order[pe]) == 0)
            pe++;
        const char *name = w->window_function;
        if (!name)
            SL_TRY(window_aggregate(ev, &run->fb, ps, pe, run->state, err));
        else if (!strcmp(name, "first_value") || !strcmp(name, "last_value"))
            SL_TRY(window_value(ev, &run->fb, name[0] == 'f', ps, pe, err));
        else
            SL_TRY(window_ranking(ev, name, ps, pe, err));
        ps = pe;
    }
    return SL_OK;
}

/* Computes window expression `index` for every row into g->results[index]. */
static sl_status window_compute(sl_exec_context *exec, const sl_physical_op *plan, sl_window_global *g,
                                uint32_t index, sl_error *err)
{
    sl_window_run run;
    SL_TRY(window_run_init(&run, exec, plan, g, index, &g->store, err));
    uint32_t n = g->store.row_count;
    sl_status st = sl_sort_keys_sort(&run.ev.keys, run.ev.order, n, err);
    if (st == SL_OK)
        st = window_run_partitions(&run, 0, n, err);
    if (st == SL_OK) {
        g->results[index] = run.ev.out;
        run.ev.out = NULL;
    }
    window_run_free(&run);
    return st;
}

/* ------------------------------------------------------------------ out of core
 *
 * When the input outgrows memory_limit, the window runs as a chain of external sorts
 * (sort_runs.h). Rows get their arrival index as an extra column. Phase e merges the rows
 * sorted by expression e's (partition, order) keys, gathers whole partitions in memory,
 * computes expression e, and feeds [row ++ result] to the external sort of phase e + 1
 * (expression e + 1's keys; after the last expression: the arrival index), so the source
 * emits the rows in arrival order as the in-memory path does. A single partition must
 * fit in memory; when it does not, the query fails with a clear error.
 * Row layout in phase e: [input ++ computed keys] (base_columns) ++ arrival index ++
 * results of expressions 0 .. e-1.
 */

/* Initializes g->sort_keys over g->store for phase `phase` (expression `phase`'s keys, or
 * the arrival index after the last one). */
static sl_status window_phase_keys(const sl_physical_op *plan, sl_window_global *g, uint32_t phase, sl_error *err)
{
    sl_sort_keys_free(&g->sort_keys);
    if (phase >= plan->expr_count) {
        uint32_t column = g->base_columns;
        return sl_sort_keys_init(&g->sort_keys, &g->store, &column, NULL, NULL, 1, err);
    }
    const sl_window_spec *spec = plan->exprs[phase]->window;
    uint32_t nk = spec->partition_count + spec->order_count;
    bool *desc = sl_calloc(nk + 1, sizeof *desc), *nulls_first = sl_calloc(nk + 1, sizeof *nulls_first);
    sl_status st = desc && nulls_first ? SL_OK : sl_error_oom(err);
    if (st == SL_OK) {
        for (uint32_t j = 0; j < spec->order_count; j++) {
            desc[spec->partition_count + j] = spec->orders[j].descending;
            nulls_first[spec->partition_count + j] = spec->orders[j].nulls_first;
        }
        st = sl_sort_keys_init(&g->sort_keys, &g->store, g->key_columns + g->layouts[phase].partition_first, desc,
                               nulls_first, nk, err);
    }
    sl_free(desc);
    sl_free(nulls_first);
    return st;
}

/* The sink's store was refused memory: from now on rows go to the external sort of phase 0. */
static sl_status window_go_external(const sl_physical_op *plan, sl_window_global *g, sl_error *err)
{
    g->external = true;
    g->runs.add_row_ids = true;
    SL_TRY(window_phase_keys(plan, g, 0, err));
    return sl_sort_runs_spill(&g->runs, &g->store, &g->sort_keys, err);
}

/* Appends partition rows [0, count) of P with their results (run->ev.out) to the external
 * sort of the next phase. */
static sl_status window_pass_on(sl_window_global *g, sl_row_store *part, sl_window_run *run, uint32_t count,
                                sl_error *err)
{
    uint32_t ids[SL_BATCH_CAPACITY];
    for (uint32_t at = 0; at < count; at += SL_BATCH_CAPACITY) {
        uint32_t n = count - at < SL_BATCH_CAPACITY ? count - at : SL_BATCH_CAPACITY;
        for (uint32_t i = 0; i < n; i++)
            ids[i] = at + i;
        sl_batch *rows = NULL;
        SL_TRY(sl_row_store_gather_batch(part, ids, n, part->column_count, &rows, err));
        sl_batch *b = sl_batch_new(part->column_count + 1);
        sl_vector *result = sl_vector_new(run->ev.out->type, n);
        sl_status st = b && result ? SL_OK : sl_error_oom(err);
        if (st == SL_OK)
            st = sl_vector_gather(result, 0, run->ev.out, ids, n, err);
        if (st == SL_OK) {
            for (uint32_t c = 0; c < part->column_count; c++)
                sl_batch_set_column(b, c, sl_vector_ref(rows->columns[c]));
            sl_batch_set_column(b, part->column_count, result);
            result = NULL;
            b->length = b->count = n;
            st = sl_sort_runs_append(&g->runs, &g->store, &g->sort_keys, b, err);
        }
        if (result)
            sl_vector_unref(result);
        sl_batch_free(b);
        sl_batch_free(rows);
        SL_TRY(st);
    }
    return SL_OK;
}

/* Evaluates expression `index` over the complete partitions at the front of *part (all of
 * them when `all`), passes them on and keeps only the unfinished last partition. */
static sl_status window_flush_partitions(sl_exec_context *exec, const sl_physical_op *plan, sl_window_global *g,
                                         uint32_t index, sl_row_store *part, bool all, bool *progress,
                                         sl_error *err)
{
    *progress = false;
    if (part->row_count == 0)
        return SL_OK;
    sl_window_run run;
    SL_TRY(window_run_init(&run, exec, plan, g, index, part, err));
    uint32_t n = part->row_count;
    uint32_t done = all ? n : window_last_partition_start(&run.ev, n);
    sl_status st = SL_OK;
    if (done > 0) {
        st = window_run_partitions(&run, 0, done, err);
        if (st == SL_OK)
            st = window_pass_on(g, part, &run, done, err);
    }
    window_run_free(&run);
    SL_TRY(st);
    if (done == 0)
        return SL_OK;
    *progress = true;
    /* keep rows [done, n): the unfinished partition */
    sl_row_store rest;
    SL_TRY(sl_row_store_init(&rest, part->types, part->column_count, part->memory, part->owner, err));
    uint32_t ids[SL_BATCH_CAPACITY];
    for (uint32_t at = done; at < n && st == SL_OK; at += SL_BATCH_CAPACITY) {
        uint32_t m = n - at < SL_BATCH_CAPACITY ? n - at : SL_BATCH_CAPACITY;
        for (uint32_t i = 0; i < m; i++)
            ids[i] = at + i;
        sl_batch *b = NULL;
        st = sl_row_store_gather_batch(part, ids, m, part->column_count, &b, err);
        if (st == SL_OK) {
            uint32_t appended = 0;
            st = sl_row_store_append_some(&rest, b, 0, &appended, err);
            if (st == SL_OK && appended < m)
                st = sl_error_set(err, SL_ERR_OOM, "window function: a partition does not fit in memory_limit "
                                                   "(%lld bytes); raise memory_limit",
                                  (long long)exec->memory->limit);
            sl_batch_free(b);
        }
    }
    if (st != SL_OK) {
        sl_row_store_free(&rest);
        return st;
    }
    sl_row_store_free(part);
    *part = rest;
    return SL_OK;
}

/* Phase `index`: merges the runs (sorted by expression index's keys), computes the
 * expression partition by partition and feeds the next phase's external sort. */
static sl_status window_phase(sl_exec_context *exec, const sl_physical_op *plan, sl_window_global *g, uint32_t index,
                              sl_error *err)
{
    /* the rows of this phase: the store's columns (+ the arrival index in phase 0's runs) */
    uint32_t columns = g->base_columns + 1 + index;
    sl_type *types = sl_malloc(sizeof *types * (columns + 1));
    if (!types)
        return sl_error_oom(err);
    memcpy(types, g->store.types, sizeof *types * g->store.column_count);
    if (index == 0)
        types[g->base_columns] = sl_type_make(SL_TYPE_BIGINT);
    sl_sort_merge *merge = NULL;
    sl_row_store part;
    memset(&part, 0, sizeof part);
    sl_status st = sl_sort_runs_spill(&g->runs, &g->store, &g->sort_keys, err);
    if (st == SL_OK)
        st = sl_sort_merge_new(&g->runs, types, columns, &g->sort_keys, &merge, err);
    /* the next phase's store: one more column, this expression's result */
    types[columns] = plan->exprs[index]->type;
    if (st == SL_OK) {
        sl_row_store_free(&g->store);
        st = sl_row_store_init(&g->store, types, columns + 1, exec->memory, "window function", err);
    }
    if (st == SL_OK) {
        sl_sort_runs_free(&g->runs);
        sl_sort_runs_init(&g->runs, exec);
        st = window_phase_keys(plan, g, index + 1, err);
    }
    if (st == SL_OK)
        st = sl_row_store_init(&part, types, columns, exec->memory, "window function", err);
    while (st == SL_OK) {
        sl_batch *b = NULL;
        st = sl_sort_merge_next(merge, columns, &b, err);
        if (st != SL_OK || !b)
            break;
        uint32_t done = 0;
        while (st == SL_OK && done < b->count) {
            uint32_t appended = 0;
            st = sl_row_store_append_some(&part, b, done, &appended, err);
            done += appended;
            bool progress = true;
            if (st == SL_OK)
                st = window_flush_partitions(exec, plan, g, index, &part, false, &progress, err);
            if (st == SL_OK && done < b->count && !progress && g->store.row_count > 0) {
                /* make room: the next phase's rows go to disk */
                st = sl_sort_runs_spill(&g->runs, &g->store, &g->sort_keys, err);
                progress = true;
            }
            if (st == SL_OK && done < b->count && !progress)
                st = sl_error_set(err, SL_ERR_OOM,
                                  "window function: a partition does not fit in memory_limit (%lld bytes); "
                                  "raise memory_limit",
                                  (long long)exec->memory->limit);
        }
        sl_batch_free(b);
    }
    if (st == SL_OK) {
        bool progress;
        st = window_flush_partitions(exec, plan, g, index, &part, true, &progress, err);
    }
    sl_row_store_free(&part);
    sl_sort_merge_free(merge);
    sl_free(types);
    return st;
}

static sl_status window_finalize_external(sl_exec_context *exec, const sl_physical_op *plan, sl_window_global *g,
                                          sl_error *err)
{
    for (uint32_t i = 0; i < plan->expr_count; i++)
        SL_TRY(window_phase(exec, plan, g, i, err));
    SL_TRY(sl_sort_runs_spill(&g->runs, &g->store, &g->sort_keys, err));
    return sl_sort_merge_new(&g->runs, g->store.types, g->store.column_count, &g->sort_keys, &g->merge, err);
}

static sl_status window_finalize(sl_exec_context *exec, const sl_physical_op *plan, void *global, sl_error *err)
{
    sl_window_global *g = global;
    if (g->external)
        SL_TRY(window_finalize_external(exec, plan, g, err));
    else
        for (uint32_t i = 0; i < plan->expr_count; i++)
            SL_TRY(window_compute(exec, plan, g, i, err));
    g->ready = true;
    return SL_OK;
}

/* Source of the out-of-core path: the final merge (arrival order), input columns ++ results. */
static sl_status window_emit_merged(sl_op_context *ctx, const sl_physical_op *plan, sl_window_global *g,
                                   sl_error *err)
{
    uint32_t input_columns = plan->column_count - plan->expr_count;
    for (;;) {
        if (sl_pipeline_stop_requested(ctx))
            return SL_OK;
        sl_batch *b = NULL;
        SL_TRY(sl_sort_merge_next(g->merge, g->store.column_count, &b, err));
        if (!b)
            return SL_OK;
        sl_batch *out = sl_batch_new(plan->column_count);
        sl_status st = out ? SL_OK : sl_error_oom(err);
        if (st == SL_OK) {
            for (uint32_t c = 0; c < input_columns; c++)
                sl_batch_set_column(out, c, sl_vector_ref(b->columns[c]));
            for (uint32_t i = 0; i < plan->expr_count; i++)
                sl_batch_set_column(out, input_columns + i, sl_vector_ref(b->columns[g->base_columns + 1 + i]));
            out->length = out->count = b->count;
            st = sl_emit_batch(ctx, out, err);
        }
        sl_batch_free(out);
        sl_batch_free(b);
        SL_TRY(st);
    }
}

static sl_status window_source(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                               sl_error *err)
{
    sl_window_global *g = global;
    if (!g->ready)
        return sl_error_set(err, SL_ERR_INTERNAL, "WINDOW: source ran before finalize");
    uint32_t input_columns = plan->column_count - plan->expr_count;
    if (g->merge)
        return window_emit_merged(ctx, plan, g, err);
    uint32_t ids[SL_BATCH_CAPACITY];
    for (uint32_t at = 0; at < g->store.row_count; at += SL_BATCH_CAPACITY) {
        if (sl_pipeline_stop_requested(ctx))
            return SL_OK;
        if (sl_exec_interrupted(ctx->exec))
            return sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
        uint32_t n = g->store.row_count - at < SL_BATCH_CAPACITY ? g->store.row_count - at : SL_BATCH_CAPACITY;
        for (uint32_t i = 0; i < n; i++)
            ids[i] = at + i;
        sl_batch *b = NULL;
        SL_TRY(sl_row_store_gather_batch(&g->store, ids, n, input_columns, &b, err));
        sl_batch *out = sl_batch_new(plan->column_count);
        sl_status st = out ? SL_OK : sl_error_oom(err);
        for (uint32_t c = 0; c < input_columns && st == SL_OK; c++)
            sl_batch_set_column(out, c, sl_vector_ref(b->columns[c]));
        for (uint32_t i = 0; i < plan->expr_count && st == SL_OK; i++) {
            sl_vector *v = sl_vector_new(g->results[i]->type, n);
            if (!v)
                st = sl_error_oom(err);
            else {
                sl_batch_set_column(out, input_columns + i, v);
                st = sl_vector_gather(v, 0, g->results[i], ids, n, err);
            }
        }
        if (st == SL_OK) {
            out->length = out->count = n;
            st = sl_emit_batch(ctx, out, err);
        }
        if (out)
            sl_batch_free(out);
        sl_batch_free(b);
        SL_TRY(st);
    }
    return SL_OK;
}

const sl_operator_type sl_window_operator = {
    .name = "WINDOW",
    .init_global = window_init_global,
    .free_global = window_free_global,
    .init_local = window_init_local,
    .free_local = window_free_local,
    .source = window_source,
    .sink = window_sink,
    .finalize = window_finalize,
};
