/*
 * table_function_scan.c — TABLE_FUNCTION: runs a table function (read_csv, generate_series,
 * ...) as a pipeline source: init, then next() until it returns no batch.
 *
 * When the planner pruned columns (plan->scan_columns set) only those are emitted, in that
 * order: a function with an init_projected hook produces just them (projection pushdown,
 * e.g. read_parquet decodes only those column chunks); for one without, the operator drops
 * the other columns of the full batches init/next produce. Simple filters the planner
 * found (plan->scan_filters) go to init_filtered, which may skip rows with them (hints:
 * the FILTER above still runs). A table function
 * is a single stream, so it runs in one pipeline instance; its scan state lives in the
 * global state and is freed with it (also when the query fails halfway).
 *
 * In a continuous query the driver calls step() instead: one batch per call. A source
 * with a watermark (plan->watermark) evaluates it over every batch it emits, keeps the
 * greatest value per split (stream/watermark.h) and emits WATERMARK(t) after the batch
 * whenever the minimum over the live splits rises; at the end WATERMARK(+inf).
 */
#include "exec/operator.h"

#include "connect/connector.h"
#include "plan/table_function.h"
#include "stream/watermark.h"

typedef struct sl_table_function_global {
    void *state;                 /* the function's scan state, NULL until started */
    bool started;
    bool projected;              /* the function produces exactly plan->scan_columns */
    /* continuous runs */
    sl_expr_state *watermark;    /* plan->watermark's evaluation state, NULL when none */
    sl_watermark_tracker tracker;
    bool tracking;
} sl_table_function_global;

static sl_status tf_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global, sl_error *err)
{
    if (!plan->function)
        return sl_error_set(err, SL_ERR_INTERNAL, "TABLE_FUNCTION without a function");
    sl_table_function_global *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    *global = g;
    return SL_OK;
}

static void tf_free_global(const sl_physical_op *plan, void *global)
{
    sl_table_function_global *g = global;
    if (g && g->state && plan->function->free)
        plan->function->free(g->state);
    if (g) {
        sl_expr_state_free(g->watermark);
        sl_watermark_tracker_free(&g->tracker);
    }
    sl_free(g);
}

/* Emits `b` restricted to the scanned columns (or whole when no pruning happened or the
 * function already produced just them). */
static sl_status tf_emit(sl_op_context *ctx, const sl_physical_op *plan, bool projected, const sl_batch *b,
                         sl_error *err)
{
    if (projected) {
        if (b->column_count != plan->scan_column_count)
            return sl_error_set(err, SL_ERR_INTERNAL, "%s: produced %u columns, %u were asked for",
                                plan->function->name, b->column_count, plan->scan_column_count);
        return sl_emit_batch(ctx, b, err);
    }
    if (!plan->scan_columns)
        return sl_emit_batch(ctx, b, err);
    sl_batch *out = sl_batch_new(plan->scan_column_count);
    if (!out)
        return sl_error_oom(err);
    for (uint32_t c = 0; c < plan->scan_column_count; c++) {
        if (plan->scan_columns[c] >= b->column_count) {
            sl_batch_free(out);
            return sl_error_set(err, SL_ERR_INTERNAL, "%s: column %u out of range", plan->function->name,
                                plan->scan_columns[c]);
        }
        sl_batch_set_column(out, c, sl_vector_ref(b->columns[plan->scan_columns[c]]));
    }
    out->length = b->length;
    out->count = b->count;
    sl_status st = SL_OK;
    if (b->sel)
        st = sl_batch_set_selection(out, b->sel, b->count, err);
    if (st == SL_OK && b->change)   /* a changelog source (debezium-json) */
        st = sl_batch_set_change(out, b->change, 0, b->length, err);
    if (st == SL_OK)
        st = sl_emit_batch(ctx, out, err);
    sl_batch_free(out);
    return st;
}

/* Starts the function's scan (projected / filtered when the planner asked). */
static sl_status tf_start(sl_op_context *ctx, const sl_physical_op *plan, sl_table_function_global *g, sl_error *err)
{
    const sl_table_function *fn = plan->function;
    g->started = true;
    bool filtered = plan->scan_filter_count > 0 && fn->init_filtered;
    g->projected = plan->scan_columns && (fn->init_projected || filtered);
    if (filtered)
        return fn->init_filtered(plan->function_data, ctx->exec, plan->scan_columns,
                                 plan->scan_columns ? plan->scan_column_count : 0, plan->scan_filters,
                                 plan->scan_filter_count, &g->state, err);
    if (g->projected)
        return fn->init_projected(plan->function_data, ctx->exec, plan->scan_columns, plan->scan_column_count,
                                  &g->state, err);
    return fn->init(plan->function_data, ctx->exec, &g->state, err);
}

static sl_status tf_source(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local, sl_error *err)
{
    sl_table_function_global *g = global;
    const sl_table_function *fn = plan->function;
    if (g->started)
        return SL_OK;  /* another instance already ran (or runs) the single stream */
    SL_TRY(tf_start(ctx, plan, g, err));
    for (;;) {
        if (sl_pipeline_stop_requested(ctx))
            return SL_OK;
        if (sl_exec_interrupted(ctx->exec))
            return sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
        sl_batch *b = NULL;
        SL_TRY(fn->next(g->state, ctx->exec, &b, err));
        if (!b)
            return SL_OK;
        sl_status st = b->count ? tf_emit(ctx, plan, g->projected, b, err) : SL_OK;
        sl_batch_free(b);
        SL_TRY(st);
    }
}

/* ---- continuous runs */

static sl_status tf_emit_watermark(sl_op_context *ctx, int64_t watermark, sl_error *err)
{
    sl_msg msg;
    memset(&msg, 0, sizeof msg);
    msg.kind = SL_MSG_WATERMARK;
    msg.watermark = watermark;
    atomic_store(&sl_op_metrics_of(ctx)->watermark, watermark);
    return sl_emit(ctx, &msg, err);
}

/* The greatest non-NULL watermark value over the active rows of the emitted form of b
 * (the scanned columns), or SL_WATERMARK_NONE. */
static sl_status tf_batch_watermark(const sl_physical_op *plan, sl_table_function_global *g, const sl_batch *b,
                                    int64_t *out, sl_error *err)
{
    *out = SL_WATERMARK_NONE;
    sl_batch *view = NULL;
    const sl_batch *scanned = b;
    if (!g->projected && plan->scan_columns) {   /* the expression reads scanned positions */
        view = sl_batch_new(plan->scan_column_count);
        if (!view)
            return sl_error_oom(err);
        for (uint32_t c = 0; c < plan->scan_column_count; c++)
            sl_batch_set_column(view, c, sl_vector_ref(b->columns[plan->scan_columns[c]]));
        view->length = b->length;
        view->count = b->count;
        sl_status st = b->sel ? sl_batch_set_selection(view, b->sel, b->count, err) : SL_OK;
        if (st != SL_OK) {
            sl_batch_free(view);
            return st;
        }
        scanned = view;
    }
    sl_vector *v = NULL;
    sl_status st = sl_expr_evaluate(g->watermark, scanned, &v, err);
    if (st == SL_OK) {
        const int64_t *values = SL_VECTOR_DATA(v, int64_t);
        int64_t max = SL_WATERMARK_NONE;
        for (uint32_t i = 0; i < scanned->count; i++) {
            uint32_t r = sl_batch_row(scanned, i);
            if (sl_vector_is_valid(v, r) && values[r] > max)
                max = values[r];
        }
        *out = max;
        sl_vector_unref(v);
    }
    sl_batch_free(view);
    return st;
}

/* One batch of a continuous run, then the watermark it moved. */
static sl_status tf_step(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local, int *state,
                         sl_error *err)
{
    sl_table_function_global *g = global;
    const sl_table_function *fn = plan->function;
    *state = SL_STEP_DONE;
    if (!g->started) {
        SL_TRY(tf_start(ctx, plan, g, err));
        if (plan->watermark) {
            g->watermark = sl_expr_state_new(plan->watermark, &ctx->exec->eval);
            if (!g->watermark)
                return sl_error_oom(err);
            uint32_t splits = fn->split_count ? fn->split_count(g->state) : 1;
            SL_TRY(sl_watermark_tracker_init(&g->tracker, splits, plan->idle_timeout, sl_connector_now_micros(), err));
            g->tracking = true;
        }
    }
    if (sl_pipeline_stop_requested(ctx))
        return SL_OK;
    sl_batch *b = NULL;
    bool idle = false;
    if (fn->poll)
        SL_TRY(fn->poll(g->state, ctx->exec, &b, &idle, err));
    else
        SL_TRY(fn->next(g->state, ctx->exec, &b, err));
    if (!b && idle) {   /* a live source with nothing now: idle splits may release the watermark */
        *state = SL_STEP_IDLE;
        int64_t watermark;
        if (g->tracking && sl_watermark_advance(&g->tracker, sl_connector_now_micros(), &watermark))
            SL_TRY(tf_emit_watermark(ctx, watermark, err));
        return SL_OK;
    }
    if (!b) {
        if (g->tracking)
            SL_TRY(tf_emit_watermark(ctx, SL_WATERMARK_END, err));
        return SL_OK;
    }
    sl_status st = SL_OK;
    int64_t batch_max = SL_WATERMARK_NONE;
    if (b->count && g->tracking)
        st = tf_batch_watermark(plan, g, b, &batch_max, err);
    if (st == SL_OK && b->count)
        st = tf_emit(ctx, plan, g->projected, b, err);
    sl_batch_free(b);
    SL_TRY(st);
    *state = SL_STEP_MORE;
    if (!g->tracking)
        return SL_OK;
    int64_t now = sl_connector_now_micros();
    uint32_t split = fn->batch_split ? fn->batch_split(g->state) : 0;
    if (fn->split_count)   /* a growing split set (a followed glob of files) */
        SL_TRY(sl_watermark_tracker_grow(&g->tracker, fn->split_count(g->state), now, err));
    sl_watermark_observe(&g->tracker, split, batch_max, now);
    if (fn->split_ended)
        for (uint32_t i = 0; i < g->tracker.split_count; i++)
            if (!g->tracker.split_ended[i] && fn->split_ended(g->state, i))
                sl_watermark_split_ended(&g->tracker, i);
    int64_t watermark;
    if (sl_watermark_advance(&g->tracker, now, &watermark))
        SL_TRY(tf_emit_watermark(ctx, watermark, err));
    return SL_OK;
}

uint32_t sl_table_function_scan_splits(const sl_physical_op *plan, void *global)
{
    sl_table_function_global *g = global;
    if (!g || !g->state)
        return 0;
    return plan->function->split_count ? plan->function->split_count(g->state) : 1;
}

void sl_table_function_scan_split(const sl_physical_op *plan, void *global, uint32_t split, sl_split_stats *out,
                                  int64_t *watermark)
{
    sl_table_function_global *g = global;
    memset(out, 0, sizeof *out);
    out->partition = -1;
    out->offset = out->lag = -1;
    *watermark = SL_WATERMARK_NONE;
    if (!g || !g->state)
        return;
    if (plan->function->split_stats)
        plan->function->split_stats(g->state, split, out);
    if (g->tracking && split < g->tracker.split_count)
        *watermark = g->tracker.split_max[split];
}

const sl_operator_type sl_table_function_operator = {
    .name = "TABLE_FUNCTION",
    .init_global = tf_init_global,
    .free_global = tf_free_global,
    .source = tf_source,
    .step = tf_step,
};
