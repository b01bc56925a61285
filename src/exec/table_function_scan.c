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
 */
#include "exec/operator.h"

#include "plan/table_function.h"

typedef struct sl_table_function_global {
    void *state;                 /* the function's scan state, NULL until started */
    bool started;
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
    if (st == SL_OK)
        st = sl_emit_batch(ctx, out, err);
    sl_batch_free(out);
    return st;
}

static sl_status tf_source(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local, sl_error *err)
{
    sl_table_function_global *g = global;
    const sl_table_function *fn = plan->function;
    if (g->started)
        return SL_OK;  /* another instance already ran (or runs) the single stream */
    g->started = true;
    bool filtered = plan->scan_filter_count > 0 && fn->init_filtered;
    bool projected = plan->scan_columns && (fn->init_projected || filtered);
    if (filtered)
        SL_TRY(fn->init_filtered(plan->function_data, ctx->exec, plan->scan_columns,
                                 plan->scan_columns ? plan->scan_column_count : 0, plan->scan_filters,
                                 plan->scan_filter_count, &g->state, err));
    else if (projected)
        SL_TRY(fn->init_projected(plan->function_data, ctx->exec, plan->scan_columns, plan->scan_column_count,
                                  &g->state, err));
    else
        SL_TRY(fn->init(plan->function_data, ctx->exec, &g->state, err));
    for (;;) {
        if (sl_pipeline_stop_requested(ctx))
            return SL_OK;
        if (sl_exec_interrupted(ctx->exec))
            return sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
        sl_batch *b = NULL;
        SL_TRY(fn->next(g->state, ctx->exec, &b, err));
        if (!b)
            return SL_OK;
        sl_status st = b->count ? tf_emit(ctx, plan, projected, b, err) : SL_OK;
        sl_batch_free(b);
        SL_TRY(st);
    }
}

const sl_operator_type sl_table_function_operator = {
    .name = "TABLE_FUNCTION",
    .init_global = tf_init_global,
    .free_global = tf_free_global,
    .source = tf_source,
};
