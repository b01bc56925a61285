/*
 * table_scan.c — TABLE_SCAN: emits a catalog table's chunks, zero-copy.
 *
 * Each chunk is a dense batch of the table; the scan emits a batch sharing the references
 * of the scanned columns (plan->scan_columns, in output order). The global state hands out
 * chunk indexes (morsels) with an atomic counter, so several pipeline instances can scan
 * one table in parallel; each claim is announced with sl_pipeline_begin_morsel so that a
 * parallel pipeline delivers the morsels' output in chunk order. The number of chunks is
 * fixed when the query starts: rows the same statement inserts (INSERT INTO t SELECT * FROM
 * t) are not seen. Progress (sl_exec_progress_add) counts the bytes of the scanned columns
 * of each claimed chunk.
 */
#include "exec/operator.h"

#include "catalog/catalog.h"

typedef struct sl_table_scan_global {
    size_t chunk_count;          /* snapshot at query start */
    atomic_size_t next_chunk;
    int64_t chunk_units;         /* progress units of one chunk */
} sl_table_scan_global;

static sl_status scan_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global, sl_error *err)
{
    if (!plan->table)
        return sl_error_set(err, SL_ERR_INTERNAL, "TABLE_SCAN without a table");
    for (uint32_t i = 0; i < plan->scan_column_count; i++)
        if (plan->scan_columns[i] >= plan->table->column_count)
            return sl_error_set(err, SL_ERR_INTERNAL, "TABLE_SCAN of '%s': column %u out of range",
                                plan->table->name, plan->scan_columns[i]);
    sl_table_scan_global *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    if (exec && exec->catalog)
        sl_catalog_lock(exec->catalog);
    g->chunk_count = plan->table->chunk_count;
    if (exec && exec->catalog)
        sl_catalog_unlock(exec->catalog);
    atomic_init(&g->next_chunk, 0);
    g->chunk_units = 1;
    for (uint32_t i = 0; i < plan->scan_column_count; i++)
        g->chunk_units += (int64_t)sl_type_width(plan->table->columns[plan->scan_columns[i]].type) * SL_BATCH_CAPACITY;
    sl_exec_progress_add(exec, 0, g->chunk_units * (int64_t)g->chunk_count);
    *global = g;
    return SL_OK;
}

static void scan_free_global(const sl_physical_op *plan, void *global)
{
    sl_free(global);
}

/* Claims the next chunk (morsel) and builds *out, a batch sharing its scanned columns, or
 * sets *out = NULL when none is left. The claim is announced to the pipeline
 * (sl_pipeline_begin_morsel) before anything else can fail. The chunk array may be
 * reallocated by a concurrent append, so it is read under the catalog lock; the chunk
 * itself is immutable. */
static sl_status claim_chunk(sl_op_context *ctx, const sl_physical_op *plan, sl_table_scan_global *g,
                             sl_batch **out, sl_error *err)
{
    *out = NULL;
    sl_exec_context *exec = ctx->exec;
    size_t i = atomic_fetch_add(&g->next_chunk, 1);
    if (i >= g->chunk_count)
        return SL_OK;
    SL_TRY(sl_pipeline_begin_morsel(ctx, (uint64_t)i, err));
    if (exec->catalog)
        sl_catalog_lock(exec->catalog);
    const sl_batch *chunk = plan->table->chunks[i];
    sl_batch *b = sl_batch_new(plan->scan_column_count);
    if (b) {
        for (uint32_t c = 0; c < plan->scan_column_count; c++)
            sl_batch_set_column(b, c, sl_vector_ref(chunk->columns[plan->scan_columns[c]]));
        b->length = chunk->length;
        b->count = chunk->count;
    }
    if (exec->catalog)
        sl_catalog_unlock(exec->catalog);
    if (!b)
        return sl_error_oom(err);
    *out = b;
    return SL_OK;
}

static sl_status scan_source(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                             sl_error *err)
{
    sl_table_scan_global *g = global;
    for (;;) {
        if (sl_pipeline_stop_requested(ctx))
            return SL_OK;
        if (sl_exec_interrupted(ctx->exec))
            return sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
        sl_batch *out = NULL;
        SL_TRY(claim_chunk(ctx, plan, g, &out, err));
        if (!out)
            return SL_OK;
        sl_exec_progress_add(ctx->exec, g->chunk_units, 0);
        sl_status st = out->count ? sl_emit_batch(ctx, out, err) : SL_OK;
        sl_batch_free(out);
        SL_TRY(st);
    }
}

const sl_operator_type sl_table_scan_operator = {
    .name = "TABLE_SCAN",
    .init_global = scan_init_global,
    .free_global = scan_free_global,
    .source = scan_source,
};
