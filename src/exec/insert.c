/*
 * insert.c — INSERT: the final sink of INSERT INTO t <query>; appends to a catalog table.
 *
 * Each DATA batch's active rows are appended to plan->target with sl_table_append (which
 * copies into the table's dense chunks and checks NOT NULL) under the catalog lock. The
 * planner has already cast the input columns to the table's column types. The number of
 * rows inserted ends up in exec->rows_affected; the executor turns it into the one-row
 * BIGINT result.
 */
#include "exec/operator.h"

#include "catalog/catalog.h"

typedef struct sl_insert_global {
    atomic_llong rows;
} sl_insert_global;

static sl_status insert_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global, sl_error *err)
{
    if (!plan->target)
        return sl_error_set(err, SL_ERR_INTERNAL, "INSERT without a target table");
    sl_insert_global *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    atomic_init(&g->rows, 0);
    *global = g;
    return SL_OK;
}

static void insert_free_global(const sl_physical_op *plan, void *global)
{
    sl_free(global);
}

static sl_status insert_sink(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                             const sl_msg *msg, sl_error *err)
{
    if (msg->kind != SL_MSG_DATA || msg->batch->count == 0)
        return SL_OK;
    sl_insert_global *g = global;
    const sl_batch *in = msg->batch;
    if (in->column_count != plan->target->column_count)
        return sl_error_set(err, SL_ERR_INTERNAL, "INSERT INTO %s: %u input columns for %u table columns",
                            plan->target->name, in->column_count, plan->target->column_count);
    if (ctx->exec->catalog)
        sl_catalog_lock(ctx->exec->catalog);
    sl_status st = sl_table_append(plan->target, in, err);
    if (ctx->exec->catalog)
        sl_catalog_unlock(ctx->exec->catalog);
    SL_TRY(st);
    atomic_fetch_add(&g->rows, (long long)in->count);
    return SL_OK;
}

static sl_status insert_finalize(sl_exec_context *exec, const sl_physical_op *plan, void *global, sl_error *err)
{
    sl_insert_global *g = global;
    exec->rows_affected = atomic_load(&g->rows);
    return SL_OK;
}

const sl_operator_type sl_insert_operator = {
    .name = "INSERT",
    .init_global = insert_init_global,
    .free_global = insert_free_global,
    .sink = insert_sink,
    .finalize = insert_finalize,
};
