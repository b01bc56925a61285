/*
 * set_operation.c — SET_OPERATION: INTERSECT [ALL] and EXCEPT [ALL] of children[0]
 * (left) and children[1] (right). (UNION DISTINCT is planned as UNION_ALL + aggregate.)
 *
 * Sink role, two inputs (ctx->input_index 0 = left, 1 = right): every row is looked up
 * in one sl_hash_table keyed on all columns (NULLs equal, as set operations compare
 * rows with IS NOT DISTINCT FROM); the entry's payload counts its occurrences per side.
 * Source role: each distinct row is emitted
 *   INTERSECT ALL  min(left, right) times     INTERSECT  once if left > 0 and right > 0
 *   EXCEPT ALL     max(left - right, 0) times EXCEPT     once if left > 0 and right = 0
 * in batches of up to SL_BATCH_CAPACITY rows gathered from the table's key chunks.
 * Output order is unspecified.
 *
 * Memory: the hash table reserves against exec->memory; a refusal fails with SL_ERR_OOM.
 */
#include <pthread.h>

#include "exec/hash_table.h"

#define SETOP_NAME "SET_OPERATION"

typedef struct sl_setop_counts {
    int64_t side[2];
} sl_setop_counts;

typedef struct sl_setop_global {
    pthread_mutex_t lock;
    sl_hash_table table;
} sl_setop_global;

typedef struct sl_setop_local {
    size_t capacity;
    uint64_t *hashes;
    uint8_t **payloads;
    sl_hash_scratch *scratch;
} sl_setop_local;

static void setop_free_global(const sl_physical_op *plan, void *global)
{
    sl_setop_global *g = global;
    if (!g)
        return;
    sl_hash_table_free(&g->table);
    pthread_mutex_destroy(&g->lock);
    sl_free(g);
}

static sl_status setop_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global, sl_error *err)
{
    if (plan->child_count != 2)
        return sl_error_set(err, SL_ERR_INTERNAL, SETOP_NAME " expects 2 children, has %u", plan->child_count);
    if (plan->setop != SL_SETOP_INTERSECT && plan->setop != SL_SETOP_EXCEPT)
        return sl_error_set(err, SL_ERR_INTERNAL, SETOP_NAME " implements INTERSECT and EXCEPT only");
    if (plan->children[0]->column_count != plan->children[1]->column_count)
        return sl_error_set(err, SL_ERR_INTERNAL, SETOP_NAME ": inputs have %u and %u columns",
                            plan->children[0]->column_count, plan->children[1]->column_count);
    sl_setop_global *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    pthread_mutex_init(&g->lock, NULL);
    const sl_physical_op *left = plan->children[0];
    sl_status st = sl_hash_table_init(&g->table, left->types, left->column_count, sizeof(sl_setop_counts), 0,
                                      exec->memory, SETOP_NAME, err);
    if (st != SL_OK) {
        sl_free(g);
        return st;
    }
    *global = g;
    return SL_OK;
}

static void setop_free_local(const sl_physical_op *plan, void *local)
{
    sl_setop_local *l = local;
    sl_free(l->hashes);
    sl_free(l->payloads);
    sl_free(l->scratch);
    sl_free(l);
}

static sl_status setop_init_local(const sl_physical_op *plan, void *global, sl_exec_context *exec, void **local,
                                  sl_error *err)
{
    sl_setop_local *l = sl_calloc(1, sizeof *l);
    if (!l)
        return sl_error_oom(err);
    *local = l;
    return SL_OK;
}

static sl_status setop_sink(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                            const sl_msg *msg, sl_error *err)
{
    if (msg->kind != SL_MSG_DATA || msg->batch->count == 0)
        return SL_OK;
    sl_setop_global *g = global;
    sl_setop_local *l = local;
    const sl_batch *in = msg->batch;
    uint32_t side = ctx->input_index ? 1 : 0;
    if (in->column_count < g->table.key_count)
        return sl_error_set(err, SL_ERR_INTERNAL, SETOP_NAME ": input batch has %u columns, expected %u",
                            in->column_count, g->table.key_count);
    if (!l->scratch && !(l->scratch = sl_malloc(sizeof *l->scratch)))
        return sl_error_oom(err);
    if (in->count > l->capacity) {
        uint64_t *h = sl_realloc(l->hashes, sizeof *h * in->count);
        if (h)
            l->hashes = h;
        uint8_t **p = sl_realloc(l->payloads, sizeof *p * in->count);
        if (p)
            l->payloads = p;
        if (!h || !p)
            return sl_error_oom(err);
        l->capacity = in->count;
    }
    sl_hash_table_hash(in->columns, g->table.key_count, in->sel, in->count, l->hashes);
    pthread_mutex_lock(&g->lock);
    sl_status st = sl_hash_table_find_or_insert(&g->table, l->scratch, in->columns, in->sel, in->count, l->hashes,
                                                NULL, l->payloads, NULL, NULL, err);
    if (st == SL_OK)
        for (uint32_t i = 0; i < in->count; i++)
            ((sl_setop_counts *)l->payloads[i])->side[side]++;
    pthread_mutex_unlock(&g->lock);
    return st;
}

/* How many copies of a row with these counts the result holds. */
static int64_t copies(const sl_physical_op *plan, const sl_setop_counts *c)
{
    int64_t l = c->side[0], r = c->side[1];
    if (plan->setop == SL_SETOP_INTERSECT)
        return plan->setop_all ? (l < r ? l : r) : (l > 0 && r > 0);
    return plan->setop_all ? (l > r ? l - r : 0) : (l > 0 && r == 0);
}

/* Gathers rows[0..n) of the key chunk into a new batch and emits it. */
static sl_status emit_rows(sl_op_context *ctx, const sl_batch *chunk, const uint32_t *rows, uint32_t n,
                           sl_error *err)
{
    sl_batch *out = sl_batch_new(chunk->column_count);
    if (!out)
        return sl_error_oom(err);
    sl_status st = SL_OK;
    for (uint32_t c = 0; c < chunk->column_count && st == SL_OK; c++) {
        sl_vector *v = sl_vector_new(chunk->columns[c]->type, n);
        if (!v) {
            st = sl_error_oom(err);
            break;
        }
        sl_batch_set_column(out, c, v);
        st = sl_vector_gather(v, 0, chunk->columns[c], rows, n, err);
    }
    if (st == SL_OK) {
        out->length = out->count = n;
        st = sl_emit_batch(ctx, out, err);
    }
    sl_batch_free(out);
    return st;
}

static sl_status setop_source(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                              sl_error *err)
{
    sl_setop_global *g = global;
    uint32_t rows[SL_BATCH_CAPACITY];
    for (uint32_t p = 0; p < g->table.partition_count; p++) {
        const sl_hash_partition *part = &g->table.partitions[p];
        for (size_t c = 0; c < part->keys.chunk_count; c++) {
            const sl_batch *chunk = part->keys.chunks[c];
            uint32_t n = 0;
            bool all = true;       /* every row of the chunk exactly once: emit it as is */
            for (uint32_t i = 0; i < chunk->length; i++) {
                const sl_setop_counts *counts =
                    (const sl_setop_counts *)sl_hash_table_payload(&g->table, p, (uint32_t)(c * SL_BATCH_CAPACITY + i));
                int64_t k = copies(plan, counts);
                if (k != 1)
                    all = false;
                for (int64_t j = 0; j < k; j++) {
                    rows[n++] = i;
                    if (n == SL_BATCH_CAPACITY) {
                        if (sl_pipeline_stop_requested(ctx))
                            return SL_OK;
                        SL_TRY(emit_rows(ctx, chunk, rows, n, err));
                        n = 0;
                        all = false;
                    }
                }
            }
            if (n == 0)
                continue;
            if (sl_pipeline_stop_requested(ctx))
                return SL_OK;
            if (all && n == chunk->length)
                SL_TRY(sl_emit_batch(ctx, chunk, err));
            else
                SL_TRY(emit_rows(ctx, chunk, rows, n, err));
        }
    }
    return SL_OK;
}

const sl_operator_type sl_set_operation_operator = {
    .name = SETOP_NAME,
    .init_global = setop_init_global,
    .free_global = setop_free_global,
    .init_local = setop_init_local,
    .free_local = setop_free_local,
    .source = setop_source,
    .sink = setop_sink,
};
