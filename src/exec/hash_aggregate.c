/*
 * hash_aggregate.c — HASH_AGGREGATE: GROUP BY plan->exprs computing plan->aggregates
 * (SL_EXPR_AGGREGATE nodes). Output columns: groups ++ aggregate results.
 *
 * Sink role (pipeline of children[0]): per batch the group expressions are evaluated and
 * hashed once, and one vectorized sl_hash_table lookup maps every active row to its
 * group's payload, creating groups as needed. A payload holds the states of all
 * aggregates side by side (each at a 16-byte aligned offset); new groups have their
 * states init()ed. Then, per aggregate:
 *   - FILTER (WHERE ...) narrows the rows with sl_expr_select;
 *   - the arguments are evaluated, followed by the ORDER BY keys as extra trailing
 *     arguments (the calling convention of expr/aggregate.c);
 *   - DISTINCT keeps only the rows whose (group id, arguments) were not seen before, using
 *     one hash set per DISTINCT aggregate;
 *   - update() folds the rows into states[i] = payload of row i + offset.
 * Without GROUP BY there is one state set (created up front), so an empty input still
 * yields exactly one row (count -> 0, sum -> NULL).
 *
 * Source role (the pipeline above): the groups are walked partition by partition, chunk
 * by chunk (SL_BATCH_CAPACITY groups): the group key columns are the hash table's key
 * chunks (shared, not copied) and each aggregate's finalize() fills one result vector.
 *
 * Lifetimes: the states live in the global state's hash table; free_global calls each
 * aggregate's destroy() on every state. Memory is reserved against exec->memory as the
 * table grows; a refusal fails with SL_ERR_OOM naming the operator and memory_limit.
 */
#include <pthread.h>

#include "exec/hash_table.h"
#include "expr/function.h"

#define AGG_NAME "HASH_AGGREGATE"

typedef struct sl_hash_agg_global {
    pthread_mutex_t lock;            /* serializes sinks (they update the shared table) */
    uint32_t group_count;
    uint32_t agg_count;
    size_t *offsets;                 /* per aggregate: state offset in a payload */
    size_t payload_size;
    bool table_ready;
    sl_hash_table table;             /* group keys -> payload (group_count > 0) */
    uint8_t *single;                 /* the payload when there are no groups */
    sl_hash_table *distinct;         /* per aggregate; initialized for DISTINCT ones */
    bool *distinct_ready;
    bool states_ready;               /* single payload init()ed */
} sl_hash_agg_global;

typedef struct sl_agg_eval {
    uint32_t arg_count;              /* declared args + ORDER BY keys */
    sl_expr_state **args;
    sl_vector **vectors;
    sl_expr_state *filter;
} sl_agg_eval;

typedef struct sl_hash_agg_local {
    sl_expr_state **groups;
    sl_vector **group_vectors;
    sl_agg_eval *aggs;
    size_t capacity;                 /* rows the arrays below hold */
    uint64_t *hashes;
    uint64_t *ids;                   /* per active row: group id */
    uint8_t **payloads;              /* per active row: group payload */
    uint8_t **row_payload;           /* per physical row */
    uint32_t *fresh;
    uint32_t *rows;                  /* active physical rows */
    uint32_t *sel;                   /* per aggregate: selected physical rows */
    uint32_t *sel2;
    void **states;
    sl_vector *group_id;             /* BIGINT per physical row (DISTINCT keys) */
    sl_hash_scratch *scratch;
} sl_hash_agg_local;

static const sl_expr *aggregate_at(const sl_physical_op *plan, uint32_t j)
{
    return plan->aggregates[j];
}

/* ------------------------------------------------------------------ global */

/* Calls destroy on every state of every group. */
static void destroy_states(const sl_physical_op *plan, sl_hash_agg_global *g)
{
    for (uint32_t j = 0; j < g->agg_count; j++) {
        const sl_expr *agg = aggregate_at(plan, j);
        if (!agg->aggregate->destroy)
            continue;
        if (g->group_count == 0) {
            if (g->states_ready && g->single)
                agg->aggregate->destroy(agg, g->single + g->offsets[j]);
            continue;
        }
        if (!g->table_ready)
            continue;
        for (uint32_t p = 0; p < g->table.partition_count; p++)
            for (uint32_t e = 0; e < g->table.partitions[p].entry_count; e++)
                agg->aggregate->destroy(agg, sl_hash_table_payload(&g->table, p, e) + g->offsets[j]);
    }
}

static void hash_agg_free_global(const sl_physical_op *plan, void *global)
{
    sl_hash_agg_global *g = global;
    if (!g)
        return;
    destroy_states(plan, g);
    if (g->table_ready)
        sl_hash_table_free(&g->table);
    if (g->distinct && g->distinct_ready)
        for (uint32_t j = 0; j < g->agg_count; j++)
            if (g->distinct_ready[j])
                sl_hash_table_free(&g->distinct[j]);
    sl_free(g->distinct);
    sl_free(g->distinct_ready);
    sl_free(g->single);
    sl_free(g->offsets);
    pthread_mutex_destroy(&g->lock);
    sl_free(g);
}

static sl_status hash_agg_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global,
                                      sl_error *err)
{
    if (plan->child_count != 1)
        return sl_error_set(err, SL_ERR_INTERNAL, AGG_NAME " expects 1 child, has %u", plan->child_count);
    for (uint32_t j = 0; j < plan->aggregate_count; j++) {
        const sl_expr *agg = plan->aggregates[j];
        if (!agg || agg->kind != SL_EXPR_AGGREGATE || !agg->aggregate)
            return sl_error_set(err, SL_ERR_INTERNAL, AGG_NAME ": aggregate %u is not a bound aggregate call", j);
    }
    sl_hash_agg_global *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    pthread_mutex_init(&g->lock, NULL);
    g->group_count = plan->expr_count;
    g->agg_count = plan->aggregate_count;
    g->offsets = sl_calloc(g->agg_count + 1, sizeof *g->offsets);
    g->distinct = sl_calloc(g->agg_count + 1, sizeof *g->distinct);
    g->distinct_ready = sl_calloc(g->agg_count + 1, sizeof *g->distinct_ready);
    sl_status st = (!g->offsets || !g->distinct || !g->distinct_ready) ? sl_error_oom(err) : SL_OK;
    size_t size = 0;
    for (uint32_t j = 0; j < g->agg_count && st == SL_OK; j++) {
        g->offsets[j] = size;
        size += (plan->aggregates[j]->aggregate->state_size + 15) & ~(size_t)15;
    }
    g->payload_size = size;
    if (st == SL_OK && g->group_count > 0) {
        sl_type *types = sl_malloc(sizeof *types * g->group_count);
        if (!types) {
            st = sl_error_oom(err);
        } else {
            for (uint32_t i = 0; i < g->group_count; i++)
                types[i] = plan->exprs[i]->type;
            st = sl_hash_table_init(&g->table, types, g->group_count, size, 0, exec->memory, AGG_NAME, err);
            g->table_ready = st == SL_OK;
            sl_free(types);
        }
    } else if (st == SL_OK) {
        g->single = sl_calloc(1, size ? size : 16);
        if (!g->single) {
            st = sl_error_oom(err);
        } else {
            for (uint32_t j = 0; j < g->agg_count; j++) {
                const sl_expr *agg = plan->aggregates[j];
                agg->aggregate->init(agg, g->single + g->offsets[j]);
            }
            g->states_ready = true;
        }
    }
    /* DISTINCT aggregates: a set of (group id BIGINT, declared arguments) each */
    for (uint32_t j = 0; j < g->agg_count && st == SL_OK; j++) {
        const sl_expr *agg = plan->aggregates[j];
        if (!agg->distinct)
            continue;
        sl_type *types = sl_malloc(sizeof *types * (agg->arg_count + 1));
        if (!types) {
            st = sl_error_oom(err);
            break;
        }
        types[0] = sl_type_make(SL_TYPE_BIGINT);
        for (uint32_t a = 0; a < agg->arg_count; a++)
            types[a + 1] = agg->args[a]->type;
        st = sl_hash_table_init(&g->distinct[j], types, agg->arg_count + 1, 0, 0, exec->memory, AGG_NAME, err);
        g->distinct_ready[j] = st == SL_OK;
        sl_free(types);
    }
    if (st != SL_OK) {
        hash_agg_free_global(plan, g);
        return st;
    }
    *global = g;
    return SL_OK;
}

/* ------------------------------------------------------------------ local */

static void hash_agg_free_local(const sl_physical_op *plan, void *local)
{
    sl_hash_agg_local *l = local;
    if (!l)
        return;
    if (l->groups)
        for (uint32_t i = 0; i < plan->expr_count; i++)
            if (l->groups[i])
                sl_expr_state_free(l->groups[i]);
    if (l->aggs) {
        for (uint32_t j = 0; j < plan->aggregate_count; j++) {
            sl_agg_eval *a = &l->aggs[j];
            if (a->args)
                for (uint32_t k = 0; k < a->arg_count; k++)
                    if (a->args[k])
                        sl_expr_state_free(a->args[k]);
            if (a->filter)
                sl_expr_state_free(a->filter);
            sl_free(a->args);
            sl_free(a->vectors);
        }
    }
    sl_free(l->groups);
    sl_free(l->group_vectors);
    sl_free(l->aggs);
    sl_free(l->hashes);
    sl_free(l->ids);
    sl_free(l->payloads);
    sl_free(l->row_payload);
    sl_free(l->fresh);
    sl_free(l->rows);
    sl_free(l->sel);
    sl_free(l->sel2);
    sl_free(l->states);
    if (l->group_id)
        sl_vector_unref(l->group_id);
    sl_free(l->scratch);
    sl_free(l);
}

static sl_status create_sink_local(const sl_physical_op *plan, sl_exec_context *exec, sl_hash_agg_local **out,
                                   sl_error *err)
{
    sl_hash_agg_local *l = sl_calloc(1, sizeof *l);
    if (!l)
        return sl_error_oom(err);
    *out = l;
    l->groups = sl_calloc(plan->expr_count + 1, sizeof *l->groups);
    l->group_vectors = sl_calloc(plan->expr_count + 1, sizeof *l->group_vectors);
    l->aggs = sl_calloc(plan->aggregate_count + 1, sizeof *l->aggs);
    l->scratch = sl_malloc(sizeof *l->scratch);
    if (!l->groups || !l->group_vectors || !l->aggs || !l->scratch)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < plan->expr_count; i++)
        if (!(l->groups[i] = sl_expr_state_new(plan->exprs[i], &exec->eval)))
            return sl_error_oom(err);
    for (uint32_t j = 0; j < plan->aggregate_count; j++) {
        const sl_expr *agg = plan->aggregates[j];
        sl_agg_eval *a = &l->aggs[j];
        uint32_t n = agg->arg_count + agg->order_count;
        a->args = sl_calloc(n + 1, sizeof *a->args);
        a->vectors = sl_calloc(n + 2, sizeof *a->vectors);   /* +1: room for the group id in DISTINCT keys */
        if (!a->args || !a->vectors)
            return sl_error_oom(err);
        a->arg_count = n;
        for (uint32_t k = 0; k < n; k++) {
            const sl_expr *e = k < agg->arg_count ? agg->args[k] : agg->order_by[k - agg->arg_count];
            if (!(a->args[k] = sl_expr_state_new(e, &exec->eval)))
                return sl_error_oom(err);
        }
        if (agg->filter && !(a->filter = sl_expr_state_new(agg->filter, &exec->eval)))
            return sl_error_oom(err);
    }
    return SL_OK;
}

/* One local per pipeline instance; only the sink role uses it (the source reads the
 * global state), so the source's copy stays idle. */
static sl_status hash_agg_init_local(const sl_physical_op *plan, void *global, sl_exec_context *exec, void **local,
                                     sl_error *err)
{
    sl_hash_agg_local *l = NULL;
    sl_status st = create_sink_local(plan, exec, &l, err);
    if (st != SL_OK) {
        hash_agg_free_local(plan, l);
        return st;
    }
    *local = l;
    return SL_OK;
}

static sl_status reserve_local(sl_hash_agg_local *l, uint32_t rows, sl_error *err)
{
    if (rows <= l->capacity)
        return SL_OK;
    size_t cap = rows;
    sl_free(l->hashes);
    sl_free(l->ids);
    sl_free(l->payloads);
    sl_free(l->row_payload);
    sl_free(l->fresh);
    sl_free(l->rows);
    sl_free(l->sel);
    sl_free(l->sel2);
    sl_free(l->states);
    l->hashes = sl_malloc(cap * sizeof *l->hashes);
    l->ids = sl_malloc(cap * sizeof *l->ids);
    l->payloads = sl_malloc(cap * sizeof *l->payloads);
    l->row_payload = sl_malloc(cap * sizeof *l->row_payload);
    l->fresh = sl_malloc(cap * sizeof *l->fresh);
    l->rows = sl_malloc(cap * sizeof *l->rows);
    l->sel = sl_malloc(cap * sizeof *l->sel);
    l->sel2 = sl_malloc(cap * sizeof *l->sel2);
    l->states = sl_malloc(cap * sizeof *l->states);
    l->capacity = 0;
    if (l->group_id)
        sl_vector_unref(l->group_id);
    l->group_id = sl_vector_new(sl_type_make(SL_TYPE_BIGINT), (uint32_t)cap);
    if (!l->hashes || !l->ids || !l->payloads || !l->row_payload || !l->fresh || !l->rows || !l->sel || !l->sel2 ||
        !l->states || !l->group_id)
        return sl_error_oom(err);
    l->capacity = cap;
    return SL_OK;
}

/* ------------------------------------------------------------------ sink */

/* Folds the active rows of `in` into aggregate j's states (FILTER, DISTINCT, update). */
static sl_status update_aggregate(sl_hash_agg_global *g, sl_hash_agg_local *l, const sl_physical_op *plan,
                                  uint32_t j, const sl_batch *in, sl_error *err)
{
    const sl_expr *agg = plan->aggregates[j];
    sl_agg_eval *a = &l->aggs[j];
    uint32_t *sel = l->sel;
    uint32_t count = in->count;
    if (a->filter) {
        SL_TRY(sl_expr_select(a->filter, in, sel, &count, err));
    } else {
        memcpy(sel, l->rows, sizeof *sel * count);
    }
    if (count == 0)
        return SL_OK;
    sl_status st = SL_OK;
    for (uint32_t k = 0; k < a->arg_count && st == SL_OK; k++)
        st = sl_expr_evaluate(a->args[k], in, &a->vectors[k], err);
    if (st == SL_OK && agg->distinct) {
        /* keep the rows whose (group, arguments) is new */
        sl_vector *keys[257];
        uint32_t key_count = agg->arg_count + 1;
        if (key_count > 257) {
            st = sl_error_set(err, SL_ERR_INTERNAL, AGG_NAME ": too many DISTINCT arguments");
        } else {
            keys[0] = l->group_id;
            for (uint32_t k = 0; k < agg->arg_count; k++)
                keys[k + 1] = a->vectors[k];
            sl_hash_table_hash(keys, key_count, sel, count, l->hashes);
            uint32_t fresh_count = 0;
            st = sl_hash_table_find_or_insert(&g->distinct[j], l->scratch, keys, sel, count, l->hashes, NULL, NULL,
                                              l->fresh, &fresh_count, err);
            if (st == SL_OK) {
                for (uint32_t f = 0; f < fresh_count; f++)
                    l->sel2[f] = sel[l->fresh[f]];
                sel = l->sel2;
                count = fresh_count;
            }
        }
    }
    if (st == SL_OK && count > 0) {
        size_t offset = g->offsets[j];
        for (uint32_t i = 0; i < count; i++)
            l->states[i] = l->row_payload[sel[i]] + offset;
        st = agg->aggregate->update(agg, l->states, a->vectors, sel, count, err);
    }
    for (uint32_t k = 0; k < a->arg_count; k++) {
        if (a->vectors[k])
            sl_vector_unref(a->vectors[k]);
        a->vectors[k] = NULL;
    }
    return st;
}

static sl_status sink_batch(sl_hash_agg_global *g, sl_hash_agg_local *l, const sl_physical_op *plan,
                            const sl_batch *in, sl_error *err)
{
    uint32_t n = in->count;
    SL_TRY(reserve_local(l, in->length > n ? in->length : n, err));
    for (uint32_t i = 0; i < n; i++)
        l->rows[i] = sl_batch_row(in, i);
    int64_t *group_id = SL_VECTOR_DATA(l->group_id, int64_t);
    if (g->group_count == 0) {
        for (uint32_t i = 0; i < n; i++) {
            l->row_payload[l->rows[i]] = g->single;
            group_id[l->rows[i]] = 0;
        }
    } else {
        sl_status st = SL_OK;
        for (uint32_t i = 0; i < g->group_count && st == SL_OK; i++)
            st = sl_expr_evaluate(l->groups[i], in, &l->group_vectors[i], err);
        uint32_t fresh_count = 0;
        if (st == SL_OK) {
            sl_hash_table_hash(l->group_vectors, g->group_count, in->sel, n, l->hashes);
            st = sl_hash_table_find_or_insert(&g->table, l->scratch, l->group_vectors, in->sel, n, l->hashes, l->ids,
                                              l->payloads, l->fresh, &fresh_count, err);
        }
        for (uint32_t i = 0; i < g->group_count; i++) {
            if (l->group_vectors[i])
                sl_vector_unref(l->group_vectors[i]);
            l->group_vectors[i] = NULL;
        }
        SL_TRY(st);
        for (uint32_t f = 0; f < fresh_count; f++) {
            uint8_t *payload = l->payloads[l->fresh[f]];
            for (uint32_t j = 0; j < g->agg_count; j++) {
                const sl_expr *agg = plan->aggregates[j];
                agg->aggregate->init(agg, payload + g->offsets[j]);
            }
        }
        for (uint32_t i = 0; i < n; i++) {
            l->row_payload[l->rows[i]] = l->payloads[i];
            group_id[l->rows[i]] = (int64_t)l->ids[i];
        }
    }
    for (uint32_t j = 0; j < g->agg_count; j++)
        SL_TRY(update_aggregate(g, l, plan, j, in, err));
    return SL_OK;
}

static sl_status hash_agg_sink(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                               const sl_msg *msg, sl_error *err)
{
    if (msg->kind != SL_MSG_DATA || msg->batch->count == 0)
        return SL_OK;
    sl_hash_agg_global *g = global;
    pthread_mutex_lock(&g->lock);
    sl_status st = sink_batch(g, local, plan, msg->batch, err);
    pthread_mutex_unlock(&g->lock);
    return st;
}

/* ------------------------------------------------------------------ source */

/* Emits one batch: the key columns `keys` (shared; NULL without groups) and the results
 * of the `count` payloads. */
static sl_status emit_groups(sl_op_context *ctx, const sl_physical_op *plan, sl_hash_agg_global *g,
                             sl_vector *const *keys, uint8_t **payloads, uint32_t count, sl_error *err)
{
    sl_batch *out = sl_batch_new(g->group_count + g->agg_count);
    void **states = sl_malloc(sizeof *states * (count ? count : 1));
    if (!out || !states) {
        sl_batch_free(out);
        sl_free(states);
        return sl_error_oom(err);
    }
    for (uint32_t i = 0; i < g->group_count; i++)
        sl_batch_set_column(out, i, sl_vector_ref(keys[i]));
    sl_status st = SL_OK;
    for (uint32_t j = 0; j < g->agg_count && st == SL_OK; j++) {
        const sl_expr *agg = plan->aggregates[j];
        sl_type type = plan->types && plan->column_count == g->group_count + g->agg_count
                           ? plan->types[g->group_count + j]
                           : agg->type;
        sl_vector *v = sl_vector_new(type, count ? count : 1);
        if (!v) {
            st = sl_error_oom(err);
            break;
        }
        sl_batch_set_column(out, g->group_count + j, v);
        for (uint32_t i = 0; i < count; i++)
            states[i] = payloads[i] + g->offsets[j];
        st = agg->aggregate->finalize(agg, states, count, v, 0, err);
    }
    if (st == SL_OK) {
        out->length = out->count = count;
        st = sl_emit_batch(ctx, out, err);
    }
    sl_batch_free(out);
    sl_free(states);
    return st;
}

static sl_status hash_agg_source(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                                 sl_error *err)
{
    sl_hash_agg_global *g = global;
    if (g->group_count == 0) {
        uint8_t *payload = g->single;
        return emit_groups(ctx, plan, g, NULL, &payload, 1, err);
    }
    uint8_t **payloads = sl_malloc(sizeof *payloads * SL_BATCH_CAPACITY);
    if (!payloads)
        return sl_error_oom(err);
    sl_status st = SL_OK;
    for (uint32_t p = 0; p < g->table.partition_count && st == SL_OK; p++) {
        const sl_hash_partition *part = &g->table.partitions[p];
        for (size_t c = 0; c < part->keys.chunk_count && st == SL_OK; c++) {
            if (sl_pipeline_stop_requested(ctx))
                break;
            const sl_batch *chunk = part->keys.chunks[c];
            uint32_t count = chunk->length;
            for (uint32_t i = 0; i < count; i++)
                payloads[i] = g->payload_size
                                  ? sl_hash_table_payload(&g->table, p, (uint32_t)(c * SL_BATCH_CAPACITY + i))
                                  : NULL;
            st = emit_groups(ctx, plan, g, chunk->columns, payloads, count, err);
        }
    }
    sl_free(payloads);
    return st;
}

const sl_operator_type sl_hash_aggregate_operator = {
    .name = AGG_NAME,
    .init_global = hash_agg_init_global,
    .free_global = hash_agg_free_global,
    .init_local = hash_agg_init_local,
    .free_local = hash_agg_free_local,
    .source = hash_agg_source,
    .sink = hash_agg_sink,
};
